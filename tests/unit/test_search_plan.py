"""A search with many hits walks the date index instead of sorting every hit, and counts in
the index alone: the same headlines in the same order, the same counts, either way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsreader.core.config import HideRule
from newsreader.core.models import Cursor, EntryFilter
from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.store import entries as entry_queries
from newsreader.core.store import search_index
from newsreader.core.store.store import Store

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _fill(store: Store) -> None:
    for f in range(3):
        feed = store.add_feed(f"http://example.org/{f}")
        items = tuple(
            ParsedEntry(
                key=f"{f}-{n}",
                title=f"Meldung {n}" + (" aus der Stadt" if n % 3 else " vom Land"),
                summary="Rathaus" if n % 7 == 0 else "Kreistag",
                # Dates interleave the feeds and repeat, so ties are broken by id.
                published=T0 - timedelta(minutes=(n * 3 + f) // 2),
            )
            for n in range(300)
        )
        store.record_feed(
            feed.id, ParsedFeed(f"F{f}", None, items), status=200, etag=None, last_modified=None
        )
    store.set_read([e.id for e in store.entries(limit=1000)[::4]])


def _pages(store: Store, filt: EntryFilter) -> tuple[list[int], list[int], list[int], int, int]:
    first = store.entries(filt, limit=50)
    last = first[-1]
    after = store.entries(filt, after=Cursor(last.published, last.id), limit=50)
    before = store.entries(filt, before=Cursor(after[-1].published, after[-1].id), limit=50)
    at = store.entries_at(filt, offset=120, limit=50)
    position = store.entry_position(after[10].id, filt)
    assert position is not None
    return (
        [e.id for e in first + after],
        [e.id for e in before],
        [e.id for e in at],
        store.count_entries(filt),
        position,
    )


@pytest.mark.parametrize(
    "filt",
    [
        EntryFilter(search="Stadt"),
        EntryFilter(search="stadt meldung"),
        EntryFilter(search="Rathaus", unread=True),
        EntryFilter(search="Kreis"),
    ],
)
def test_many_hits_give_the_same_headlines_as_few(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, filt: EntryFilter
) -> None:
    store = Store(tmp_path / "c.sqlite3")
    _fill(store)
    monkeypatch.setattr(entry_queries, "_MANY_HITS", 10**9)  # always the plain plan
    plain = _pages(store, filt)
    monkeypatch.setattr(entry_queries, "_MANY_HITS", 5)  # always the date-index walk
    walked = _pages(store, filt)
    assert walked == plain
    assert plain[3] > 50 and len(plain[0]) == min(100, plain[3])
    unfiltered = [e.id for e in store.entries(EntryFilter(), limit=10_000)]
    hits = set(unfiltered) & set(plain[0])
    assert [i for i in unfiltered if i in hits][:100] == plain[0]


def test_a_search_count_in_the_index_matches_the_entries(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3")
    _fill(store)
    for word in ("Stadt", "Land", "Meldung", "Rathaus", "nichts", "%%"):
        index_count = store.count_entries(EntryFilter(search=word))
        joined = store.count_entries(EntryFilter(search=word, hide_paywalled=True))
        assert index_count == joined  # nothing is paywalled: the join counts the same


def test_a_search_count_leaves_out_hidden_entries(tmp_path: Path) -> None:
    """The index holds hidden entries too: with a [[hide]] rule hiding some, the count is the
    listing's again (and it is the index's own count when they are shown)."""
    store = Store(tmp_path / "c.sqlite3")
    _fill(store)
    store.apply_hide_rules([HideRule(title="vom Land")])
    for word in ("Meldung", "Land", "Rathaus"):
        listed = store.entries_at(EntryFilter(search=word, one_per_story=False), limit=10_000)
        assert store.count_entries(EntryFilter(search=word)) == len(listed), word
        shown = EntryFilter(search=word, show_hidden=True)
        assert store.count_entries(shown) == len(store.entries_at(shown, limit=10_000)), word
    hidden = store.count_entries(EntryFilter(search="Land", show_hidden=True))
    assert store.count_entries(EntryFilter(search="Land")) == 0 < hidden


@pytest.mark.parametrize(
    "filt",
    [
        EntryFilter(search="Stadt"),
        EntryFilter(search="Meld la"),  # "la" begins "land" only in titles, never alone
        EntryFilter(search="kreis rath"),
        EntryFilter(search="Rathaus", unread=True),
        EntryFilter(search="nichts"),
        EntryFilter(search="Meldung 29"),  # 29, 290-299: an OR of 11 words
        EntryFilter(search="1"),  # 1, 10-19, 100-199: too many, asked as a prefix
    ],
)
def test_a_prefix_as_the_words_it_begins_gives_the_same_headlines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, filt: EntryFilter
) -> None:
    """A search word is asked as the OR of the indexed words it begins (a prefix query
    merges their lists in memory on every query): the same headlines, counts and positions
    as the prefix itself, which is what a word with too many continuations still uses."""
    store = Store(tmp_path / "c.sqlite3")
    _fill(store)
    assert filt.search is not None
    expanded = search_index.search_match(store.conn, filt.search)
    monkeypatch.setattr(search_index, "MAX_EXPANSION", 0)
    store.close()  # and its per-thread cache of the expression
    prefixed = search_index.search_match(store.conn, filt.search)
    assert prefixed is not None and prefixed.endswith("*")
    plain = _pages_or_none(store, filt)
    monkeypatch.setattr(search_index, "MAX_EXPANSION", 32)
    store.close()
    assert expanded is not None
    assert ("*" in expanded) == (filt.search in ("nichts", "1"))
    assert (" OR " in expanded) == (filt.search == "Meldung 29")
    assert _pages_or_none(store, filt) == plain


def _pages_or_none(store: Store, filt: EntryFilter) -> object:
    if store.count_entries(filt) <= 50:
        return [e.id for e in store.entries(filt, limit=1000)], store.count_entries(filt)
    return _pages(store, filt)
