"""The entries' date order is one index for all entries and the shown ones, and one for the
unread ones (schema 16): every new entry writes those two, not four. Listings, paging, counts
and positions read them as they read the four, hidden entries or not, on a new cache and on
one upgraded from the schema before."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsreader.core.models import Cursor, EntryFilter
from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.store.store import Store

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
FILTERS = (
    EntryFilter(),
    EntryFilter(unread=True),
    EntryFilter(show_hidden=True),
    EntryFilter(show_hidden=True, unread=True),
)
# The date indexes of the schema before: two for the shown entries beside the two for all.
_OLD_DATE_INDEXES = (
    "DROP INDEX entries_order",
    "DROP INDEX entries_unread_order",
    "CREATE INDEX entries_order ON entries (published DESC, id DESC)",
    "CREATE INDEX entries_unread_order ON entries (published DESC, id DESC) WHERE read = 0",
    "CREATE INDEX entries_shown ON entries (published DESC, id DESC) WHERE hidden IS NOT 1",
    """CREATE INDEX entries_unread_shown ON entries (published DESC, id DESC)
       WHERE read = 0 AND hidden IS NOT 1""",
)


def _filled(path: Path) -> Store:
    """40 entries over two feeds, some on the same second; every third read, every fifth
    hidden."""
    store = Store(path)
    for feed in range(2):
        feed_id = store.add_feed(f"http://example.org/{feed}.xml").id
        entries = tuple(
            ParsedEntry(
                key=f"{feed}-{i}",
                title=f"Titel {feed} {i}",
                url=f"http://example.org/{feed}/{i}",
                summary="Text",
                published=T0 - timedelta(minutes=i // 2),
            )
            for i in range(20)
        )
        parsed = ParsedFeed(title="Lokales", site_url=None, entries=entries)
        store.record_feed(feed_id, parsed, status=200, etag=None, last_modified=None)
    ids = [row[0] for row in store.conn.execute("SELECT id FROM entries ORDER BY id")]
    store.set_read(ids[::3])
    with store.transaction() as conn:
        conn.execute("UPDATE entries SET hidden = 0")
        conn.executemany("UPDATE entries SET hidden = 1 WHERE id = ?", [(i,) for i in ids[::5]])
    return store


def _as_the_schema_before(path: Path) -> None:
    raw = sqlite3.connect(path)
    with raw:
        for sql in _OLD_DATE_INDEXES:
            raw.execute(sql)
        raw.execute("PRAGMA user_version = 15")  # before migration 16, which made them one
    raw.close()


def _listings(store: Store) -> list[object]:
    """Every filter's pages (forward and back from a cursor), count and positions."""
    seen: list[object] = []
    for filt in FILTERS:
        everything = store.entries(filt, limit=1000)
        middle = everything[len(everything) // 2]
        cursor = Cursor(published=middle.published, id=middle.id)
        seen += [
            [e.id for e in everything],
            [e.id for e in store.entries(filt, after=cursor, limit=7)],
            [e.id for e in store.entries(filt, before=cursor, limit=7)],
            [e.id for e in store.entries_at(filt, offset=5, limit=9)],
            store.count_rows(filt),
            [store.entry_position(e.id, filt) for e in everything],
        ]
    return seen


def _indexes(store: Store) -> set[str]:
    rows = store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'entries'"
    )
    return {row[0] for row in rows}


def test_a_new_entry_writes_one_date_index_for_all_and_the_shown_and_one_for_unread(
    tmp_path: Path,
) -> None:
    store = _filled(tmp_path / "cache.sqlite3")
    names = _indexes(store)
    assert {"entries_order", "entries_unread_order"} <= names
    assert not names & {"entries_shown", "entries_unread_shown"}
    listed = _listings(store)
    everything, shown = listed[12], listed[0]
    assert isinstance(everything, list) and isinstance(shown, list)
    assert len(everything) == 40 and len(shown) == 32  # hidden ones listed only on request
    published = {e.id: e.published for e in store.entries(FILTERS[2], limit=1000)}
    keys = [(published[i], i) for i in everything]
    assert keys == sorted(keys, reverse=True)


