"""A worker start that lags behind its refresh, as on a loaded machine: its warm-up job reads
the cache while the refresh stores its last entries and ends.

Kept apart from the tests, as dying_jobs.py is: a worker imports a job's module to run it,
and it refuses ssl, which the test modules' imports load.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from newsreader.core.refresh.ingest import warm_up

# How long the entries' count must stay still, after the last one stored, before the late
# read ends: longer than the settling job and the last copy of a dozen loopback feeds take.
STILL_SECONDS = 1.0
FIRST_MARK = ".warmed-up"
BEGUN_MARK = ".late-read-begun"
LATE_MARK = ".late-read"


def late_warm_up(db_path: str) -> None:
    """The first warm-up stands for a worker that starts in time, the second for one whose
    start lagged: that one reads across every write of the refresh (until the entries stored
    stay still for STILL_SECONDS), then leaves a mark (`LATE_MARK`) saying how many entries
    it saw, and warms up. The first waits until that read has begun, so its worker stores
    nothing before (its batches wait for it): on a loaded machine the second worker's start
    came after the whole refresh."""
    first = Path(db_path + FIRST_MARK)
    try:
        first.open("x").close()
    except FileExistsError:
        conn = sqlite3.connect(db_path, isolation_level=None)
        watcher = sqlite3.connect(db_path, isolation_level=None)
        try:
            conn.execute("BEGIN")
            (seen,) = conn.execute("SELECT COUNT(*) FROM entries").fetchone()
            Path(db_path + BEGUN_MARK).touch()
            _wait_until_still(watcher)
            conn.execute("COMMIT")
        finally:
            conn.close()
            watcher.close()
        Path(db_path + LATE_MARK).write_text(str(seen), encoding="utf-8")
    else:
        begun = Path(db_path + BEGUN_MARK)
        deadline = time.monotonic() + 30
        while not begun.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
    warm_up(db_path)


def _wait_until_still(watcher: sqlite3.Connection) -> None:
    """Until some entries are stored and their count has not moved for STILL_SECONDS."""
    deadline = time.monotonic() + 30
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        (count,) = watcher.execute("SELECT COUNT(*) FROM entries").fetchone()
        if count != last:
            last, since = count, time.monotonic()
        elif count and time.monotonic() - since >= STILL_SECONDS:
            return
        time.sleep(0.02)
