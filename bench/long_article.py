"""The 20 KB article the reader benches open: one cached page for the newest entry.

Shared by reader.py and bigcache.py. newsreader is imported inside the function, so it is
the tree under test that writes the page (bigcache.py may run against another checkout).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def save_long_article(store: Any, now: datetime) -> int:
    """Cache a 20 KB page for the newest entry; return that entry's id."""
    from newsreader.core.article_records import Page

    target = store.entries(limit=1)[0]
    text = "\n\n".join(
        f"Absatz {n}: " + "Die Stadtverwaltung teilt mit, dass die Arbeiten planmäßig laufen. " * 3
        for n in range(100)
    )[:20_000]
    assert target.url is not None
    store.save_page(
        Page(url=target.url, final_url=target.url, fetched_at=now, title=target.title, text=text),
        b"<html></html>",
    )
    return int(target.id)
