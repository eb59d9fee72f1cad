"""Prune takes the write lock only when something can be pruned: on a large cache its search
used to hold every other writer back at the end of each refresh."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.store.store import Store
from tests.support.search_check import index_drift


class CountingGate(AbstractContextManager[object]):
    def __init__(self) -> None:
        self.entered = 0

    def __enter__(self) -> object:
        self.entered += 1
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None


def _store_with_entries(tmp_path: Path, count: int) -> Store:
    store = Store(tmp_path / "c.sqlite3")
    feed = store.add_feed("http://example.org/feed")
    now = datetime.now(UTC)
    entries = tuple(
        ParsedEntry(key=f"k{i}", title=f"Titel {i}", published=now - timedelta(minutes=i))
        for i in range(count)
    )
    store.record_feed(
        feed.id, ParsedFeed("F", None, entries), status=200, etag=None, last_modified=None
    )
    return store


def test_nothing_to_prune_takes_no_write_lock(tmp_path: Path) -> None:
    store = _store_with_entries(tmp_path, 10)
    store.mark_all_read()
    gate = CountingGate()
    store.write_gate = gate
    # Under both limits, and the one feed over its limit has only unread entries past it.
    assert store.prune(max_age_days=90, max_entries_per_feed=10) == 0
    assert gate.entered == 0
    assert store.count_entries() == 10


def test_unread_past_the_limit_is_not_prunable_and_takes_no_lock(tmp_path: Path) -> None:
    store = _store_with_entries(tmp_path, 10)
    gate = CountingGate()
    store.write_gate = gate
    assert store.prune(max_age_days=90, max_entries_per_feed=4) == 0  # all unread
    assert gate.entered == 0


def test_something_to_prune_is_pruned_under_the_lock(tmp_path: Path) -> None:
    store = _store_with_entries(tmp_path, 10)
    store.mark_all_read()
    gate = CountingGate()
    store.write_gate = gate
    assert store.prune(max_age_days=90, max_entries_per_feed=4) == 6
    assert gate.entered == 1
    assert store.count_entries() == 4
    assert index_drift(store.conn) == []
