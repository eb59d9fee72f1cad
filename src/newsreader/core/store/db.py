"""SQLite connections: one per thread, WAL, long busy timeout, explicit write transactions.

One connection per thread because SQLite connections must not cross threads; WAL so readers
never block the writer; a long busy timeout instead of a lock file, so two `refresh` processes
and an open reader all finish.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from newsreader.core.errors import StoreError
from newsreader.core.store import schema


class Database:
    """Connection handling shared by the query mixins."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        # Writers of one refresh (its parse workers) queue here rather than in SQLite's busy
        # handler, which sleeps in growing steps and left both cores idle.
        self.write_gate: AbstractContextManager[object] = nullcontext()
        try:
            _refuse_newer(self.path)
            schema.migrate(self.conn)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError(f"cannot use the cache {self.path}: {exc}") from exc
        except StoreError:
            self.close()
            raise

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=60.0, isolation_level=None, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            # Only takes effect on a new, empty file; lets pruning shrink the file in steps.
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 60000")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    def leave_checkpoints_to_others(self) -> None:
        """This thread's commits no longer copy the WAL into the database: a writer that
        crossed the threshold did it while every other writer of the refresh waited for the
        lock. Whoever calls this makes sure someone calls `checkpoint`."""
        self.conn.execute("PRAGMA wal_autocheckpoint = 0")

    def checkpoint(self) -> None:
        """Copy what the WAL holds into the database, beside the writers, not in their way."""
        self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; IMMEDIATE takes the write lock up front, so no upgrade deadlock."""
        conn = self.conn
        with self.write_gate:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")


def _refuse_newer(path: Path) -> None:
    """Check the version on a bare connection first: the pragmas `conn` sets (WAL) rewrite the
    file header, and a cache from a newer newsreader must be left exactly as it was."""
    if not path.exists():
        return
    probe = sqlite3.connect(path, timeout=60.0)
    try:
        schema.refuse_newer(probe)
    finally:
        probe.close()
