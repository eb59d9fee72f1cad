"""A new cache is made with 16 KB pages and packs its text at ISA-L's quick level; a cache made
before keeps its 4 KB pages and the denser level (core/store/db.py, packed_text.pack_level).
The two must read, search and store alike: only the bytes on disk differ."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsreader.core.models import EntryFilter
from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.store.db import NEW_CACHE_PAGE_SIZE
from newsreader.core.store.packed_text import (
    DENSE_LEVEL,
    QUICK_LEVEL,
    pack_level,
    pack_text,
    unpack_text,
)
from newsreader.core.store.store import Store
from tests.integration.test_search_index import _corpus_feeds
from tests.support.search_check import index_drift


def _old_cache(path: Path) -> None:
    """An empty cache file as releases before made it: 4 KB pages, no schema yet."""
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA page_size = 4096")
    raw.execute("CREATE TABLE made_before (x)")  # a page written fixes the size
    raw.execute("DROP TABLE made_before")
    raw.commit()
    raw.close()


def _page_size(path: Path) -> int:
    raw = sqlite3.connect(path)
    try:
        return int(raw.execute("PRAGMA page_size").fetchone()[0])
    finally:
        raw.close()


def _feed(n: int) -> ParsedFeed:
    body = (
        "<p>Der Stadtrat beschließt den Haushalt, die Straßenbahn über die Brücke fährt "
        "öfter; Öffnungszeiten des Bürgerbüros ändern sich ab Montag.</p>"
    )
    entries = tuple(
        ParsedEntry(
            key=f"e{n}-{i}",
            title=f"Meldung {i} aus Ortsteil {n}",
            url=f"http://example.test/{n}/{i}",
            summary=f"<p>Kurz: Meldung {i} im Überblick für Leser in Ortsteil {n}.</p>" * 3,
            content=body * (4 + i % 7) + f"<p>Zwetschgendatschi {n}-{i}</p>",
            published=datetime(2026, 11, 1 + i % 28, 8, i % 60, tzinfo=UTC),
        )
        for i in range(30)
    )
    return ParsedFeed(title=f"Ortsteil {n}", site_url=None, entries=entries)


def _stored(path: Path) -> list[tuple[str, bytes | str]]:
    raw = sqlite3.connect(path)
    try:
        return raw.execute("SELECT key, content FROM entries ORDER BY key").fetchall()
    finally:
        raw.close()


def _fill(path: Path, feeds: list[tuple[str, ParsedFeed]]) -> Store:
    store = Store(path)
    for name, parsed in feeds:
        feed_id = store.add_feed(f"http://feeds.test/{name}").id
        store.record_feed(feed_id, parsed, status=200, etag=None, last_modified=None)
    return store


def _shown(store: Store) -> dict[int, tuple[str, str, str]]:
    """Each entry's text as the reader shows it, by id (both caches store in the same order)."""
    shown = {}
    for summary in store.entries(limit=100_000):
        entry = store.entry(summary.id)
        assert entry is not None
        shown[entry.id] = (entry.title, entry.summary, entry.content)
    return shown


def _found(store: Store, query: str) -> list[int]:
    return sorted(e.id for e in store.entries(EntryFilter(search=query), limit=100_000))


def _packed(text: str, level: int) -> str | bytes:
    """As a refresh packs feed text: in Latin-1 where it fits (entry_rows.entry_bytes)."""
    try:
        return pack_text(text, text.encode("latin-1"), level, latin1=True)
    except UnicodeEncodeError:
        return pack_text(text, level=level)


def test_the_level_follows_the_page_size() -> None:
    assert pack_level(4096) == pack_level(8192) == DENSE_LEVEL
    assert pack_level(NEW_CACHE_PAGE_SIZE) == pack_level(65536) == QUICK_LEVEL


def test_a_new_cache_packs_quick_and_an_old_one_dense(tmp_path: Path) -> None:
    new_path, old_path = tmp_path / "new.sqlite3", tmp_path / "old.sqlite3"
    _old_cache(old_path)
    feeds = [(f"ort{n}", _feed(n)) for n in range(3)]
    new, old = _fill(new_path, feeds), _fill(old_path, feeds)
    assert _page_size(new_path) == NEW_CACHE_PAGE_SIZE
    assert _page_size(old_path) == 4096

    given = {e.key: e.content for _, f in feeds for e in f.entries}
    new_rows, old_rows = dict(_stored(new_path)), dict(_stored(old_path))
    assert new_rows.keys() == old_rows.keys() == given.keys()
    for key, content in given.items():
        assert new_rows[key] == _packed(content, QUICK_LEVEL)
        assert old_rows[key] == _packed(content, DENSE_LEVEL)
        assert new_rows[key] != old_rows[key]  # the levels are not the same bytes ...
        assert unpack_text(new_rows[key]) == unpack_text(old_rows[key]) == content  # ... text

    # Read, searched and changed the same way.
    assert _shown(new) == _shown(old)
    for query in ["Stadtrat", "Strassenbahn", "Brücke", "zwetschgendatschi", '"Ortsteil 2"']:
        want = _found(new, query)
        assert want, query
        assert _found(old, query) == want
    name, parsed = feeds[1]
    changed = replace(
        parsed,
        entries=tuple(
            replace(e, content=e.content + "<p>Nachtrag Rathaus</p>") for e in parsed.entries
        ),
    )
    for store in (new, old):
        feed_id = store.conn.execute(
            "SELECT id FROM feeds WHERE url = ?", (f"http://feeds.test/{name}",)
        ).fetchone()[0]
        store.record_feed(feed_id, changed, status=200, etag=None, last_modified=None)
        assert index_drift(store.conn) == []
        assert len(store.entries(EntryFilter(search="Nachtrag"), limit=1000)) == 30
    assert _shown(new) == _shown(old)
    new.close()
    old.close()

    reopened = Store(old_path)  # the page size is the file's: reopening changes nothing
    assert _page_size(old_path) == 4096
    assert reopened.pack_level == DENSE_LEVEL
    reopened.close()


def test_the_corpus_reads_and_searches_the_same_in_either_cache(
    corpus: Path, tmp_path: Path
) -> None:
    feeds = _corpus_feeds(corpus)
    if not feeds:
        pytest.skip("no parsable feed in the corpus")
    old_path = tmp_path / "old.sqlite3"
    _old_cache(old_path)
    new, old = _fill(tmp_path / "new.sqlite3", feeds), _fill(old_path, feeds)
    shown = _shown(new)
    assert shown == _shown(old)
    given = {(e.title, e.summary, e.content) for _, f in feeds for e in f.entries}
    assert set(shown.values()) <= given
    words = [
        w
        for title, _, _ in list(shown.values())[::7]
        for w in title.split()
        if len(w) > 5 and w.isalpha()
    ]
    assert len(words) > 10
    for query in words[:60]:
        want = _found(new, query)
        assert want, query
        assert _found(old, query) == want
    new.close()
    old.close()
