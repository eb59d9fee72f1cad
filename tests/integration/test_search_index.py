"""The contentless search index finds what the old index with its own copy of the text found,
on the dev corpus, through updates, pages, re-extraction, pruning and unsubscribing."""

from __future__ import annotations

import gzip
import re
import shutil
import sqlite3
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsreader.core.errors import FeedParseError
from newsreader.core.models import EntryFilter, Page, ParsedFeed
from newsreader.core.parse.feeds import parse_feed
from newsreader.core.store.search_index import unindex
from newsreader.core.store.store import Store
from newsreader.core.store.textfold import fold, fts_query
from tests.support.feedgen import items, rss
from tests.support.schema1_cache import FIXTURE
from tests.support.search_check import index_drift, vocabulary

_WORD = re.compile(r"\w{3,}")


def _corpus_feeds(corpus: Path) -> list[tuple[str, ParsedFeed]]:
    feeds = []
    for path in sorted((corpus / "feeds").iterdir()):
        body = path.read_bytes()
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        try:
            feeds.append((path.name, parse_feed(body, url=f"http://corpus.test/{path.name}")))
        except FeedParseError:
            continue
    return feeds


def _queries(store: Store) -> list[str]:
    """Common and rare words of the stored text, some as prefixes, some with umlauts."""
    words: Counter[str] = Counter()
    for (text,) in store.conn.execute("SELECT title || ' ' || summary FROM entries"):
        words.update(_WORD.findall(text))
    ranked = [w for w, _ in words.most_common()]
    picked = ranked[:25] + ranked[-25:] + [w[:4] for w in ranked[25:45]]
    picked += [w for w in ranked if fold(w) != w.lower()][:15]  # Ä, ö, ß ...
    return [*picked, "Seitentext", "Zwetschgendatschi", "Stadt Polizei"]


def _reference_results(store: Store, query: str) -> list[int]:
    match = fts_query(query)
    rows = store.conn.execute(
        """SELECT e.id FROM entries e WHERE e.id IN (SELECT rowid FROM temp.reference_fts
           WHERE reference_fts MATCH ?) ORDER BY e.published DESC, e.id DESC""",
        (match,),
    )
    return [r[0] for r in rows]


def _assert_search_unchanged(store: Store) -> None:
    assert index_drift(store.conn) == []  # also builds temp.reference_fts
    for query in _queries(store):
        got = [e.id for e in store.entries(EntryFilter(search=query), limit=100_000)]
        assert got == _reference_results(store, query), query


def test_search_results_match_a_full_copy_index_on_the_dev_corpus(
    corpus: Path, tmp_path: Path
) -> None:
    feeds = _corpus_feeds(corpus)
    if not feeds:
        pytest.skip("no parsable feed in the corpus")
    store = Store(tmp_path / "c.sqlite3")
    ids = {}
    for name, parsed in feeds:
        ids[name] = store.add_feed(f"http://corpus.test/{name}").id
        store.record_feed(ids[name], parsed, status=200, etag=None, last_modified=None)
    _assert_search_unchanged(store)

    # Updates: every other entry of each feed comes back with another title and text.
    for name, parsed in feeds:
        changed = tuple(
            replace(e, title=e.title + " Nachtrag", summary="Zwetschgendatschi " + e.summary)
            if n % 2 == 0
            else e
            for n, e in enumerate(parsed.entries)
        )
        store.record_feed(
            ids[name], replace(parsed, entries=changed), status=200, etag=None, last_modified=None
        )
    _assert_search_unchanged(store)

    # Pages: their text joins the index of the entries linking to them; re-extraction
    # replaces it; then some of those entries are updated again by their feed.
    entries = store.entries(limit=100_000)
    with_url = [e for e in entries if e.url][:40]
    now = datetime.now(UTC)
    for n, e in enumerate(with_url):
        assert e.url is not None
        text = f"Seitentext {n}: Die Stadtverwaltung teilt mit, Straßenbahn Ärger Übergabe."
        store.save_page(Page(url=e.url, final_url=e.url, fetched_at=now, text=text), b"<html>")
    for n, e in enumerate(with_url[::3]):
        assert e.url is not None
        text = f"Neu extrahiert {n}: Bürgermeister Gemeinderat."
        store.save_page(Page(url=e.url, final_url=e.url, fetched_at=now, text=text), b"<html>")
    for name, parsed in feeds[:3]:
        store.record_feed(ids[name], parsed, status=200, etag=None, last_modified=None)
    _assert_search_unchanged(store)

    # Pruning (pages' entries among them), unsubscribing with a starred entry kept.
    store.mark_all_read()
    store.set_starred(entries[0].id, True)
    assert store.prune(max_age_days=0, max_entries_per_feed=3) > 0
    first = feeds[0][0]
    kept = store.entries(EntryFilter(feed_id=ids[first]), limit=5)
    store.set_starred(kept[0].id, True)
    store.remove_feed(ids[first])
    _assert_search_unchanged(store)


def test_the_check_sees_a_wrong_delete(tmp_path: Path) -> None:
    """The reference comparison is not blind: a delete that misses part of the text an entry
    was indexed with leaves words pointing at an entry that is gone."""
    store = Store(tmp_path / "c.sqlite3")
    feed = store.add_feed("http://example.org/feed")
    parsed = parse_feed(rss(items(3, base="http://x.example")), url="http://x.example")
    store.record_feed(feed.id, parsed, status=200, etag=None, last_modified=None)
    assert index_drift(store.conn) == []
    entry = store.entries(limit=1)[0]
    store.conn.execute(
        "INSERT INTO entries_fts (entries_fts, rowid, title, body) VALUES ('delete', ?, ?, '')",
        (entry.id, fold(entry.title)),
    )
    store.conn.execute("DELETE FROM entries WHERE id = ?", (entry.id,))
    assert index_drift(store.conn) != []


def test_an_upgraded_index_finds_the_same_and_deletes_exactly(tmp_path: Path) -> None:
    """The migration keeps each row's words (page text included), and every migrated row can
    then be deleted exactly: after deleting all, no word is left in the index."""
    path = tmp_path / "cache.sqlite3"
    shutil.copyfile(FIXTURE, path)
    raw = sqlite3.connect(path)
    match = "SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?"
    before = {
        term: {r[0] for r in raw.execute(match, (f'"{term}"',))}
        for term in vocabulary(raw, "entries_fts")
    }
    raw.close()
    store = Store(path)
    after = vocabulary(store.conn, "entries_fts")
    assert after.keys() == before.keys()
    for term, rowids in before.items():
        got = {r[0] for r in store.conn.execute(match, (f'"{term}"',))}
        assert got == rowids, term
    assert index_drift(store.conn) == []
    with store.transaction() as conn:
        unindex(conn, [r[0] for r in conn.execute("SELECT id FROM entries")])
    assert vocabulary(store.conn, "entries_fts") == {}
