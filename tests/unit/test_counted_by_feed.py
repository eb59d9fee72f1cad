"""The list's count for a filter of feed and unread comes from the counters the triggers keep
(issue 15: counting a million rows held the reader's first frame back), and agrees with a
count of the rows through marks, hidden entries and an unsubscribed feed's kept stars."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsreader.core.config import HideRule
from newsreader.core.models import EntryFilter
from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.store.store import Store

_READS_ENTRIES = re.compile(r"\b(FROM|JOIN)\s+entries\b", re.IGNORECASE)
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.in_dir(tmp_path)
    yield opened
    opened.close()


def _feed(store: Store, n: int, titles: list[str]) -> int:
    feed_id = store.add_feed(f"https://example.org/{n}/feed", title=f"Feed {n}").id
    entries = tuple(
        ParsedEntry(
            key=f"{n}-{i}",
            title=title,
            url=f"https://example.org/{n}/{i}",
            summary=f"<p>{title}, Text {i}.</p>",
            published=NOW - timedelta(minutes=i),
        )
        for i, title in enumerate(titles)
    )
    store.record_feed(
        feed_id, ParsedFeed(f"Feed {n}", None, entries), status=200, etag=None, last_modified=None
    )
    return feed_id


def _rows(store: Store, filt: EntryFilter) -> int:
    """The count the slow way: the rows a listing of every version would show."""
    where = ["hidden IS NOT 1"]
    args: list[object] = []
    if filt.feed_id is not None:
        where.append("feed_id = ?")
        args.append(filt.feed_id)
    if filt.unread:
        where.append("read = 0")
    sql = "SELECT COUNT(*) FROM entries WHERE " + " AND ".join(where)
    return int(store.conn.execute(sql, args).fetchone()[0])


def _filters(feed_ids: list[int]) -> list[EntryFilter]:
    scopes: list[int | None] = [None, *feed_ids]
    return [
        EntryFilter(feed_id=f, unread=u, watch=w, one_per_story=o)
        for f in scopes
        for u in (False, True)
        for w in ((), ("Horoskop",))
        for o in (True, False)
    ]


def test_counts_of_feed_and_unread_agree_with_the_rows_and_read_no_entry(store: Store) -> None:
    a = _feed(store, 1, ["Rat tagt", "Horoskop für heute", "Stadtfest", "Baustelle"])
    b = _feed(store, 2, ["Horoskop am Sonntag", "Sportnachrichten", "Wetter"])
    c = _feed(store, 3, ["Kirmes", "Konzert"])
    statements: list[str] = []

    def check() -> None:
        feed_ids = [f.id for f in store.feeds()]
        for filt in _filters(feed_ids):
            expected = _rows(store, filt)
            statements.clear()
            store.conn.set_trace_callback(statements.append)
            try:
                assert store.count_entries(filt) == expected, filt
            finally:
                store.conn.set_trace_callback(None)
            assert not [s for s in statements if _READS_ENTRIES.search(s)], filt

    check()
    ids = [r[0] for r in store.conn.execute("SELECT id FROM entries ORDER BY id")]
    store.set_read(ids[:3])
    store.set_starred(ids[-1], True)  # of feed c: stays when c goes
    check()
    store.apply_hide_rules([HideRule(title="Horoskop")])  # one read entry, one unread
    check()
    store.set_read([ids[0]], read=False)
    store.remove_feed(c)
    check()
    assert store.count_entries(EntryFilter(feed_id=c)) == 0  # its kept star counts under none
    assert store.count_entries() == 6  # 9 stored, 2 hidden, 1 unsubscribed
    assert {a, b} <= {f.id for f in store.feeds()}


def test_other_filters_still_count_the_rows(store: Store) -> None:
    _feed(store, 1, ["Rat tagt über die Baustelle", "Stadtfest"])
    store.set_starred(1, True)
    assert store.count_entries(EntryFilter(starred=True)) == 1
    assert store.count_entries(EntryFilter(search="baustelle")) == 1
    assert store.count_entries(EntryFilter(show_hidden=True)) == 2
