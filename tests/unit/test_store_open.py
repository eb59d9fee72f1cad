"""Opening a cache that exists writes nothing: not from the main thread, not from another."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from newsreader.core.store.store import Store


def _commits_seen(observer: sqlite3.Connection) -> int:
    """`data_version` changes when another connection commits to the file."""
    return int(observer.execute("PRAGMA data_version").fetchone()[0])


def test_a_new_cache_is_incremental_and_opening_it_again_commits_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    first = Store(path)
    assert first.conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental
    first.add_feed("http://example.org/feed")
    first.close()
    observer = sqlite3.connect(path, isolation_level=None)
    before = _commits_seen(observer)
    store = Store(path)
    other = threading.Thread(target=store.unread_count)  # a thread's own connection
    other.start()
    other.join()
    assert store.unread_count() == 0
    assert _commits_seen(observer) == before
    assert store.conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
    store.close()
    observer.close()
