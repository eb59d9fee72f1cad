"""A feed's new entries written together (store/new_rows.py): under the ids SQLite gives,
with their teasers, sketches and index rows on the right entries, also when an update of an
entry (one of them, or one stored before) comes between them in the feed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsreader.core.article_records import Teaser
from newsreader.core.models import EntryFilter
from newsreader.core.parsed import ParsedEntry
from newsreader.core.store.feed_writes import FeedUpdate
from newsreader.core.store.new_rows import json_list
from newsreader.core.store.store import Store
from tests.support.search_check import index_drift
from tests.unit.test_store import entry, feed_of


@pytest.mark.parametrize(
    "items",
    [
        (),
        ("Lokales",),
        ("Münster", 'Zitat "Rat"', "back\\slash", "tab\tline\nnull\x00", "\u2028\u00e9", "\ud800"),
    ],
)
def test_a_list_is_encoded_as_json_dumps_encodes_it(items: tuple[str, ...]) -> None:
    assert json_list(items) == json.dumps(list(items), ensure_ascii=False)


def test_new_entries_take_the_ids_sqlite_gives_also_after_the_highest_went(
    tmp_path: Path,
) -> None:
    """...in order of date, the oldest first: entry(i) is i minutes older than entry(0)."""
    store = Store(tmp_path / "cache.sqlite3")
    paper = store.add_feed("http://example.org/a")
    store.record_feeds([FeedUpdate(paper.id, feed_of(*(entry(i) for i in range(5))), 200)])
    with store.transaction() as conn:
        conn.execute("DELETE FROM entries WHERE id >= 4")  # the highest ids are free again
        conn.execute("INSERT INTO feeds (url, added) VALUES ('http://example.org/x', 0)")
    town = store.add_feed("http://example.org/b")
    store.record_feeds([FeedUpdate(town.id, feed_of(entry(10), entry(11)), 200)])
    rows = store.conn.execute("SELECT id, key FROM entries ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [
        (1, "guid-4"),
        (2, "guid-3"),
        (3, "guid-2"),
        (4, "guid-11"),
        (5, "guid-10"),
    ]


def test_an_update_between_new_entries_finds_them_written_and_theirs_follow(
    tmp_path: Path,
) -> None:
    """A stored entry changed and a new one listed twice, among new ones: every row, teaser,
    sketch and index row ends up on the entry it belongs to, and the counts count each
    new entry once."""
    store = Store(tmp_path / "cache.sqlite3")
    paper = store.add_feed("http://example.org/a")
    store.record_feeds([FeedUpdate(paper.id, feed_of(entry(1, summary="<p>Alt</p>")), 200)])
    teaser = Teaser(url="http://x/neu", title="Neu")
    mixed = feed_of(
        entry(2, summary="<p>Hochwasser</p>", teasers=(Teaser(url="http://x/a", title="A"),)),
        entry(1, summary="<p>Deichbau</p>", teasers=(teaser,)),
        entry(3, summary="<p>Sandsack</p>"),
        entry(2, summary="<p>Entwarnung</p>", teasers=(teaser,)),
        entry(4, summary="<p>Pegel</p>"),
    )
    (outcome,) = store.record_feeds([FeedUpdate(paper.id, mixed, 200)])
    assert (outcome.new_entries, outcome.updated_entries) == (3, 2)
    rows = store.conn.execute("SELECT id, key, summary FROM entries ORDER BY id").fetchall()
    keys = {r["key"]: r["id"] for r in rows}
    assert keys == {"guid-1": 1, "guid-2": 2, "guid-3": 3, "guid-4": 4}
    for word, key in [("deichbau", "guid-1"), ("entwarnung", "guid-2"), ("pegel", "guid-4")]:
        assert [e.id for e in store.entries(EntryFilter(search=word))] == [keys[key]]
    for gone in ("alt", "hochwasser"):
        assert store.entries(EntryFilter(search=gone)) == []
    assert [t.url for t in store.entry_teasers(keys["guid-1"])] == ["http://x/neu"]
    assert [t.url for t in store.entry_teasers(keys["guid-2"])] == ["http://x/neu"]
    assert not store.entry_teasers(keys["guid-3"])
    assert index_drift(store.conn) == []
    assert store.count_entries() == 4 == store.unread_count()


def test_sketches_wait_on_their_own_new_entries(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache.sqlite3")
    paper = store.add_feed("http://example.org/a")
    words = "Der Rat der Stadt beschliesst den neuen Haushalt fuer das kommende Jahr"
    parsed = feed_of(*(entry(i, summary=f"{words} {i}") for i in range(3)))
    update = FeedUpdate(paper.id, parsed, 200)
    store.record_prepared([store.prepare_feed(update, sketch_after=0)])
    pending = store.conn.execute(
        "SELECT p.entry_id, p.published, e.published FROM cluster_pending p"
        " JOIN entries e ON e.id = p.entry_id ORDER BY p.entry_id"
    ).fetchall()
    assert [(r[0], r[1]) for r in pending] == [(r[0], r[2]) for r in pending]
    assert [r[0] for r in pending] == [1, 2, 3]


def test_a_batch_of_feeds_takes_its_ids_by_date_and_each_entry_keeps_its_own(
    tmp_path: Path,
) -> None:
    """The new entries of a batch go in by date across its feeds (the (published, id)
    indexes are then written page after page): their ids follow the dates, and each entry's
    feed, teasers, sketch and index row are still its own."""
    store = Store(tmp_path / "cache.sqlite3")
    town, county = store.add_feed("http://example.org/a"), store.add_feed("http://example.org/b")
    words = "Der Rat der Stadt beschliesst den neuen Haushalt fuer das kommende Jahr"

    def story(i: int, word: str) -> ParsedEntry:
        teaser = Teaser(url=f"http://x/{word}", title=word)
        return entry(i, summary=f"<p>{words} {word}</p>", teasers=(teaser,))

    town_news = feed_of(story(1, "Kirmes"), story(4, "Freibad"), story(5, "Rathaus"))
    county_news = feed_of(story(2, "Kreistag"), story(3, "Landrat"))
    updates = [FeedUpdate(town.id, town_news, 200), FeedUpdate(county.id, county_news, 200)]
    store.record_prepared([store.prepare_feed(u, sketch_after=0) for u in updates])
    rows = store.conn.execute("SELECT id, key, feed_id FROM entries ORDER BY id").fetchall()
    assert [(r["key"], r["feed_id"]) for r in rows] == [
        ("guid-5", town.id),
        ("guid-4", town.id),
        ("guid-3", county.id),
        ("guid-2", county.id),
        ("guid-1", town.id),
    ]
    for i, word in [(1, "Kirmes"), (2, "Kreistag"), (3, "Landrat"), (4, "Freibad")]:
        (entry_id,) = [r["id"] for r in rows if r["key"] == f"guid-{i}"]
        assert [e.id for e in store.entries(EntryFilter(search=word.lower()))] == [entry_id]
        assert [t.url for t in store.entry_teasers(entry_id)] == [f"http://x/{word}"]
    sketched = store.conn.execute(
        "SELECT p.entry_id, p.published = e.published FROM cluster_pending p"
        " JOIN entries e ON e.id = p.entry_id ORDER BY p.entry_id"
    ).fetchall()
    assert [tuple(r) for r in sketched] == [(i, 1) for i in range(1, 6)]
    assert index_drift(store.conn) == []
    assert store.count_entries() == 5 == store.unread_count()
