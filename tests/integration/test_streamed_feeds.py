"""A big feed is stored as it is parsed (ingest._ingest_streamed): the rows must be those the
whole-list path writes, and anything the stream cannot do leaves nothing half-written.

The thresholds (a megabyte) are lowered so a feed of a few hundred kilobytes, three chunks
of entries, takes the streamed path; the 100,000-entry feed runs in bench/big_feed.py.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from newsreader.core.models import FeedOutcome
from newsreader.core.parse import fastparse
from newsreader.core.refresh import ingest
from newsreader.core.refresh.ingest import FeedJob, ingest_feeds
from newsreader.core.store import feed_writes, stream_writes
from newsreader.core.store.store import Store
from tests.support.feedgen import Item, items, rss

URL = "http://lokal.test/feed.xml"
N = 1_234  # three chunks of 500 and a part


def _job(feed_id: int, body: bytes) -> FeedJob:
    return FeedJob(feed_id, body, URL, {"content-type": "application/rss+xml"}, 200, '"v1"', None)


def _rows(path: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            """SELECT id, key, url, title, author, summary, content, published, updated,
               categories, enclosures, paywalled, digest, feed_title, html_base
               FROM entries ORDER BY id"""
        ).fetchall()
        feed = conn.execute(
            "SELECT title, site_url, etag, last_status, last_error, poll_seconds FROM feeds"
        ).fetchall()
        hits = conn.execute(
            "SELECT rowid FROM entries_fts WHERE entries_fts MATCH 'straßenfest' ORDER BY rowid"
        ).fetchall()
    finally:
        conn.close()
    return [*rows, ("feed", *feed), ("search", len(hits))]


class _Spy:
    """Counts the feeds the streamed path stored, and those it handed back."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.stored = self.handed_back = 0
        real = Store.record_streamed_feed

        def spy(store: Any, *args: Any) -> FeedOutcome | None:
            outcome = real(store, *args)
            if outcome is None:
                self.handed_back += 1
            else:
                self.stored += 1
            return outcome

        monkeypatch.setattr(Store, "record_streamed_feed", spy)


def _store_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *bodies: bytes
) -> tuple[list[list[FeedOutcome]], list[list[FeedOutcome]], _Spy]:
    """Each body in turn (refresh after refresh), whole into one cache, streamed into another."""
    outcomes: dict[str, list[list[FeedOutcome]]] = {"whole": [], "streamed": []}
    spy = _Spy(monkeypatch)
    # One clock for both: an undated entry's time is "now" less its place in the feed.
    clock = SimpleNamespace(time=lambda: 1_796_000_000.0)
    monkeypatch.setattr(feed_writes, "time", clock)
    monkeypatch.setattr(stream_writes, "time", clock)
    for kind in outcomes:
        store = Store.in_dir(tmp_path / kind)
        feed = store.add_feed(URL)
        store.close()
        with monkeypatch.context() as patch:
            if kind == "streamed":
                patch.setattr(ingest, "STREAM_FROM", 0)
                patch.setattr(fastparse, "_STREAM_FROM", 0)
                patch.setattr(fastparse, "_SLICE", 4096)
            for body in bodies:
                db = str(tmp_path / kind / "newsreader.sqlite3")
                outcomes[kind].append(ingest_feeds(db, [_job(feed.id, body)]))
    return outcomes["whole"], outcomes["streamed"], spy


