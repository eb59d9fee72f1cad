"""Fetching is never held back by storing: a fetch lets go of its slot once its bytes are in."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import sys
import threading
import time
from pathlib import Path

import pytest

from newsreader.core.config import Config, HideRule, NetworkConfig
from newsreader.core.fetch_records import RefreshReport
from newsreader.core.refresh import handover, run
from newsreader.core.refresh.run import refresh
from newsreader.core.refresh.workers import WorkerPool
from newsreader.core.store.store import Store
from tests.support.dying_jobs import die_at_once, ingest_then_die, settle_dies
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


def test_a_cancelled_refresh_stops_its_workers_mid_batch(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Feeds trickle in, so a worker waits for the next feed of its open batch: cancelling
    the refresh kills the workers and ends that batch, and the refresh returns at once."""
    pools: list[WorkerPool] = []

    class Recorded(WorkerPool):
        def __init__(self, workers: int) -> None:
            super().__init__(workers)
            pools.append(self)

    monkeypatch.setattr(run, "WorkerPool", Recorded)
    store = Store(tmp_path / "c.sqlite3")
    for n in range(40):
        body = rss(items(3, base=f"http://t{n}.example"))
        store.add_feed(server.route(f"/t{n}.xml", body, delay=0.15 * (n % 8)))
    outcomes: list[object] = []
    finished = threading.Event()

    def cancelled_refresh() -> None:
        async def go() -> None:
            task = asyncio.create_task(refresh(store, Config(), progress=lambda *a: None))
            while len(server.hits) < 12:  # feeds are coming in, and more are on their way
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.3)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                outcomes.append(await task)

        asyncio.run(go())
        finished.set()

    runner = threading.Thread(target=cancelled_refresh, daemon=True)
    started = time.monotonic()
    runner.start()
    assert finished.wait(60), "the cancelled refresh never returned"
    assert time.monotonic() - started < 30
    assert outcomes == [] and pools
    procs = [proc for pool in pools for proc in pool._procs]
    assert procs and all(proc.poll() is not None for proc in procs)


def test_a_worker_dying_while_it_settles_does_not_fail_the_stored_refresh(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The settling at the end (hide rules, clustering) is done in this process instead: the
    refresh reports what it stored, and the hide rule still hides."""
    monkeypatch.setattr(run, "settle_entries", settle_dies)
    store = Store(tmp_path / "c.sqlite3")
    for n in range(12):
        store.add_feed(server.route(f"/s{n}.xml", rss(items(3, base=f"http://s{n}.example"))))
    config = Config(hide=(HideRule(title="meldung 1"),))
    report = asyncio.run(refresh(store, config))
    assert report.new_entries == 36 and not report.failed
    hidden = store.conn.execute("SELECT COUNT(*) FROM entries WHERE hidden = 1").fetchone()[0]
    assert hidden == 12  # each feed's "Meldung 1"


# feedparser mends the bare ampersand and the store keeps a warning about it.
MENDED = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
    b"<item><title>A & B</title><link>http://m.example/1</link><guid>http://m.example/1</guid>"
    b"</item><item><title>C</title><link>http://m.example/2</link>"
    b"<guid>http://m.example/2</guid></item></channel></rss>"
)


def test_a_worker_dying_after_its_commit_reports_its_feeds_stored(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The feeds of a batch whose worker died after the commit are in the cache: the refresh
    says so (new entries counted from the cache), and a feed that failed to parse in that
    batch keeps its own error, not the worker's death."""
    monkeypatch.setattr(handover, "ingest_feeds", ingest_then_die)
    store = Store(tmp_path / "c.sqlite3")
    for n in range(11):
        store.add_feed(server.route(f"/k{n}.xml", rss(items(3, base=f"http://k{n}.example"))))
    broken = store.add_feed(server.route("/k-broken.xml", b"<html><p>not a feed</p>"))
    # Stored with a warning in the same column as an error: it went in all the same.
    store.add_feed(server.route("/k-mended.xml", MENDED))
    report = asyncio.run(refresh(store, Config()))
    stored = store.conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
    assert stored == 35 and report.new_entries == 35, report.failed
    assert [url for url, _ in report.failed] == [broken.url]
    assert "died" not in report.failed[0][1]
    noted = dict(store.conn.execute("SELECT url, last_error FROM feeds WHERE last_error NOT NULL"))
    assert noted[broken.url] == report.failed[0][1] and len(noted) == 2  # and the warning


def test_a_worker_dying_before_its_commit_right_after_a_refresh_fails_its_feeds(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stamped by the refresh before, in the very second this one starts, the feeds of a
    worker that died before storing anything are failed, not stored with the old entries."""
    store = Store(tmp_path / "c.sqlite3")
    for n in range(12):
        store.add_feed(server.route(f"/d{n}.xml", rss(items(3, base=f"http://d{n}.example"))))
    while time.time() % 1 > 0.3:  # early in a second: both refreshes start in it
        time.sleep(0.01)
    assert asyncio.run(refresh(store, Config())).new_entries == 36
    monkeypatch.setattr(handover, "ingest_feeds", die_at_once)
    second = asyncio.run(refresh(store, Config()))
    assert second.new_entries == 0 and len(second.failed) == 12


def test_a_refresh_whose_workers_cannot_start_fails_its_feeds_and_keeps_what_is_stored(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The interpreter gone under a running reader (its venv rebuilt): the refresh ends, each
    feed with the reason, where it waited for ever; what was stored stays, and the next
    refresh that can start its workers stores the new items."""
    store = Store(tmp_path / "c.sqlite3")
    for n in range(12):
        store.add_feed(server.route(f"/v{n}.xml", rss(items(3, base=f"http://v{n}.example"))))
    assert asyncio.run(refresh(store, Config())).new_entries == 36
    for n in range(12):
        server.route(f"/v{n}.xml", rss(items(5, base=f"http://v{n}.example")))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "rebuilt-venv" / "python"))
    failed = asyncio.run(asyncio.wait_for(refresh(store, Config()), timeout=60))
    assert failed.new_entries == 0 and len(failed.failed) == 12
    assert all("could not start a worker" in error for _, error in failed.failed)
    assert store.count_entries() == 36
    monkeypatch.undo()
    assert asyncio.run(refresh(store, Config())).new_entries == 24
