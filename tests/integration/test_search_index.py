"""The contentless search index finds what the old index with its own copy of the text found,
on the dev corpus, through updates, pages, re-extraction, pruning and unsubscribing; and
through a sync's pulls, with watch words matched on the text each entry was indexed with."""

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

from newsreader.core.article_records import Page
from newsreader.core.errors import FeedParseError
from newsreader.core.models import EntryFilter
from newsreader.core.parse.feeds import parse_feed
from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.store import sync_pull
from newsreader.core.store.feed_writes import FeedUpdate
from newsreader.core.store.packed_text import unpack_text
from newsreader.core.store.search_index import unindex
from newsreader.core.store.store import Store
from newsreader.core.store.sync import SyncTables
from newsreader.core.store.textfold import fold, fts_query
from newsreader.core.sync_records import RemoteFeed, RemoteItem
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
    for title, summary in store.conn.execute("SELECT title, summary FROM entries"):
        words.update(_WORD.findall(title + " " + unpack_text(summary)))
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


_WATCH = ("Kreuzviertel", "Hammer Straße")


def _pull(store: Store, feeds: list[RemoteFeed], pulled: list[RemoteItem]) -> None:
    SyncTables(store).apply(
        feeds=feeds,
        items=pulled,
        unread={i.remote_id for i in pulled},
        starred=set(),
        state={},
    )


def _item(n: int, feed: str, title: str, html: str, url: str | None = None) -> RemoteItem:
    return RemoteItem(
        remote_id=f"r{n}",
        feed_remote_id=feed,
        title=title,
        url=url or f"http://server.example/{feed}/{n}",
        author=None,
        html=html,
        published=1_790_000_000 + n,
        read=False,
        starred=False,
    )


def _watched(store: Store) -> dict[int, str]:
    """Each listed entry's watch word, and the ids `--watched` lists, which must agree."""
    rows = store.entries(EntryFilter(watch=_WATCH, show_hidden=True), limit=1000)
    marked = {e.id: e.watched for e in rows if e.watched is not None}
    only = store.entries(EntryFilter(watch=_WATCH, watched_only=True, show_hidden=True), limit=1000)
    assert {e.id for e in only} == set(marked)
    return marked


def test_sync_pulls_keep_the_index_exact_and_watch_words_read_the_indexed_text(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "c.sqlite3")
    local = store.add_feed("http://x.example/feed")
    parsed = parse_feed(rss(items(3, base="http://x.example")), url="http://x.example/feed")
    store.record_feed(local.id, parsed, status=200, etag=None, last_modified=None)
    known = store.entries(limit=10)[-1]
    feeds = [
        RemoteFeed("f1", "http://x.example/feed", "X", None, ()),
        RemoteFeed("f2", "http://server.example/f2", "Server", None, ()),
    ]
    first = [
        _item(1, "f2", "Baustelle im Kreuzviertel", "<p>Die Stadt sperrt die Straße.</p>"),
        _item(2, "f2", "Rathaus", "<p>Neue Ampel an der <b>Hammer Straße</b>.</p>"),
        _item(3, "f2", "Hammer Weg", "<p>Straße gesperrt, Hammer vergessen.</p>"),  # wrong order
        _item(4, "f1", "Schon da", "<p>Gleicher Artikel</p>", url=known.url),  # gains an id
        _item(5, "f1", "Neu vom Server", "<p>Kreuzviertelfest am Sonntag</p>"),
    ]
    _pull(store, feeds, first)
    assert index_drift(store.conn) == []
    ids = {e.title: e.id for e in store.entries(limit=100)}
    assert _watched(store) == {
        ids["Baustelle im Kreuzviertel"]: "Kreuzviertel",
        ids["Rathaus"]: "Hammer Straße",
        ids["Neu vom Server"]: "Kreuzviertel",  # a prefix, like search
    }

    # The server changed two items: the old words leave the index and the watch, new come.
    second = [
        replace(first[0], title="Baustelle beendet", html="<p>Alles wieder offen.</p>"),
        replace(first[2], html="<p>An der Hammer Straße: Schützenfest.</p>"),
    ]
    _pull(store, feeds, second)
    assert index_drift(store.conn) == []
    assert store.count_entries(EntryFilter(search="Kreuzviertel")) == 1
    assert set(_watched(store)) == {ids["Rathaus"], ids["Hammer Weg"], ids["Neu vom Server"]}

    # A page's text is indexed with the entry (an exact copy kept): watch words see it too.
    assert "Schon da" not in ids and known.url is not None  # matched: kept its own text
    now = datetime.now(UTC)
    text = "Anwohner im Kreuzviertel beschweren sich."
    store.save_page(Page(url=known.url, final_url=known.url, fetched_at=now, text=text), None)
    assert _watched(store)[known.id] == "Kreuzviertel"
    assert index_drift(store.conn) == []

    # The server dropped its feed: its entries leave the index, and the watch list.
    _pull(store, feeds[:1], [])
    assert index_drift(store.conn) == []
    assert set(_watched(store)) == {ids["Neu vom Server"], known.id}
    for word in ("Rathaus", "Schützenfest", "Kreuzviertel", "Hammer"):
        hits = store.entries(EntryFilter(search=word), limit=100)
        assert store.count_entries(EntryFilter(search=word)) == len(hits), word