def _same_cache(tmp_path: Path) -> None:
    """The same rows, each under its key: the ids may come in another order (new entries
    take theirs by date, a whole feed's at once, a streamed one's chunk by chunk)."""

    def by_key(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return [row[1:] for row in sorted(rows[:-2], key=lambda row: row[1])] + rows[-2:]

    whole = by_key(_rows(tmp_path / "whole" / "newsreader.sqlite3"))
    streamed = by_key(_rows(tmp_path / "streamed" / "newsreader.sqlite3"))
    assert len(whole) == len(streamed)
    for mine, theirs in zip(streamed, whole, strict=True):
        assert mine == theirs


def test_a_streamed_feed_is_stored_as_the_whole_list_stores_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = items(N)
    first[7].guid, first[7].link = first[3].guid, first[3].link  # a repeat: the first counts
    first[9].published = None  # undated: ordered by its place in the feed
    for n in (2, 500, 900):  # long enough to be stored packed, at the cache's level
        first[n].description = "<p>" + f"Der Stadtrat tagt zum {n}. Mal im Rathaus. " * 12 + "</p>"
    second = items(2, base="http://neu.test") + first  # two new entries on top
    second[600] = replace(second[600], title="aktualisiert")  # one changed, in the 2nd chunk
    whole, streamed, spy = _store_both(tmp_path, monkeypatch, rss(first), rss(second))
    assert spy.stored == 2 and spy.handed_back == 0
    assert streamed == whole
    assert [o[0].new_entries for o in streamed] == [N - 1, 2]
    assert streamed[1][0].updated_entries == 1
    _same_cache(tmp_path)
    packed = [r[5] for r in _rows(tmp_path / "streamed" / "newsreader.sqlite3")[:-2]]
    assert sum(isinstance(summary, bytes) for summary in packed) == 3
    # in Latin-1 (format 2), as a prepared feed's are: the text is within it
    assert {summary[:1] for summary in packed if isinstance(summary, bytes)} == {b"\x02"}


def test_a_guid_reused_for_other_links_is_stored_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = items(N)
    feed[-1].guid = feed[0].guid  # seen after the first chunk was written: rename both
    whole, streamed, spy = _store_both(tmp_path, monkeypatch, rss(feed))
    assert spy.handed_back == 1 and spy.stored == 0
    assert streamed == whole and whole[0][0].new_entries == N
    _same_cache(tmp_path)


def test_a_feed_the_fast_path_declines_late_leaves_nothing_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = items(N)
    # feedparser reads <source>, the fast path does not: found after 1,233 entries were written
    feed[-1].extra = "<source url='http://quelle.test/rss'>Quelle</source>"
    whole, streamed, _ = _store_both(tmp_path, monkeypatch, rss(feed))
    assert streamed == whole and whole[0][0].new_entries == N
    _same_cache(tmp_path)


def test_a_feed_title_after_the_items_is_stored_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = rss(items(N)).replace(b"<title>Stadt Musterstadt</title>", b"")
    body = body.replace(b"</channel>", b"<title>Sp\xc3\xa4ter Titel</title></channel>")
    whole, streamed, spy = _store_both(tmp_path, monkeypatch, body)
    assert spy.handed_back == 1
    assert streamed == whole
    _same_cache(tmp_path)


def test_small_feeds_in_the_same_batch_keep_their_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store.in_dir(tmp_path)
    feeds = [store.add_feed(f"http://lokal.test/{k}.xml") for k in range(3)]
    store.close()
    monkeypatch.setattr(ingest, "STREAM_FROM", 2000)  # only the middle one is big
    bodies = [
        rss(items(1, prefix="A")),
        rss([*items(30, prefix="B"), Item("B x", "http://b.test/x")]),
        b"kein Feed",
    ]
    assert len(bodies[0]) < 2000 <= len(bodies[1])
    spy = _Spy(monkeypatch)
    db = str(tmp_path / "newsreader.sqlite3")
    got = ingest_feeds(db, [_job(f.id, b) for f, b in zip(feeds, bodies, strict=True)])
    assert spy.stored == 1
    assert [(o.feed_id, o.new_entries, bool(o.error)) for o in got] == [
        (feeds[0].id, 1, False),
        (feeds[1].id, 31, False),
        (feeds[2].id, 0, True),
    ]


def test_a_big_feed_our_parser_slips_on_fails_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception of our own parsing half-way through a streamed feed (a fault no server
    can be asked to produce: the parser's own bug, so it is injected) is that feed's error,
    rolled back; the batch's other feeds are stored, and the feed's row says what went wrong."""
    store = Store.in_dir(tmp_path)
    feeds = [store.add_feed(f"http://lokal.test/{k}.xml") for k in range(3)]
    store.close()
    monkeypatch.setattr(ingest, "STREAM_FROM", 2000)  # only the middle one is big
    bodies = [rss(items(2, prefix="A")), rss(items(30, prefix="B")), rss(items(3, prefix="C"))]
    real_stream = fastparse.FastStream.__iter__

    def slips(self: fastparse.FastStream) -> Any:
        for n, entry in enumerate(real_stream(self)):
            if n == 20:
                raise OverflowError("a date beyond what datetime holds")
            yield entry

    monkeypatch.setattr(fastparse.FastStream, "__iter__", slips)
    db = str(tmp_path / "newsreader.sqlite3")
    got = ingest_feeds(db, [_job(f.id, b) for f, b in zip(feeds, bodies, strict=True)])
    assert [(o.new_entries, o.error) for o in got] == [
        (2, None),
        (0, "could not parse the feed: OverflowError"),
        (3, None),
    ]
    conn = sqlite3.connect(db)
    try:
        counts = dict(conn.execute("SELECT feed_id, COUNT(*) FROM entries GROUP BY feed_id"))
        error = conn.execute("SELECT last_error FROM feeds WHERE id = ?", (feeds[1].id,))
        assert counts == {feeds[0].id: 2, feeds[2].id: 3}
        assert error.fetchone()[0] == "could not parse the feed: OverflowError"
    finally:
        conn.close()


def test_a_bug_of_the_store_in_a_big_feed_fails_its_batch_as_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only our parsing's slips are one feed's error: an exception the store raises between
    the entries (here an injected bug in its counting) is not told as a parse error."""
    store = Store.in_dir(tmp_path)
    feed = store.add_feed("http://lokal.test/0.xml")
    store.close()
    monkeypatch.setattr(ingest, "STREAM_FROM", 2000)

    def broken(*args: object) -> None:
        raise KeyError("a bug of ours")

    monkeypatch.setattr(feed_writes, "count_new_entries", broken)
    db = str(tmp_path / "newsreader.sqlite3")
    with pytest.raises(KeyError, match="a bug of ours"):
        ingest_feeds(db, [_job(feed.id, rss(items(30, prefix="B")))])
