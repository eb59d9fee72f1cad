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

# Longer than a refresh of a dozen loopback feeds takes.
READING_SECONDS = 1.5
FIRST_MARK = ".warmed-up"
LATE_MARK = ".late-read"


def late_warm_up(db_path: str) -> None:
    """The first warm-up is the usual one. Any later one stands for a worker whose start
    lagged: it reads at once, before the refresh stores anything, and reads on for
    READING_SECONDS, across every write of the refresh, then leaves a mark (`LATE_MARK`)
    that says how many entries it saw, and warms up."""
    first = Path(db_path + FIRST_MARK)
    try:
        first.open("x").close()
    except FileExistsError:
        conn = sqlite3.connect(db_path, isolation_level=None)
        try:
            conn.execute("BEGIN")
            (seen,) = conn.execute("SELECT COUNT(*) FROM entries").fetchone()
            time.sleep(READING_SECONDS)
            conn.execute("COMMIT")
        finally:
            conn.close()
        Path(db_path + LATE_MARK).write_text(str(seen), encoding="utf-8")
    warm_up(db_path)
