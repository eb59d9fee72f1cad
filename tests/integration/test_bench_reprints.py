"""bench/local_power.py reprints stored entries for the million-entry bench (bigcache.py): it
reads the stored summary and content back, so it must read packed text (packed_text.py) as
text, or bigcache.py stops before it measures anything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bench import local_power

from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.store.store import Store

_LONG = "<p>" + "Die Stadt saniert die Promenade zwischen Aasee und Schloss. " * 8 + "</p>"


def test_reprints_read_packed_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_power, "EVERY", 1)
    store = Store(tmp_path / "cache.sqlite3")
    now = datetime.now(UTC)
    for n in (1, 2):
        feed_id = store.add_feed(f"http://bench.test/{n}.xml").id
        entry = ParsedEntry(
            key=f"http://bench.test/{n}/a",
            title=f"Promenade {n}",
            url=f"http://bench.test/{n}/a",
            author=None,
            summary=_LONG,
            content=_LONG + _LONG,
            published=now - timedelta(hours=n),
        )
        parsed = ParsedFeed(f"Feed {n}", None, (entry,))
        store.record_feed(feed_id, parsed, status=200, etag=None, last_modified=None)
    raw = store.conn.execute("SELECT typeof(summary), typeof(content) FROM entries").fetchall()
    assert {kind for row in raw for kind in row} == {"blob"}  # the case under test: packed

    assert local_power.add_reprints(store) >= 2
    reprints = [
        store.entry_without_teasers(entry_id)
        for (entry_id,) in store.conn.execute(
            "SELECT id FROM entries WHERE title LIKE '%(Nachdruck)'"
        )
    ]
    assert reprints
    for reprint in reprints:
        assert reprint is not None
        assert reprint.summary == _LONG.replace("</p>", " (dpa/lno)</p>", 1)
        assert reprint.content == _LONG + _LONG
    store.close()
