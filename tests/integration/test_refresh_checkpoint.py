"""The workers of a refresh leave checkpoints to the refresh, which copies the WAL into the
database beside them and once more at the end: no worker pays for one under the write lock."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from newsreader.core.config import Config
from newsreader.core.refresh.run import refresh
from newsreader.core.store.store import Store
from tests.support.feedgen import items, rss
from tests.support.loopback import LoopbackServer


def test_a_refresh_leaves_nothing_in_the_wal(server: LoopbackServer, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    store = Store(path)
    for n in range(12):  # enough for the worker processes
        store.add_feed(server.route(f"/w{n}.xml", rss(items(20, base=f"http://w{n}.example"))))
    report = asyncio.run(refresh(store, Config()))
    assert report.new_entries == 240 and not report.failed
    size = path.stat().st_size
    probe = sqlite3.connect(path)
    busy, _, _ = probe.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    probe.close()
    assert busy == 0
    assert path.stat().st_size == size


def test_a_worker_store_does_not_checkpoint(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3")
    assert store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    store.leave_checkpoints_to_others()
    assert store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
