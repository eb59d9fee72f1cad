"""Sketches made while storing (issue 15's cold refresh): a refresh's workers sketch new
entries' feed texts ahead of the clustering pass (cluster_pending), and the pass must then
form exactly what it forms when it sketches every text itself."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from newsreader.core.article_records import Page
from newsreader.core.cluster.near import story_text
from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.store import cluster_lookup, clusters
from newsreader.core.store.feed_writes import FeedUpdate
from newsreader.core.store.store import Store
from newsreader.core.store.textfold import strip_tags
from tests.support.stories import POLICE_REPORTS, farm_items_now, paragraphs, reprints

NOW = datetime.now(UTC).replace(microsecond=0)
_SKETCH_ALL = 0  # a window start before every entry: the worker sketches them all


def _record(store: Store, feed_url: str, items: list[ParsedEntry], *, sketched: bool) -> None:
    feed = store.add_feed(feed_url)
    update = FeedUpdate(
        feed.id, ParsedFeed(title=feed_url, site_url=None, entries=tuple(items)), 200
    )
    store.record_prepared(
        [store.prepare_feed(update, sketch_after=_SKETCH_ALL if sketched else None)]
    )


def _item(
    key: str, html: str, minutes: int = 0, *, published: datetime | None = None
) -> ParsedEntry:
    return ParsedEntry(
        key=key,
        title=key,
        url=f"http://{key}.example/story",
        content=html,
        published=published or NOW - timedelta(hours=1) + timedelta(minutes=minutes),
    )


def _fill(store: Store, corpus: Path, *, sketched: bool) -> None:
    """Reprints of one article, two police reports of one template, and bench farm items
    (a template's false friends), each version in a feed of its own."""
    paras = paragraphs(corpus / "pages/german-news-gold/spiegel_nancy.txt")
    for i, version in enumerate(reprints(paras, "Pelosi lädt Trump aus")):
        _record(
            store, f"http://n{i}.example/feed", [_item(f"n{i}", version.html, i)], sketched=sketched
        )
    for i, report in enumerate(POLICE_REPORTS):
        _record(
            store,
            f"http://p{i}.example/feed",
            [_item(f"p{i}", f"<p>{report}</p>")],
            sketched=sketched,
        )
    for index in range(3):
        url = f"http://farm{index}.example/feed"
        _record(store, url, farm_items_now(index, url, NOW), sketched=sketched)


def _outcome(store: Store) -> tuple[object, ...]:
    """The pass's result by entry key: clusters, sketches and postings (as keys)."""
    key_of = dict(store.conn.execute("SELECT id, key FROM entries").fetchall())
    members: dict[int, set[str]] = {}
    for entry_id, label in store.conn.execute("SELECT id, cluster_id FROM entries"):
        if label is not None:
            members.setdefault(label, set()).add(key_of[entry_id])
    clusters = {frozenset(keys) for keys in members.values()}
    sketches = {
        key_of[entry_id]: (shingles, sampled, frozenset(samples.split(",")) - {""})
        for entry_id, shingles, sampled, samples in store.conn.execute(
            "SELECT entry_id, shingles, sampled, samples FROM cluster_sketches"
        )
    }
    postings = {
        value: (count, None if ids is None else frozenset(key_of[int(i, 16)] for i in ids.split()))
        for value, count, ids in store.conn.execute("SELECT * FROM cluster_postings")
    }
    read = {
        key_of[entry_id] for (entry_id,) in store.conn.execute("SELECT id FROM entries WHERE read")
    }
    return clusters, sketches, postings, read


def _pending(store: Store) -> int:
    return int(store.conn.execute("SELECT COUNT(*) FROM cluster_pending").fetchone()[0])


def test_sketches_made_while_storing_form_what_the_pass_forms_alone(
    tmp_path: Path, corpus: Path
) -> None:
    alone, early = Store(tmp_path / "alone.sqlite3"), Store(tmp_path / "early.sqlite3")
    _fill(alone, corpus, sketched=False)
    _fill(early, corpus, sketched=True)
    assert _pending(alone) == 0
    assert _pending(early) == early.count_entries() > 100
    assert early.cluster_recent() == alone.cluster_recent() == 5  # the five reprints
    assert _pending(early) == 0  # used up
    assert _outcome(early) == _outcome(alone)


def test_a_page_arrived_before_the_pass_is_sketched_rather_than_the_feed_text(
    tmp_path: Path, corpus: Path
) -> None:
    store = Store(tmp_path / "cache.sqlite3")
    paras = paragraphs(corpus / "pages/german-news-gold/spiegel_nancy.txt")
    full = "".join(f"<p>{p}</p>" for p in paras)
    _record(store, "http://f.example/feed", [_item("f", full)], sketched=True)
    teaser = _item("t", "<p>Ein Streit in Washington.</p>", 1)
    _record(store, "http://t.example/feed", [teaser], sketched=True)
    assert _pending(store) == 2
    page_text = "Eine neue Einleitung.\n\n" + "\n\n".join(paras[1:])
    store.save_page(
        Page(url=teaser.url or "", final_url=teaser.url or "", fetched_at=NOW, text=page_text),
        b"<html></html>",
    )
    assert store.cluster_recent() == 1  # the teaser's page text, not its pending sketch
    labels = store.conn.execute("SELECT DISTINCT cluster_id FROM entries").fetchall()
    assert len(labels) == 1 and labels[0][0] is not None


def test_a_text_changed_after_its_sketch_is_sketched_again_by_the_pass(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache.sqlite3")
    before = " ".join(f"Satz {n} über den Markt am Rathaus und seine Stände." for n in range(30))
    after = " ".join(f"Absatz {n} zur Baustelle an der Hammer Straße im Süden." for n in range(30))
    _record(store, "http://a.example/feed", [_item("a", f"<p>{before}</p>")], sketched=True)
    feed_id = store.conn.execute("SELECT feed_id FROM entries").fetchone()[0]
    changed = FeedUpdate(
        feed_id,
        ParsedFeed(title="a", site_url=None, entries=(_item("a", f"<p>{after}</p>"),)),
        200,
    )
    store.record_prepared([store.prepare_feed(changed)])  # stored without a sketch
    assert _pending(store) == 0
    store.cluster_recent()
    shingles, samples = store.conn.execute(
        "SELECT shingles, samples FROM cluster_sketches"
    ).fetchone()
    expected = story_text(strip_tags(f"<p>{after}</p> "))
    assert shingles == len(expected.shingles)
    assert set(samples.split(",")) == {str(v) for v in expected.sample}


def test_entries_outside_the_window_are_not_sketched_and_stale_sketches_go(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache.sqlite3")
    text = "<p>" + " ".join(f"Wort{n}" for n in range(40)) + "</p>"
    month_old = NOW - timedelta(days=30)
    feed = store.add_feed("http://w.example/feed")
    update = FeedUpdate(
        feed.id,
        ParsedFeed(title="w", site_url=None, entries=(_item("w", text, published=month_old),)),
        200,
    )
    week = int((NOW - timedelta(days=7)).timestamp())
    store.record_prepared([store.prepare_feed(update, sketch_after=week)])
    assert _pending(store) == 0  # outside the window: no work for the worker
    _record(store, "http://x.example/feed", [_item("x", text, published=month_old)], sketched=True)
    assert _pending(store) == 1
    store.cluster_recent(window_days=7)
    assert _pending(store) == 0  # out of the pass's window: dropped, not kept for ever


def test_a_pass_in_many_batches_forms_what_one_batch_forms(tmp_path: Path, corpus: Path) -> None:
    whole, batched = Store(tmp_path / "whole.sqlite3"), Store(tmp_path / "batched.sqlite3")
    for store in (whole, batched):
        _fill(store, corpus, sketched=True)
    assert whole.cluster_recent() == batched.cluster_recent(batch=7) == 5
    assert _outcome(batched) == _outcome(whole)


def test_a_batch_reads_the_window_again_only_after_another_connection_wrote(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cache.sqlite3"
    store, other = Store(path), Store(path)
    _fill(store, corpus, sketched=True)
    reads: list[int] = []
    read_sizes = cluster_lookup.read_sizes

    def counted(cursor: sqlite3.Cursor, seen: set[int]) -> cluster_lookup.Sizes:
        reads.append(len(seen))
        return read_sizes(cursor, seen)

    monkeypatch.setattr(cluster_lookup, "read_sizes", counted)
    batches = -(-store.count_entries() // 20)
    store.cluster_recent(batch=20)
    assert len(reads) == 1  # the first batch read the window; the others went on from it

    with store.transaction() as conn:  # everything to compare again
        conn.execute("DELETE FROM cluster_sketches")
        conn.execute("UPDATE entries SET cluster_id = NULL")
    reads.clear()
    cluster_batch = clusters.ClusterQueries._cluster_batch

    def interrupted(
        self: clusters.ClusterQueries,
        rows: list[tuple[Any, ...]],
        carried: cluster_lookup.Sizes | None,
    ) -> tuple[int, cluster_lookup.Sizes | None]:
        with other.transaction() as conn:  # another writer between two batches
            conn.execute("UPDATE feeds SET title = title || '.' WHERE id = 1")
        return cluster_batch(self, rows, carried)

    monkeypatch.setattr(clusters.ClusterQueries, "_cluster_batch", interrupted)
    assert store.cluster_recent(batch=20) == 5
    assert len(reads) == batches
