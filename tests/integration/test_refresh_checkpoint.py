"""The workers of a refresh leave checkpoints to the refresh, which copies the WAL into the
database beside them and once more at the end: no worker pays for one under the write lock."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import pytest

from newsreader.core.config import Config
from newsreader.core.refresh import run
from newsreader.core.refresh.run import refresh
from newsreader.core.store.store import Store
from tests.support.feedgen import items, rss
from tests.support.late_worker import LATE_MARK, late_warm_up
from tests.support.loopback import LoopbackServer


def test_a_refresh_leaves_nothing_in_the_wal(server: LoopbackServer, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    store = Store(path)
    for n in range(12):  # enough for the worker processes
        store.add_feed(server.route(f"/w{n}.xml", rss(items(20, base=f"http://w{n}.example"))))
    report = asyncio.run(refresh(store, Config()))
    assert report.new_entries == 240 and not report.failed
    assert _copy_changes_nothing(path)


def test_a_worker_that_starts_late_does_not_keep_the_last_writes_in_the_wal(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker still starting when the refresh is done (CI once, under load): its reads
    began before the last writes, and a last copy beside them stopped short of those."""
    monkeypatch.setattr(run, "warm_up", late_warm_up)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # two workers, on a one-core runner too
    path = tmp_path / "c.sqlite3"
    store = Store(path)
    for n in range(12):
        store.add_feed(server.route(f"/l{n}.xml", rss(items(20, base=f"http://l{n}.example"))))
    report = asyncio.run(refresh(store, Config()))
    assert report.new_entries == 240 and not report.failed
    # The late worker's read began before anything was stored: it spanned every write.
    assert (tmp_path / f"c.sqlite3{LATE_MARK}").read_text(encoding="utf-8") == "0"
    assert _copy_changes_nothing(path)


def _copy_changes_nothing(path: Path) -> bool:
    """Whether copying the WAL into the database now leaves its file as it was: the refresh
    copied every frame. (The counts the checkpoint returns cover earlier copies too.)"""
    before = path.read_bytes()
    probe = sqlite3.connect(path)
    try:
        busy, _, _ = probe.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        probe.close()
    assert busy == 0
    return path.read_bytes() == before


def test_a_worker_store_does_not_checkpoint(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3")
    assert store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    store.leave_checkpoints_to_others()
    assert store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0


def test_the_refresh_copies_the_wal_per_entries_stored_not_per_second(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each copy rewrites the index pages every commit touches: copies follow the entries
    stored (the WAL's growth), so a slow machine does not write more."""
    copies: list[int] = []
    real = Store.checkpoint

    def counted(store: Store) -> None:
        copies.append(1)
        real(store)

    monkeypatch.setattr(Store, "checkpoint", counted)
    store = Store(tmp_path / "c.sqlite3")
    for n in range(12):
        store.add_feed(server.route(f"/c{n}.xml", rss(items(20, base=f"http://c{n}.example"))))
    report = asyncio.run(refresh(store, Config()))
    assert report.new_entries == 240
    assert len(copies) == 1  # 240 entries: only the last copy

    monkeypatch.setattr(run, "_CHECKPOINT_ENTRIES", 60)
    copies.clear()
    for n in range(12):
        store.add_feed(server.route(f"/d{n}.xml", rss(items(20, base=f"http://d{n}.example"))))
    report = asyncio.run(refresh(store, Config()))
    assert report.new_entries == 240
    # One copy per 60 entries at most (one runs at a time, so some may merge), and the last.
    assert 2 <= len(copies) <= 240 // 60 + 1
