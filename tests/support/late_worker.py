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

# Longer than the rest of a refresh of a dozen loopback feeds takes after its first commit.
READING_SECONDS = 1.5


def late_warm_up(db_path: str) -> None:
    """The first warm-up is the usual one. Any later one stands for a worker whose start
    lagged: it begins reading once the first entries are stored and reads on for
    READING_SECONDS, across the writes that follow, before it warms up."""
    marker = Path(db_path + ".warmed-up")
    try:
        marker.open("x").close()
    except FileExistsError:
        conn = sqlite3.connect(db_path, isolation_level=None)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not _stored(conn):
                time.sleep(0.005)
            conn.execute("BEGIN")
            _stored(conn)  # the read transaction starts here
            time.sleep(READING_SECONDS)
            conn.execute("COMMIT")
        finally:
            conn.close()
    warm_up(db_path)


def _stored(conn: sqlite3.Connection) -> bool:
    (found,) = conn.execute("SELECT EXISTS (SELECT 1 FROM entries)").fetchone()
    return bool(found)