def _index_pages(store: Store) -> int:
    """Rows FTS5 keeps segments in (its `_data` table, less the structure and averages)."""
    return int(
        store.conn.execute("SELECT COUNT(*) FROM entries_fts_data WHERE id > 10").fetchone()[0]
    )


def test_a_batch_of_feeds_is_indexed_as_one_segment_and_stays_exact(tmp_path: Path) -> None:
    """The entries' inserts open savepoints (their count triggers), and FTS5 writes out what
    it holds at each: indexing each entry right after its insert wrote a segment per entry.
    Indexed after all the batch's inserts, new and changed entries make one segment."""
    store = Store(tmp_path / "cache.sqlite3")
    # No merging: each segment written stays one to count.
    store.conn.execute("INSERT INTO entries_fts (entries_fts, rank) VALUES ('automerge', 0)")
    feeds = [store.add_feed(f"http://example.org/{n}/feed") for n in range(3)]

    def batch(word: str) -> list[FeedUpdate]:
        def entry(feed_id: int, i: int) -> ParsedEntry:
            return ParsedEntry(
                key=f"guid-{i}",
                title=f"Meldung {i}",
                url=f"http://example.org/{feed_id}/{i}",
                summary=f"<p>{word} für Bürger {feed_id}, Nummer {i}</p>",
                published=datetime(2026, 11, 1, 12, i, tzinfo=UTC),
            )

        return [
            FeedUpdate(
                feed.id,
                ParsedFeed("Lokales", None, tuple(entry(feed.id, i) for i in range(10))),
                200,
            )
            for feed in feeds
        ]

    store.record_feeds(batch("Zwetschgen"))
    assert _index_pages(store) <= 2  # 30 entries, one segment (15 pages when one per entry)
    assert len(store.entries(EntryFilter(search="zwetschgen"))) == 30
    store.record_feeds(batch("Datschi"))  # every entry changed: unindexed, then indexed again
    assert _index_pages(store) <= 4
    assert store.entries(EntryFilter(search="zwetschgen")) == []
    assert len(store.entries(EntryFilter(search="datschi"))) == 30
    assert index_drift(store.conn) == []
    store.close()


