"""The open reader refreshes in its own process, every `refresh_minutes` (30 by default), for
days. A refresh of a few feeds stores them on threads it starts for itself (the store's
writer, the ingester): each thread opens its own SQLite connection, and one left open per
refresh is a file descriptor and a page cache more each time, until the process runs out."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

import pytest

from newsreader.core.config import Config
from newsreader.core.refresh import ingest
from newsreader.core.refresh.run import refresh
from newsreader.core.store.store import Store
from tests.support.feedgen import items, rss
from tests.support.loopback import LoopbackServer

_FDS = Path("/proc/self/fd")


@pytest.mark.skipif(not _FDS.exists(), reason="counts this process's open files in /proc")
def test_refreshes_in_the_readers_process_leave_no_connections_open(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "_stores", {})  # this test's, closed below
    store = Store(tmp_path / "c.sqlite3")
    for n in range(2):  # fewer than a worker pool is started for: stored in this process
        store.add_feed(server.route(f"/f{n}.xml", rss(items(3, base=f"https://n{n}.example"))))
    config = Config()
    for _ in range(2):  # the first refreshes open what stays open for good
        asyncio.run(refresh(store, config))
    before = _open_in(tmp_path)
    for _ in range(5):
        asyncio.run(refresh(store, config))
    after = _open_in(tmp_path)
    for opened in ingest._stores.values():
        opened.close()
    store.close()
    assert after == before, f"{after - before} files more after 5 refreshes"


def _open_in(folder: Path) -> int:
    """This process's open files in `folder` (the cache, its WAL): not the sockets of the
    loopback server, whose threads close them when they get to it (2 more, under load)."""
    opened = 0
    for fd in os.listdir(_FDS):
        with contextlib.suppress(OSError):  # closed meanwhile (listdir's own, for one)
            opened += os.readlink(_FDS / fd).startswith(str(folder))
    return opened
