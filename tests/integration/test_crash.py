"""SIGKILL during `refresh --full` leaves a consistent cache that the next refresh completes."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from newsreader.core.store.store import Store
from tests.support.crash_farm import FEEDS, ITEMS, serve_farm
from tests.support.loopback import LoopbackServer


@pytest.mark.slow
def test_kill_during_refresh_full_leaves_consistent_cache(
    server: LoopbackServer, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    serve_farm(server, data)
    cmd = [sys.executable, "-m", "newsreader", "--data-dir", str(data), "refresh", "--full"]
    rng = random.Random(7)
    kills = 0
    for _ in range(10):
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        try:  # a run that ends before its kill time is not waited out
            proc.wait(timeout=rng.uniform(0.3, 2.0))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
            proc.wait()
        raw = sqlite3.connect(data / "newsreader.sqlite3")
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # validators and entries are committed together: a feed with an ETag has all items
        for feed_id, etag in raw.execute("SELECT id, etag FROM feeds").fetchall():
            count = raw.execute(
                "SELECT COUNT(*) FROM entries WHERE feed_id = ?", (feed_id,)
            ).fetchone()[0]
            assert count in ((ITEMS,) if etag else (0, ITEMS))
        raw.close()
    assert kills >= 3
    done = subprocess.run(
        [*cmd[:-2], "refresh", "--full", "--json"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["failed"] == []
    store = Store.in_dir(data)
    assert store.count_entries() == FEEDS * ITEMS
    assert all(r.offline for r in store.entries(limit=500))
