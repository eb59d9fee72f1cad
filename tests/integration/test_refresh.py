"""refresh end to end: many feeds in worker processes, failures isolated, concurrent runs."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from newsreader.core.config import Config, NetworkConfig
from newsreader.core.refresh import waiting as waiting_module
from newsreader.core.refresh.run import interleave_hosts, refresh
from newsreader.core.refresh.waiting import Waiting
from newsreader.core.store.store import Store
from tests.support.feedgen import items, rss
from tests.support.loopback import LoopbackServer
from tests.support.unreachable import silent_port


def test_many_feeds_parse_in_workers_and_failures_stay_isolated(
    server: LoopbackServer, tmp_path: Path
) -> None:
    store = Store(tmp_path / "c.sqlite3")
    for n in range(12):
        url = server.route(f"/f{n}.xml", rss(items(4, base=f"http://s{n}.example")), etag=f'"e{n}"')
        store.add_feed(url)
    store.add_feed(
        server.route("/html", b"<html><body>kein Feed</body></html>", content_type="text/html")
    )
    store.add_feed(server.route("/boom", b"", status=500))
    seen: list[tuple[int, int]] = []
    config = Config(network=NetworkConfig(retries=0))  # the 500's back-off is not the point
    report = asyncio.run(refresh(store, config, progress=lambda o, d, t: seen.append((d, t))))
    assert report.feeds == 14 and report.new_entries == 48
    assert {url.rsplit("/", 1)[1] for url, _ in report.failed} == {"html", "boom"}
    assert seen[-1] == (14, 14)
    assert store.count_entries() == 48
    again = asyncio.run(refresh(store, config))
    assert again.new_entries == 0 and again.unchanged == 12
    # The twelve 304s are stamped together, once the fetching is done.
    assert sum(1 for f in store.feeds(counts=False) if f.last_status == 304) == 12


def test_two_refresh_processes_at_once_both_finish(server: LoopbackServer, tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store.in_dir(data)
    for n in range(10):
        store.add_feed(
            server.route(f"/c{n}.xml", rss(items(20, base=f"http://c{n}.example")), delay=0.05)
        )
    store.close()
    cmd = [sys.executable, "-m", "newsreader", "--data-dir", str(data), "refresh", "--json"]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outs, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err
        assert json.loads(out)["failed"] == []
    store = Store.in_dir(data)
    assert store.count_entries() == 200
    dupes = store.conn.execute(
        "SELECT COUNT(*) FROM (SELECT feed_id, key FROM entries GROUP BY 1, 2 HAVING COUNT(*) > 1)"
    ).fetchone()[0]
    assert dupes == 0


def test_feeds_are_queued_one_host_at_a_time(tmp_path: Path) -> None:
    """The refresh backlog admits feeds in this order: ten feeds of one host in front would
    hold ten slots while that host's cap lets four through."""
    store = Store.in_dir(tmp_path / "data")
    urls = [
        f"http://{host}.example/{n}"
        for host, count in (("a", 3), ("b", 1), ("c", 2))
        for n in range(count)
    ]
    feeds = [store.add_feed(url) for url in urls]
    order = [f.url for f in interleave_hosts(feeds)]
    assert order == [
        "http://a.example/0",
        "http://b.example/0",
        "http://c.example/0",
        "http://a.example/1",
        "http://c.example/1",
        "http://a.example/2",
    ]
    assert interleave_hosts([]) == []


def test_a_refresh_held_up_by_a_silent_host_names_it_and_then_clears(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two feeds on a host that takes connections and never answers hold the end of the
    refresh for their read timeout; what it waits on is said while it does, then cleared."""
    monkeypatch.setattr(waiting_module, "QUIET_SECONDS", 0.3)  # the refresh's pace, not 3 s
    monkeypatch.setattr(waiting_module, "LOOK_EVERY", 0.1)
    store = Store(tmp_path / "c.sqlite3")
    for n in range(3):
        store.add_feed(server.route(f"/live{n}.xml", rss(items(2, base=f"http://l{n}.example"))))
    heard: list[Waiting | None] = []
    with silent_port() as port:
        for n in range(2):
            store.add_feed(f"http://localhost:{port}/silent{n}.xml")
        config = Config(network=NetworkConfig(retries=0, read_timeout=1.5))
        report = asyncio.run(refresh(store, config, waiting=heard.append))
    assert report.new_entries == 6 and len(report.failed) == 2
    named = [w for w in heard if w is not None]
    assert named, heard
    silent = f"localhost:{port}"  # the port named: the live server is on this host too
    assert {w.hosts for w in named} == {((silent, 2),)}  # the live host's fetches ended
    assert named[-1].describe().startswith("waiting ") and f"on {silent} (2 feeds)" in (
        named[-1].describe()
    )
    assert heard[-1] is None


def test_a_refresh_with_nothing_to_fetch_says_nothing_of_waiting(tmp_path: Path) -> None:
    # (On a terminal, a wait said then drew an empty 0/0 bar for a refresh of no feeds.)
    heard: list[Waiting | None] = []
    report = asyncio.run(refresh(Store(tmp_path / "c.sqlite3"), Config(), waiting=heard.append))
    assert report.feeds == 0 and heard == []
