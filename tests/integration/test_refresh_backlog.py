"""Fetching is never held back by storing: a fetch lets go of its slot once its bytes are in."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

from newsreader.core.config import Config, NetworkConfig
from newsreader.core.fetch_records import RefreshReport
from newsreader.core.refresh.run import refresh
from newsreader.core.store.store import Store
from tests.support.feedgen import items, rss
from tests.support.loopback import LoopbackServer


def test_every_feed_is_fetched_while_the_database_is_locked(
    server: LoopbackServer, tmp_path: Path
) -> None:
    """With 4 requests at once and storing stuck behind another writer, all 12 feeds are still
    fetched: bodies wait for the workers, not the network for the bodies."""
    store = Store(tmp_path / "c.sqlite3")
    for n in range(12):
        store.add_feed(server.route(f"/b{n}.xml", rss(items(3, base=f"http://b{n}.example"))))
    reports: list[RefreshReport] = []
    config = Config(network=NetworkConfig(concurrency=4))
    opened, locked = threading.Event(), threading.Event()

    def run() -> None:
        store.feeds()  # this thread's connection is open before the lock is taken
        opened.set()
        locked.wait()
        reports.append(asyncio.run(refresh(store, config)))

    runner = threading.Thread(target=run)
    runner.start()
    blocker = sqlite3.connect(tmp_path / "c.sqlite3", isolation_level=None)
    opened.wait(timeout=30)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock: nothing can be stored
    locked.set()
    try:
        deadline = time.monotonic() + 15
        while len(server.hits) < 12 and time.monotonic() < deadline:
            time.sleep(0.05)
        fetched_while_locked = len(server.hits)
        assert not reports  # still waiting to store
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        runner.join(timeout=120)
    assert fetched_while_locked == 12
    assert reports and reports[0].new_entries == 36 and not reports[0].failed
