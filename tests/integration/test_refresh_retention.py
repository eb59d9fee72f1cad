"""Retention and the feeds that keep listing what it dropped (schema 18), through the real
refresh: its worker processes, a feed big enough to be stored as it is parsed, and a
loopback server."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsreader.core.config import Config, RetentionConfig
from newsreader.core.models import EntryFilter
from newsreader.core.refresh.ingest import STREAM_FROM
from newsreader.core.refresh.run import refresh
from newsreader.core.store.store import Store
from tests.support.big_feeds import hundred_k_feed
from tests.support.feedgen import items, rss
from tests.support.loopback import LoopbackServer


def test_read_entries_retention_dropped_do_not_come_back_as_new(
    server: LoopbackServer, tmp_path: Path
) -> None:
    """Eight feeds of year-old items (an archive, a podcast) and one of 13,000 items, past
    the per-feed limit: read, pruned at the end of a refresh, and still listed by their
    feeds. Each refresh after that brought them all back, unread."""
    store = Store(tmp_path / "c.sqlite3")
    year_ago = datetime.now(UTC) - timedelta(days=365)
    for n in range(8):
        archive = [replace(item, published=year_ago) for item in items(5, base=f"http://a{n}.t")]
        store.add_feed(server.route(f"/archive{n}.xml", rss(archive)))
    big = hundred_k_feed(13_000)
    assert len(big) >= STREAM_FROM  # stored as it is parsed, by the other writer
    store.add_feed(server.route("/chronik.xml", big, content_type="application/rss+xml"))
    config = Config(retention=RetentionConfig(max_age_days=90, max_entries_per_feed=1_000))

    assert asyncio.run(refresh(store, config)).new_entries == 8 * 5 + 13_000
    store.mark_all_read()
    # Stored long ago too: an item goes for its age once it is old by both its date and its
    # arrival (read the day it came, it stays; tests/unit/test_store.py).
    store.conn.execute("UPDATE entries SET first_seen = first_seen - 365 * 86400")
    assert asyncio.run(refresh(store, config)).new_entries == 0  # and now the prune
    assert store.count_entries() == 1_000
    again = asyncio.run(refresh(store, config))
    assert again.new_entries == 0 and not again.failed
    assert store.count_entries() == 1_000 and store.unread_count() == 0


def test_a_big_feed_subscribed_again_takes_back_its_starred_entry(
    server: LoopbackServer, tmp_path: Path
) -> None:
    """The streamed writer too (a feed of a megabyte or more): it stored the starred entry a
    second time, once starred and once new (a helper's review)."""
    store = Store(tmp_path / "c.sqlite3")
    url = server.route("/chronik.xml", hundred_k_feed(13_000), content_type="application/rss+xml")
    for n in range(8):  # enough feeds for the worker processes
        store.add_feed(server.route(f"/s{n}.xml", rss(items(2, base=f"http://s{n}.t"))))
    feed = store.add_feed(url)
    assert asyncio.run(refresh(store, Config())).new_entries == 8 * 2 + 13_000
    kept = store.entries(EntryFilter(feed_id=feed.id), limit=1)[0]
    store.set_starred(kept.id, True)
    store.remove_feed(feed.id)
    again = store.add_feed(url)
    assert asyncio.run(refresh(store, Config())).new_entries == 13_000 - 1
    same = [e for e in store.entries(EntryFilter(feed_id=again.id), limit=20) if e.url == kept.url]
    assert [(e.id, e.starred) for e in same] == [(kept.id, True)]