def test_listings_and_counts_read_the_date_indexes_alone_where_they_did(tmp_path: Path) -> None:
    """The shown entries' listing walks the date index and skips hidden ones there, without
    sorting; a position counts from it; whether anything is hidden asks the small index of
    hidden entries, not the date index that holds `hidden` too."""
    store = _filled(tmp_path / "cache.sqlite3")
    run: list[str] = []
    store.conn.set_trace_callback(run.append)
    try:
        for filt in FILTERS:
            store.entries(filt, limit=50)
            first = store.entries(filt, limit=5)[-1]
            store.entry_position(first.id, filt)
        store.count_rows(EntryFilter(one_per_story=True))
    finally:
        store.conn.set_trace_callback(None)

    def plan(sql: str) -> str:
        return " | ".join(row[3] for row in store.conn.execute("EXPLAIN QUERY PLAN " + sql))

    listings = [s for s in run if "ORDER BY e.published" in s and "LIMIT" in s]
    positions = [s for s in run if s.startswith("SELECT COUNT(*)") and "e.id > " in s]
    (hidden_check,) = {s for s in run if "hidden = 1 LIMIT 1" in s}
    assert len(listings) == 8 and len(positions) == 4
    for sql in listings:
        index = "entries_unread_order" if "e.read = 0" in sql else "entries_order"
        assert f"SCAN e USING INDEX {index}" in plan(sql) and "TEMP B-TREE" not in plan(sql)
    for sql in positions:
        index = "entries_unread_order" if "e.read = 0" in sql else "entries_order"
        assert f"SEARCH e USING INDEX {index} (published>?)" in plan(sql)
    assert "entries_hidden" in plan(hidden_check)


def test_a_cache_of_the_schema_before_lists_alike_once_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    store = _filled(path)
    expected = _listings(store)
    store.close()
    _as_the_schema_before(path)
    upgraded = Store(path)
    assert not _indexes(upgraded) & {"entries_shown", "entries_unread_shown"}
    assert _listings(upgraded) == expected
    # A mark and a hidden entry more: the one index follows both.
    first = upgraded.entries(limit=1)[0]
    upgraded.set_read([first.id])
    with upgraded.transaction() as conn:
        conn.execute("UPDATE entries SET hidden = 1 WHERE id = ?", (first.id,))
    assert first.id not in [e.id for e in upgraded.entries(FILTERS[0], limit=1000)]
    assert first.id in [e.id for e in upgraded.entries(FILTERS[2], limit=1000)]
    assert first.id not in [e.id for e in upgraded.entries(FILTERS[3], limit=1000)]
    upgraded.close()


def test_entries_of_one_second_page_by_id_in_both_directions(tmp_path: Path) -> None:
    store = _filled(tmp_path / "cache.sqlite3")
    for filt in FILTERS:
        everything = [e.id for e in store.entries(filt, limit=1000)]
        paged: list[int] = []
        cursor = None
        while True:
            page = store.entries(filt, after=cursor, limit=3)
            if not page:
                break
            paged += [e.id for e in page]
            cursor = Cursor(published=page[-1].published, id=page[-1].id)
        assert paged == everything


def test_a_big_cache_hears_that_its_date_order_is_rebuilt_and_a_small_one_does_not(
    tmp_path: Path,
) -> None:
    heard: list[str] = []
    small = tmp_path / "small.sqlite3"
    _filled(small).close()
    _as_the_schema_before(small)
    Store(small, on_progress=heard.append).close()
    assert heard == []
    big = tmp_path / "big.sqlite3"
    store = Store(big)
    with store.transaction() as conn:
        conn.execute(
            """INSERT INTO entries (id, key, title, published, first_seen, digest)
               VALUES (250000, 'k', 'Titel', 0, 0, 'd')"""
        )
    store.close()
    _as_the_schema_before(big)
    Store(big, on_progress=heard.append).close()
    assert heard == ["rebuilding the date order of about 250,000 entries (once)…"]
