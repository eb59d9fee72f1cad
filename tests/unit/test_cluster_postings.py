"""The clustering lookup's stored form (issue 14): one row per sample value with its entries.

Each sketch keeps its own sample values; cluster_postings must always say, for each value,
exactly which sketched entries hold it (or only how many, past COMMON_SAMPLE). The expected
rows here are worked out from the sketches, never read from the table under test.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsreader.core.article_records import Page
from newsreader.core.cluster.near import story_text
from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.store import schema
from newsreader.core.store.schema import COMMON_SAMPLE
from newsreader.core.store.search_index import register_functions
from newsreader.core.store.store import Store
from newsreader.core.store.textfold import strip_tags
from tests.support.stories import paragraphs, reprints

NOW = datetime.now(UTC).replace(microsecond=0)
Postings = dict[int, tuple[int, frozenset[int] | None]]


def _postings(conn: sqlite3.Connection) -> Postings:
    rows = conn.execute("SELECT hash, entries, entry_ids FROM cluster_postings")
    return {
        value: (count, None if ids is None else frozenset(int(id_, 16) for id_ in ids.split()))
        for value, count, ids in rows
    }


def _from_sketches(conn: sqlite3.Connection) -> Postings:
    holders: dict[int, set[int]] = {}
    for entry_id, samples in conn.execute("SELECT entry_id, samples FROM cluster_sketches"):
        for value in samples.split(",") if samples else ():
            holders.setdefault(int(value), set()).add(entry_id)
    return {
        value: (len(ids), frozenset(ids) if len(ids) <= COMMON_SAMPLE else None)
        for value, ids in holders.items()
    }


def _item(key: str, html: str, url: str | None = None) -> ParsedEntry:
    return ParsedEntry(
        key=key,
        title=key,
        url=url or f"http://example.org/{key}",
        content=html,
        published=NOW - timedelta(hours=1),
    )


def _record(store: Store, feed_url: str, *items: ParsedEntry) -> None:
    feed = store.add_feed(feed_url)
    store.record_feed(
        feed.id,
        ParsedFeed(title=feed_url, site_url=None, entries=items),
        status=200,
        etag=None,
        last_modified=None,
    )


def test_postings_follow_every_sketch_written_and_dropped(tmp_path: Path, corpus: Path) -> None:
    store = Store(tmp_path / "cache.sqlite3")
    paras = paragraphs(corpus / "pages/german-news-gold/spiegel_nancy.txt")
    versions = reprints(paras, "Pelosi lädt Trump aus")
    for i, version in enumerate(versions):
        _record(store, f"http://f{i}.example/feed", _item(f"v{i}", version.html))
    other = paragraphs(corpus / "pages/german-news-gold/spiegel_venezuela.txt")
    _record(store, "http://g.example/feed", _item("other", "<p>" + "</p><p>".join(other)))
    assert store.cluster_recent() == len(versions) - 1
    conn = store.conn
    assert len(_postings(conn)) > 20
    assert _postings(conn) == _from_sketches(conn)

    # A changed feed text and a page's text arriving drop the sketch and its postings.
    _record(store, "http://f1.example/feed", _item("v1", versions[1].html + "<p>Nachtrag.</p>"))
    url = "http://example.org/v2"
    page = Page(url=url, final_url=url, fetched_at=NOW, text="\n\n".join(paras))
    store.save_page(page, b"<html></html>")
    sketched = conn.execute("SELECT COUNT(*) FROM cluster_sketches").fetchone()[0]
    assert sketched == len(versions) + 1 - 2  # all but those two
    assert _postings(conn) == _from_sketches(conn)
    store.cluster_recent()
    assert _postings(conn) == _from_sketches(conn)

    with store.transaction() as tx:
        tx.execute("DELETE FROM entries WHERE key = 'v0'")
    assert _postings(conn) == _from_sketches(conn)

    store.cluster_recent(window_days=0)  # every sketch is older than the window now
    assert conn.execute("SELECT COUNT(*) FROM cluster_sketches").fetchone()[0] == 0
    assert _postings(conn) == {}


def test_a_common_value_keeps_no_ids_and_gets_them_back_when_it_is_common_no_more(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "cache.sqlite3")
    footer = "Die Polizei bittet Zeugen sich unter der bekannten Rufnummer zu melden"
    items = [
        _item(f"m{n}", f"<p>Meldung {n} vom Einsatz {n} am Ort {n}. {footer}.</p>")
        for n in range(COMMON_SAMPLE + 2)
    ]
    _record(store, "http://polizei.example/feed", *items)
    store.cluster_recent()
    conn = store.conn
    shared = set(story_text(footer.lower()).shingles)
    postings = _postings(conn)
    assert shared and all(postings[value] == (COMMON_SAMPLE + 2, None) for value in shared)
    assert postings == _from_sketches(conn)

    for key in ("m0", "m1"):  # 201, then 200: common no more, its entries listed again
        with store.transaction() as tx:
            tx.execute("DELETE FROM entries WHERE key = ?", (key,))
        assert _postings(conn) == _from_sketches(conn)
    ids = {row[0] for row in conn.execute("SELECT id FROM entries")}
    assert all(_postings(conn)[value] == (COMMON_SAMPLE, frozenset(ids)) for value in shared)


def _cache_before_postings(path: Path) -> sqlite3.Connection:
    """A cache made by the migrations before the one that brings cluster_postings."""
    upto = next(
        number
        for number, steps in enumerate(schema.MIGRATIONS)
        if any(isinstance(step, str) and "CREATE TABLE cluster_postings" in step for step in steps)
    )
    conn = sqlite3.connect(path, isolation_level=None)
    register_functions(conn)
    for steps in schema.MIGRATIONS[:upto]:
        for step in steps:
            if isinstance(step, str):
                conn.execute(step)
            else:
                step(conn, None)
    conn.execute(f"PRAGMA user_version = {upto:d}")
    return conn


def test_sketches_of_the_older_schema_move_into_postings_and_still_find_reprints(
    tmp_path: Path, corpus: Path
) -> None:
    path = tmp_path / "cache.sqlite3"
    conn = _cache_before_postings(path)
    paras = paragraphs(corpus / "pages/german-news-gold/spiegel_nancy.txt")
    original = reprints(paras, "Pelosi lädt Trump aus")[0].html
    other = "<p>" + "</p><p>".join(
        paragraphs(corpus / "pages/german-news-gold/spiegel_venezuela.txt")
    )
    published = int((NOW - timedelta(hours=2)).timestamp())
    samples: dict[int, tuple[int, ...]] = {}
    for n, html in enumerate((original, other)):
        feed_id = conn.execute(
            "INSERT INTO feeds (url, added) VALUES (?, ?)", (f"http://old{n}.example/feed", 0)
        ).lastrowid
        entry_id = conn.execute(
            """INSERT INTO entries (feed_id, key, url, title, content, published, first_seen,
                   digest) VALUES (?, ?, ?, ?, ?, ?, ?, '')""",
            (feed_id, f"old{n}", f"http://old{n}.example/a", "Alt", html, published, published),
        ).lastrowid
        assert entry_id is not None
        # What the pass of that schema wrote: a sketch, and a row per sample value.
        text = story_text(strip_tags(" " + html))
        samples[entry_id] = text.sample
        conn.execute(
            "INSERT INTO cluster_sketches (entry_id, published, shingles, sampled) "
            "VALUES (?, ?, ?, ?)",
            (entry_id, published, len(text.shingles), text.sampled),
        )
        conn.executemany(
            "INSERT INTO cluster_samples (hash, entry_id) VALUES (?, ?)",
            [(value, entry_id) for value in text.sample],
        )
    # A value on more entries than COMMON_SAMPLE (sketches of entries pruned meanwhile).
    for entry_id in range(10_000, 10_000 + COMMON_SAMPLE + 1):
        conn.execute(
            "INSERT INTO cluster_sketches (entry_id, published, shingles, sampled) "
            "VALUES (?, ?, 100, 6)",
            (entry_id, published),
        )
        conn.execute("INSERT INTO cluster_samples (hash, entry_id) VALUES (12345, ?)", (entry_id,))
    conn.close()

    store = Store(path)
    conn = store.conn
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert "cluster_samples" not in tables and "cluster_postings" in tables
    for entry_id, sample in samples.items():
        kept = conn.execute(
            "SELECT samples FROM cluster_sketches WHERE entry_id = ?", (entry_id,)
        ).fetchone()[0]
        assert sorted(map(int, kept.split(","))) == sorted(sample)
    postings = _postings(conn)
    assert postings[12345] == (COMMON_SAMPLE + 1, None)
    assert postings == _from_sketches(conn)

    # Nothing is sketched again, and a reprint arriving now meets the original's old sketch.
    sketches = "SELECT COUNT(*) FROM cluster_sketches"
    before = conn.execute(sketches).fetchone()[0]
    assert store.cluster_recent() == 0
    assert conn.execute(sketches).fetchone()[0] == before
    _record(store, "http://new.example/feed", _item("reprint", reprints(paras, "x")[3].html))
    assert store.cluster_recent() == 1
    clusters = conn.execute(
        "SELECT key, cluster_id FROM entries WHERE key IN ('old0', 'old1', 'reprint')"
    ).fetchall()
    by_key = {key: cluster for key, cluster in clusters}
    assert by_key["old0"] == by_key["reprint"] is not None and by_key["old1"] is None
    assert _postings(conn) == _from_sketches(conn)