def test_a_prune_writes_its_index_deletes_as_one_segment(tmp_path: Path) -> None:
    """Each delete from `entries` (its triggers) opens a savepoint too: the prune's index
    deletes are written after its row deletes, as one segment, and the index stays exact."""
    store = Store(tmp_path / "cache.sqlite3")
    store.conn.execute("INSERT INTO entries_fts (entries_fts, rank) VALUES ('automerge', 0)")
    feed = store.add_feed("http://example.org/feed")
    entries = tuple(
        ParsedEntry(
            key=f"guid-{i}",
            title=f"Meldung {i}",
            url=f"http://example.org/{i}",
            summary=f"<p>Zwetschgen für Bürger, Nummer {i}</p>",
            published=datetime(2026, 11, 1, 12, i, tzinfo=UTC),
        )
        for i in range(30)
    )
    store.record_feeds([FeedUpdate(feed.id, ParsedFeed("Lokales", None, entries), 200)])
    before = _index_pages(store)
    store.conn.execute("UPDATE entries SET read = 1 WHERE id % 3 != 0")
    assert store.prune(max_age_days=0, max_entries_per_feed=1) == 20
    assert _index_pages(store) <= before + 2  # 20 deletes, one segment (was one each)
    assert len(store.entries(EntryFilter(search="zwetschgen"))) == 10
    assert index_drift(store.conn) == []
    store.close()


def test_a_sync_pull_is_indexed_as_one_segment_and_stays_exact(tmp_path: Path) -> None:
    """Each pulled item's insert opens a savepoint (the count triggers), at which FTS5 wrote
    out a segment per item when each was indexed right after its insert. Indexed after the
    pull's inserts and updates, new and changed items make one segment; an item the server
    lists twice in one pull is indexed once, with its last text."""
    store = Store(tmp_path / "cache.sqlite3")
    store.conn.execute("INSERT INTO entries_fts (entries_fts, rank) VALUES ('automerge', 0)")
    feeds = [RemoteFeed(f"f{n}", f"http://server.example/f{n}", "Server", None, ()) for n in (1, 2)]

    def pull(word: str) -> list[RemoteItem]:
        return [
            _item(n, f"f{n % 2 + 1}", f"Meldung {n}", f"<p>{word} für Bürger, Nummer {n}</p>")
            for n in range(30)
        ]

    _pull(store, feeds, pull("Zwetschgen"))
    assert _index_pages(store) <= 2  # 30 items, one segment (15 pages when one per item)
    assert len(store.entries(EntryFilter(search="zwetschgen"))) == 30
    _pull(store, feeds, pull("Datschi"))  # every item changed: unindexed, then indexed again
    assert _index_pages(store) <= 4
    assert store.entries(EntryFilter(search="zwetschgen")) == []
    assert len(store.entries(EntryFilter(search="datschi"))) == 30
    assert index_drift(store.conn) == []

    twice = [_item(40, "f1", "Doppelt", "<p>Erst Pflaumen</p>")]
    twice.append(replace(twice[0], html="<p>Dann Quitten</p>"))
    _pull(store, feeds, twice)
    assert store.entries(EntryFilter(search="pflaumen")) == []
    assert len(store.entries(EntryFilter(search="quitten"))) == 1
    assert index_drift(store.conn) == []
    store.close()


def test_a_long_pull_is_indexed_in_parts_and_stays_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long pull is indexed a part at a time (its rows are not all held to the end); an
    item changed again after its part was indexed loses the old words."""
    monkeypatch.setattr(sync_pull, "_INDEX_EVERY", 4)
    store = Store(tmp_path / "cache.sqlite3")
    feeds = [RemoteFeed("f1", "http://server.example/f1", "Server", None, ())]
    pulled = [_item(n, "f1", f"Meldung {n}", f"<p>Zwetschgen Nummer {n}</p>") for n in range(10)]
    pulled.append(replace(pulled[1], html="<p>Jetzt Quitten</p>"))  # after its part
    _pull(store, feeds, pulled)
    assert len(store.entries(EntryFilter(search="zwetschgen"))) == 9
    assert [e.title for e in store.entries(EntryFilter(search="quitten"))] == ["Meldung 1"]
    assert index_drift(store.conn) == []
    store.close()
