"""The farm the kill tests refresh: slow feeds whose articles have pages, subscribed in a store.

Shared by tests/integration/test_crash.py and the fault bench.
"""

from __future__ import annotations

from pathlib import Path

from newsreader.core.store.store import Store
from tests.support.feedgen import items, rss
from tests.support.loopback import LoopbackServer
from tests.support.pages import article_page

FEEDS = 12


ITEMS = 15


def serve_farm(server: LoopbackServer, data: Path) -> None:
    """FEEDS feeds of ITEMS entries, each with an article page, subscribed in a store at
    `data` (also used by bench/faults.py)."""
    base = server.url("")
    for n in range(ITEMS):
        server.route(
            f"/artikel/{n}",
            article_page(n, base=base, related=[(n + 1) % ITEMS]),
            content_type="text/html",
            delay=0.05,
        )
    store = Store.in_dir(data)
    for f in range(FEEDS):
        feed_items = items(ITEMS, base=base, prefix=f"Feed {f} Meldung")
        for item in feed_items:
            item.guid = f"{f}-{item.guid}"
        # Slow enough that even a refresh with nothing new (all 304) runs past the kill.
        store.add_feed(server.route(f"/f{f}.xml", rss(feed_items), etag=f'"f{f}"', delay=0.3))
    store.close()
