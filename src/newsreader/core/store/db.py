"""SQLite connections: one per thread, WAL, long busy timeout, explicit write transactions.

One connection per thread because SQLite connections must not cross threads; WAL so readers
never block the writer; a long busy timeout instead of a lock file, so two `refresh` processes
and an open reader all finish.

A cache on a read-only mount (a backup, a shared disk) can still be read: `read_only=True`
opens it with SQLite's `mode=ro`, or `immutable=1` where a WAL file's shared-memory index
cannot be created beside it; then every write is refused and nothing is marked read.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from pathlib import Path

from newsreader.core.errors import StoreError
from newsreader.core.store import schema, search_index
from newsreader.core.store.packed_text import pack_level
from newsreader.core.store.query_sql import search_phrase
from newsreader.core.store.watch import watch_word

GIVE_WAY_SECONDS = 0.01  # `give_way_while`'s nap between two looks
# A new cache's page size. An entry row (about 1.4 KB of packed text) took a 4 KB page with
# one other and left the rest of it empty: in 16 KB pages a cold refresh of 1,000 farm feeds
# made a file 12 % smaller (2,954 -> 2,599 B an entry) and spent 2 % less CPU (fewer pages,
# each written with one call). SQLite changes an existing cache's page size only by
# rewriting it whole (VACUUM), so older caches keep theirs.
NEW_CACHE_PAGE_SIZE = 16384


class Database:
    """Connection handling shared by the query mixins."""

    def __init__(
        self,
        path: Path | str,
        *,
        read_only: bool = False,
        on_progress: Callable[[str], None] | None = None,
    ) -> None:
        """`on_progress` hears what a long upgrade of the cache is doing (a line each)."""
        self.path = Path(path)
        self.read_only = read_only
        self._immutable = False  # set when even `mode=ro` cannot open it (no -shm possible)
        if not read_only:
            make_data_dir(self.path.parent)
        self._local = threading.local()
        self._giving_up = False  # see give_up_background_reads
        self._journals_in_memory = False  # see keep_statement_journals_in_memory
        self._pack_level: int | None = None  # see pack_level
        # Every connection opened, with the thread it is for (see close_ended_threads).
        self._all: list[tuple[sqlite3.Connection, threading.Thread]] = []
        self._lock = threading.Lock()
        # Writers of one refresh (its parse workers) queue here rather than in SQLite's busy
        # handler, which sleeps in growing steps and left both cores idle.
        self.write_gate: AbstractContextManager[object] = nullcontext()
        try:
            if read_only:
                self._open_read_only()
            else:
                _refuse_newer(self.path)
                schema.migrate(self.conn, on_progress)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError(f"cannot use the cache {self.path}: {exc}") from exc
        except StoreError:
            self.close()
            raise

    def _open_read_only(self) -> None:
        if not self.path.is_file():
            raise StoreError(f"there is no cache to read in {self.path.parent}")
        try:
            version = schema.refuse_newer(self.conn)
        except sqlite3.OperationalError:
            # A WAL cache whose -shm file is gone cannot be opened `mode=ro` in a directory
            # we cannot write; on a read-only mount nobody else writes it either, so SQLite
            # may treat it as immutable.
            self.close()
            self._immutable = True
            version = schema.refuse_newer(self.conn)
        if version < schema.SCHEMA_VERSION:
            raise StoreError(
                f"the cache {self.path} is from an older newsreader (schema {version}) and "
                "read-only, so it cannot be upgraded; open it once where it can be written"
            )

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None and self.read_only:
            conn = self._connect_read_only()
        elif conn is None:
            conn = sqlite3.connect(
                self.path, timeout=60.0, isolation_level=None, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            # Lets pruning shrink the file in steps. Only a new, empty file takes it; on any
            # other the pragma still rewrites page 1 and commits: a write, and an fsync, for
            # every thread's connection (three before the reader's first frame).
            if conn.execute("PRAGMA page_count").fetchone()[0] == 0:
                conn.execute(f"PRAGMA page_size = {NEW_CACHE_PAGE_SIZE:d}")
                conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 60000")
            if self._journals_in_memory:
                conn.execute("PRAGMA temp_store = MEMORY")
            self._adopt(conn)
        return conn

    def give_way_while(self, busy: Callable[[], bool] | None, *, steps: int = 20_000) -> None:
        """On this thread's connection: every `steps` SQLite steps, a statement sleeps while
        `busy()` says so; None stops that. A slow count in the background gives the cores
        and the interpreter to someone at the keyboard, and goes on once they pause."""
        if busy is None:
            self.conn.set_progress_handler(None, 0)
            return

        def check() -> int:
            while busy() and not self._giving_up:
                time.sleep(GIVE_WAY_SECONDS)
            return int(self._giving_up)  # non-zero aborts the statement ("interrupted")

        self.conn.set_progress_handler(check, steps)

    def give_up_background_reads(self) -> None:
        """The reader quits: a count under `give_way_while` stops at its next look rather than
        finishing. Its thread is joined when the interpreter exits, and one round of saved-search
        counts on a million entries is seconds after the terminal is already back."""
        self._giving_up = True

    def _connect_read_only(self) -> sqlite3.Connection:
        mode = "immutable=1" if self._immutable else "mode=ro"
        uri = f"file:{urllib.parse.quote(str(self.path.absolute()))}?{mode}"
        conn = sqlite3.connect(
            uri, uri=True, timeout=60.0, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 60000")
        self._adopt(conn)
        conn.execute("PRAGMA query_only = ON")  # after _adopt's temp table
        return conn

    def _adopt(self, conn: sqlite3.Connection) -> None:
        """This thread's connection, with the SQL functions queries use (watch words, search
        phrases, the search index's folding), kept so close() can close it."""
        conn.create_function("watch_word", 3, watch_word, deterministic=True)
        conn.create_function("search_phrase", 3, search_phrase, deterministic=True)
        search_index.register_functions(conn)
        search_index.attach_vocabulary(conn)
        self._local.conn = conn
        with self._lock:
            self._all.append((conn, threading.current_thread()))

    def close(self) -> None:
        with self._lock:
            for conn, _ in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    def close_ended_threads(self) -> None:
        """Close the connections of threads that have ended. A refresh in the reader stores on
        threads of its own, each with its connection (a file and a page cache): left open, a
        reader refreshing every half hour for days ran out of files."""
        with self._lock:
            ended = [(conn, thread) for conn, thread in self._all if not thread.is_alive()]
            self._all = [pair for pair in self._all if pair not in ended]
        for conn, _ in ended:
            conn.close()

    def leave_checkpoints_to_others(self) -> None:
        """This thread's commits no longer copy the WAL into the database: a writer that
        crossed the threshold did it while every other writer of the refresh waited for the
        lock. Whoever calls this makes sure someone calls `checkpoint`."""
        self.conn.execute("PRAGMA wal_autocheckpoint = 0")

    def keep_statement_journals_in_memory(self) -> None:
        """For a refresh's writers: an entry's insert may need undoing alone (its foreign key;
        until schema 15 also the count trigger), so SQLite keeps a statement journal of every
        page the insert touches that the batch's transaction had already changed, in a
        temporary file by default: ~850 writes to it per farm feed with the trigger, a fifth
        of a worker's system time. In memory it holds a few pages per statement. Every
        connection opened since takes it too: the reader's refreshes each store on a thread
        of their own, through one Store."""
        self._journals_in_memory = True
        self.conn.execute("PRAGMA temp_store = MEMORY")

    @property
    def pack_level(self) -> int:
        """The deflate level of the text this cache stores (packed_text.pack_level)."""
        if self._pack_level is None:
            self._pack_level = pack_level(self.conn.execute("PRAGMA page_size").fetchone()[0])
        return self._pack_level

    def limit_page_cache(self, kib: int) -> None:
        """This thread's page cache holds about `kib` KiB (SQLite's default: 2,000)."""
        self.conn.execute(f"PRAGMA cache_size = {-int(kib)}")

    def release_page_cache(self) -> None:
        """Free this thread's cached pages (clean after a commit) back to the heap. Only a
        hint about memory: what was stored stays stored if it fails."""
        with suppress(sqlite3.Error):
            self.conn.execute("PRAGMA shrink_memory")

    def checkpoint(self) -> None:
        """Copy what the WAL holds into the database, beside the writers, not in their way."""
        self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; IMMEDIATE takes the write lock up front, so no upgrade deadlock."""
        if self.read_only:
            raise StoreError(f"the cache {self.path} is open read-only: nothing is saved")
        conn = self.conn
        with self.write_gate:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """This thread's reads inside see the cache as it was on entering, whatever other
        connections store meanwhile (a count made of several queries, which may give way)."""
        conn = self.conn
        conn.execute("BEGIN")
        try:
            conn.execute("SELECT 1 FROM settings LIMIT 1").fetchall()  # the snapshot: now
            yield
        finally:
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


def make_data_dir(path: Path) -> None:
    """Create the data dir; one line naming it and the reason when that is impossible."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:  # mkdir's "File exists" for a file of that name
        raise StoreError(f"the data dir {path} is a file, not a folder") from exc
    except OSError as exc:
        raise StoreError(f"cannot create the data dir {path}: {_reason(exc)}") from exc


def unwritable_reason(cache: Path) -> str | None:
    """Why the cache file `cache` (or its folder) cannot be written, or None.

    Asked of the file system up front: SQLite would open a read-only file without a word and
    fail only at the first write, half-way through a command.
    """
    folder = cache.parent
    if os.access(folder, os.W_OK | os.X_OK) and (not cache.exists() or os.access(cache, os.W_OK)):
        return None
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "read-only file system"
    except OSError:
        pass
    return "permission denied"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
