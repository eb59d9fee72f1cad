"""The SQLite cache on a real file: identity, updates, search folding, keyset paging."""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsreader.core.article_records import Enclosure, LinkPreview, Page, Teaser
from newsreader.core.errors import StoreError
from newsreader.core.models import Cursor, EntryFilter
from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.refresh.prefetch import _teaser_targets
from newsreader.core.store.entry_rows import blake2_digest, entry_digest, sha1_digest
from newsreader.core.store.feed_writes import FeedUpdate
from newsreader.core.store.schema import SCHEMA_VERSION
from newsreader.core.store.store import Store
from tests.support.search_check import index_drift

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def entry(i: int, **kw: object) -> ParsedEntry:
    base = ParsedEntry(
        key=f"guid-{i}",
        title=f"Titel {i}",
        url=f"http://example.org/{i}",
        summary=f"<p>Text {i}</p>",
        published=T0 - timedelta(minutes=i),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def feed_of(*entries: ParsedEntry) -> ParsedFeed:
    return ParsedFeed(title="Lokales", site_url="http://example.org", entries=entries)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache.sqlite3")


def test_schema_version_and_wal(store: Store) -> None:
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_newer_schema_is_refused_without_damage(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    Store(path).close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(StoreError, match="newer newsreader"):
        Store(path)
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    raw.close()


def test_sqlite_failures_surface_as_store_errors(store: Store) -> None:
    """Callers catch our one error type: a damaged cache is a StoreError with the cause kept,
    from a query, a write and a method that composes two mixins."""
    feed = store.add_feed("http://example.org/feed")
    store.record_feed(feed.id, feed_of(entry(1)), status=200, etag=None, last_modified=None)
    (entry_id,) = [e.id for e in store.entries(EntryFilter())]
    store.conn.execute("DROP TABLE teasers")
    page = Page(
        url="http://example.org/1",
        final_url="http://example.org/1",
        fetched_at=T0,
        teasers=(Teaser(url="http://example.org/2", title="Zwei"),),
    )
    for call in (
        lambda: store.entry(entry_id),
        lambda: store.entry_teasers(entry_id),
        lambda: store.save_page(page, b"<html></html>"),
    ):
        with pytest.raises(StoreError, match="no such table: teasers") as caught:
            call()
        assert isinstance(caught.value.__cause__, sqlite3.OperationalError)


def test_store_mixins_are_siblings_over_one_database() -> None:
    from newsreader.core.store.db import Database

    mixins = [c for c in Store.__mro__[1:] if c not in (Database, object)]
    assert len(mixins) == 10  # retention.py is one since the read-through of session 9
    assert all(c.__bases__ == (Database,) for c in mixins)


def test_feed_titles_are_the_titles_feeds_gives(store: Store) -> None:
    """The headline list sizes its source column from `feed_titles`: a feed with no title, or
    an empty one, shows its address there as everywhere else."""
    store.add_feed("http://a.test/feed.xml", title="Stadt Münster")
    store.add_feed("http://b.test/feed.xml")
    store.add_feed("http://c.test/feed.xml", title="")
    assert sorted(store.feed_titles()) == sorted(f.title for f in store.feeds())
    assert "http://b.test/feed.xml" in store.feed_titles()


def test_refetch_never_duplicates_and_updates_in_place(store: Store) -> None:
    feed = store.add_feed("http://example.org/feed")
    first = store.record_feed(
        feed.id, feed_of(entry(1), entry(2)), status=200, etag=None, last_modified=None
    )
    assert (first.new_entries, first.updated_entries) == (2, 0)
    row = store.entries()[0]
    store.set_read([row.id])
    store.set_starred(row.id, True)
    again = store.record_feed(
        feed.id,
        feed_of(entry(1, title="Titel 1 (aktualisiert)"), entry(2)),
        status=200,
        etag='"v2"',
        last_modified=None,
    )
    assert (again.new_entries, again.updated_entries, again.unchanged) == (0, 1, False)
    assert store.count_entries() == 2
    updated = store.entry(row.id)
    assert updated is not None
    assert updated.title == "Titel 1 (aktualisiert)"
    assert updated.read and updated.starred
    same = store.record_feed(
        feed.id,
        feed_of(entry(1, title="Titel 1 (aktualisiert)"), entry(2)),
        status=200,
        etag='"v2"',
        last_modified=None,
    )
    assert same.unchanged
    saved = store.feed(feed.id)
    assert saved is not None and saved.etag == '"v2"'


@pytest.mark.parametrize("query", ["ägypten", "Aegypten", "ÄGYPTEN", "aegyp"])
def test_search_folds_umlauts_and_case(store: Store, query: str) -> None:
    feed = store.add_feed("http://example.org/feed")
    store.record_feed(
        feed.id,
        feed_of(entry(1, title="Reise nach Ägypten"), entry(2)),
        status=200,
        etag=None,
        last_modified=None,
    )
    hits = store.entries(EntryFilter(search=query))
    assert [h.title for h in hits] == ["Reise nach Ägypten"]


def test_search_folds_sharp_s_and_covers_page_text(store: Store) -> None:
    feed = store.add_feed("http://example.org/feed")
    store.record_feed(
        feed.id,
        feed_of(entry(1, summary="<p>Die Hauptstraße ist zu</p>"), entry(2)),
        status=200,
        etag=None,
        last_modified=None,
    )
    assert store.count_entries(EntryFilter(search="hauptstrasse")) == 1
    assert store.count_entries(EntryFilter(search="Baustelle Münster")) == 0
    store.save_page(
        Page(
            url="http://example.org/2",
            final_url="http://example.org/2",
            fetched_at=T0,
            text="Eine Baustelle in Münster",
        ),
        b"<html></html>",
    )
    assert store.count_entries(EntryFilter(search="baustelle muenster")) == 1


def test_an_entry_whose_page_is_cached_already_gets_its_text_and_paywall(store: Store) -> None:
    """A page cached before its entry came (a feed subscribed again, a story a second feed
    carries, a teaser page prefetched first) reached only the entries there when it was
    saved: a later entry was not found by the page's words, nor marked paywalled (a helper's
    tour). Its text stays with the entry through an update, and the index stays exact."""
    url = "http://example.org/7"
    store.save_page(
        Page(url=url, final_url=url, fetched_at=T0, text="Der Oberbürgermeister tritt zurück"),
        b"<html></html>",
    )
    paywalled = "http://example.org/8"
    store.save_page(
        Page(url=paywalled, final_url=paywalled, fetched_at=T0, text="", paywalled=True),
        b"<html></html>",
    )
    first = store.add_feed("http://example.org/feed")
    store.record_feed(
        first.id, feed_of(entry(7), entry(8), entry(9)), status=200, etag=None, last_modified=None
    )
    hits = store.entries(EntryFilter(search="oberbuergermeister"))
    assert [h.url for h in hits] == [url]
    assert {e.url: e.paywalled for e in store.entries()} == {
        url: False,
        paywalled: True,
        "http://example.org/9": False,
    }
    # The same story in a second feed, and the first feed's entry changed.
    second = store.add_feed("http://example.org/other")
    store.record_feed(
        second.id, feed_of(entry(7, key="other-7")), status=200, etag=None, last_modified=None
    )
    store.record_feed(
        first.id,
        feed_of(entry(7, summary="<p>Neu</p>"), entry(8), entry(9)),
        status=200,
        etag=None,
        last_modified=None,
    )
    assert store.count_entries(EntryFilter(search="oberbuergermeister")) == 2
    assert store.count_entries(EntryFilter(search="neu oberbuergermeister")) == 1
    assert index_drift(store.conn) == []


def test_keyset_pages_cover_everything_in_order(store: Store) -> None:
    feed = store.add_feed("http://example.org/feed")
    # Equal timestamps on purpose: the id breaks ties so no row is skipped or repeated.
    store.record_feed(
        feed.id,
        feed_of(*(entry(i, published=T0 - timedelta(minutes=i // 3)) for i in range(50))),
        status=200,
        etag=None,
        last_modified=None,
    )
    seen = []
    cursor = None
    while True:
        page = store.entries(after=cursor, limit=7)
        if not page:
            break
        seen.extend(page)
        cursor = Cursor(page[-1].published, page[-1].id)
    assert len(seen) == 50 == len({r.id for r in seen})
    keys = [(r.published, r.id) for r in seen]
    assert keys == sorted(keys, reverse=True)
    back = store.entries(before=Cursor(seen[10].published, seen[10].id), limit=4)
    assert [r.id for r in back] == [r.id for r in seen[6:10]]
    assert store.entry_position(seen[10].id) == 10


def test_filters_and_mark_all_read(store: Store) -> None:
    a = store.add_feed("http://a.example/feed", tags=["Lokales", "Polizei"])
    b = store.add_feed("http://b.example/feed", tags=["Sport"])
    store.record_feed(
        a.id, feed_of(entry(1), entry(2, paywalled=True)), status=200, etag=None, last_modified=None
    )
    store.record_feed(b.id, feed_of(entry(3, key="b3")), status=200, etag=None, last_modified=None)
    assert store.count_entries(EntryFilter(tag="Polizei")) == 2
    assert store.count_entries(EntryFilter(feed_id=b.id)) == 1
    assert store.count_entries(EntryFilter(hide_paywalled=True)) == 2
    assert store.mark_all_read(EntryFilter(tag="Lokales")) == 2
    assert store.count_entries(EntryFilter(unread=True)) == 1
    assert dict(store.tags()) == {"Lokales": 0, "Polizei": 0, "Sport": 1}


def test_remove_feed_keeps_starred(store: Store) -> None:
    feed = store.add_feed("http://example.org/feed")
    store.record_feed(
        feed.id, feed_of(entry(1), entry(2)), status=200, etag=None, last_modified=None
    )
    keep = store.entries()[1]
    store.set_starred(keep.id, True)
    assert store.remove_feed(feed.id) == 1
    assert store.feeds() == []
    left = store.entries()
    assert [r.id for r in left] == [keep.id]
    assert left[0].feed_title == "Lokales"
    assert store.count_entries(EntryFilter(search="Titel")) == 1


def test_an_entry_digest_hashes_what_the_digests_in_caches_hashed(store: Store) -> None:
    """The digest decides whether a stored entry changed. Caches hold the SHA-1 of the fields
    joined as below (written out here as the stored digests were made), then a BLAKE2b of the
    same bytes; the digest is now a CRC-32 and an Adler-32 of the fields, the summary and the
    content in Latin-1 when both fit there ("L" first), else in UTF-8 ("U"). `sha1_digest`
    and `blake2_digest` still make the old ones, which the first refresh after the upgrade
    compares an entry stored with one to (`legacy_digests`)."""

    def ts(value: datetime | None) -> str:
        return str(None if value is None else int(value.timestamp()))

    def fields(e: ParsedEntry) -> tuple[str, str]:
        head = [e.title, e.url or "", e.author or ""]
        tail = [ts(e.published), ts(e.updated), "\x1f".join(e.categories), str(e.paywalled)]
        tail += [e.html_base or "", "\x1f".join(t.url + "\x1e" + t.title for t in e.teasers)]
        tail.append(
            "\x1f".join(
                x.url + ("\x1e" + str(x.duration) if x.duration else "") for x in e.enclosures
            )
        )
        return "\x1d".join(head) + "\x1d", "\x1d" + "\x1d".join(tail)

    def joined(e: ParsedEntry) -> bytes:
        head, tail = fields(e)
        return f"{head}{e.summary}\x1d{e.content}{tail}".encode("utf-8", "surrogatepass")

    def checksum(e: ParsedEntry) -> str:
        head, tail = fields(e)
        try:
            text = b"L" + e.summary.encode("latin-1") + b"\x1d" + e.content.encode("latin-1")
        except UnicodeEncodeError:
            text = b"U" + e.summary.encode() + b"\x1d" + e.content.encode()
        data = text[:1] + head.encode() + text[1:] + tail.encode()
        return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"

    entries = [
        entry(1),
        entry(2, author="Jörg Groß", categories=("Lokales", "Straßenbau"), paywalled=True),
        entry(
            3,
            url=None,
            updated=T0,
            html_base="http://example.org/",
            content="<p>Aufgeräumt</p>",
            teasers=(Teaser(url="http://x/1", title="Eins"), Teaser(url="http://x/2", title="")),
            enclosures=(Enclosure("http://x/a.mp3", duration=61), Enclosure("http://x/b.ogg")),
        ),
        # Outside Latin-1: typographic quotes and a euro sign, in the summary alone
        entry(4, summary="„Freibad öffnet“ – Eintritt 4 €", content="<p>Straße</p>" * 40),
        # in the title alone: the summary and content are still Latin-1
        entry(5, title="„Kirmes“ fällt aus", content="<p>Grüße</p>" * 40),
    ]
    feed = store.add_feed("http://example.org/feed")
    store.record_feed(feed.id, feed_of(*entries), status=200, etag=None, last_modified=None)
    stored = [r[0] for r in store.conn.execute("SELECT digest FROM entries ORDER BY key")]
    assert stored == [checksum(e) for e in entries]
    assert [entry_digest(e) for e in entries] == stored
    assert [blake2_digest(e) for e in entries] == [
        hashlib.blake2b(joined(e), digest_size=16).hexdigest() for e in entries
    ]
    assert [sha1_digest(e) for e in entries] == [
        hashlib.sha1(joined(e)).hexdigest() for e in entries
    ]
    # One letter more or less, anywhere, is a change.
    for changed in (
        replace(entries[1], summary=entries[1].summary + "!"),
        replace(entries[3], content=entries[3].content[1:]),
        replace(entries[4], title="„Kirmes“ fällt nicht aus"),
    ):
        assert entry_digest(changed) not in stored


def test_categories_and_enclosures_are_stored_as_json_dumps_writes_them(store: Store) -> None:
    """The lists are encoded by a kept encoder, not json.dumps: the stored text stays the same,
    for the readers that parse it and the caches written before."""
    feed = store.add_feed("http://example.org/feed")
    categories = ("Münster", 'Zitat "Rat"', "Ölpreis/€")
    files = (Enclosure("http://x/a.mp3", "audio/mpeg", 123, 61), Enclosure("http://x/b.ogg"))
    feed_content = feed_of(
        entry(1, categories=categories, enclosures=files), entry(2), entry(3, categories=("x",))
    )
    store.record_feed(feed.id, feed_content, status=200, etag=None, last_modified=None)
    rows = store.conn.execute("SELECT categories, enclosures FROM entries ORDER BY key").fetchall()
    assert [tuple(r) for r in rows] == [
        (
            json.dumps(list(categories), ensure_ascii=False),
            json.dumps([[e.url, e.type, e.length, e.duration] for e in files]),
        ),
        (json.dumps([]), json.dumps([])),
        (json.dumps(["x"], ensure_ascii=False), json.dumps([])),
    ]
    (first_id,) = store.conn.execute("SELECT id FROM entries WHERE key = 'guid-1'").fetchone()
    shown = store.entry(first_id)
    assert shown is not None
    assert (shown.categories, shown.enclosures) == (categories, files)


def test_a_key_twice_in_a_batch_keeps_the_later_version_its_teasers_and_an_exact_index(
    store: Store,
) -> None:
    """A feed listing an entry twice with other text stores the later version, its teasers and
    its index row. The first version's index row, noted in the batch and not yet written, is
    dropped: asking FTS5 to delete it failed the feed as a "malformed" database, and with it
    nothing of the feed was stored. The other feed of the batch is stored after it."""
    first = store.add_feed("http://example.org/a")
    second = store.add_feed("http://example.org/b")
    twice = feed_of(
        entry(1, teasers=(Teaser(url="http://x/alt", title="Alt"),), summary="<p>Sandsack</p>"),
        entry(2),
        entry(1, teasers=(Teaser(url="http://x/neu", title="Neu"),), summary="<p>Deichbau</p>"),
    )
    outcomes = store.record_feeds(
        [
            FeedUpdate(first.id, twice, 200),
            FeedUpdate(second.id, feed_of(entry(3), entry(4)), 200),
        ]
    )
    assert [(o.new_entries, o.updated_entries) for o in outcomes] == [(2, 1), (2, 0)]
    rows = store.conn.execute("SELECT id, key, feed_id FROM entries ORDER BY id").fetchall()
    # guid-1 and guid-2 were written when guid-1 came again, by date (2 is the older); the
    # other feed's rows at the end of the batch
    assert [tuple(r) for r in rows] == [
        (1, "guid-2", first.id),
        (2, "guid-1", first.id),
        (3, "guid-4", second.id),
        (4, "guid-3", second.id),
    ]
    assert [t.url for t in store.entry_teasers(2)] == ["http://x/neu"]
    assert [e.id for e in store.entries(EntryFilter(search="deichbau"))] == [2]
    assert store.entries(EntryFilter(search="sandsack")) == []
    assert index_drift(store.conn) == []
    # A stored entry listed twice: its old row goes from the index, the later version comes.
    again = feed_of(
        entry(1, summary="<p>Pegel</p>"), entry(2), entry(1, summary="<p>Entwarnung</p>")
    )
    assert [
        (o.new_entries, o.updated_entries)
        for o in store.record_feeds([FeedUpdate(first.id, again, 200)])
    ] == [(0, 2)]
    assert [e.id for e in store.entries(EntryFilter(search="entwarnung"))] == [2]
    assert store.entries(EntryFilter(search="deichbau")) == []
    assert store.entries(EntryFilter(search="pegel")) == []
    assert index_drift(store.conn) == []


def test_teasers_ordered_inline_related_feed_and_deduplicated(store: Store) -> None:
    feed = store.add_feed("http://example.org/feed")
    store.record_feed(
        feed.id,
        feed_of(
            entry(
                1,
                teasers=(
                    Teaser(url="http://x/feed", title="F", kind="feed"),
                    Teaser(url="http://x/dup", title="D", kind="feed"),
                ),
            )
        ),
        status=200,
        etag=None,
        last_modified=None,
    )
    row = store.entries()[0]
    store.save_page(
        Page(
            url=row.url or "",
            final_url=row.url or "",
            fetched_at=T0,
            text="Volltext",
            teasers=(
                Teaser(url="http://x/related", title="R", kind="related"),
                Teaser(url="http://x/dup", title="D2", kind="inline"),
                Teaser(url="http://x/inline", title="I", kind="inline"),
            ),
        ),
        b"<html>",
    )
    got = store.entry(row.id)
    assert got is not None
    assert [t.url for t in got.teasers] == [
        "http://x/dup",
        "http://x/inline",
        "http://x/related",
        "http://x/feed",
    ]
    assert got.page_text == "Volltext" and got.offline
    assert store.page_html(row.url or "") == b"<html>"


def test_teasers_keep_kicker_block_and_group(store: Store) -> None:
    """The fields a reader groups and labels teasers by survive the cache, for page teasers
    (as extracted) and for an entry's own teasers (as the feed gave them)."""
    feed = store.add_feed("http://example.org/feed")
    own = Teaser(url="http://x/own", title="Eigener Link", kind="feed", group="more")
    store.record_feed(
        feed.id, feed_of(entry(1, teasers=(own,))), status=200, etag=None, last_modified=None
    )
    row = store.entries()[0]
    related = Teaser(
        url="http://x/a",
        title="Neue Radwege für die Innenstadt",
        description="Der Rat hat entschieden.",
        kind="related",
        kicker="Verkehr",
        block="Mehr zum Thema",
        group="related",
    )
    latest = replace(related, url="http://x/b", kicker="", block="Meistgelesen", group="more")
    page = Page(url=row.url or "", final_url=row.url or "", fetched_at=T0, text="Volltext")
    store.save_page(replace(page, teasers=(related, latest)), b"<html>")
    got = store.entry(row.id)
    assert got is not None
    by_url = {t.url: t for t in got.teasers}
    assert by_url["http://x/a"] == related
    assert (by_url["http://x/b"].block, by_url["http://x/b"].group) == ("Meistgelesen", "more")
    assert by_url["http://x/own"].group == "more"


def test_related_teasers_come_before_more_whatever_their_source(store: Store) -> None:
    feed = store.add_feed("http://example.org/feed")
    own = Teaser(url="http://x/feed-link", title="Link aus dem Feed", kind="feed")
    store.record_feed(
        feed.id, feed_of(entry(1, teasers=(own,))), status=200, etag=None, last_modified=None
    )
    row = store.entries()[0]
    most_read = Teaser(url="http://x/top", title="Meistgelesen 1", kind="related", group="more")
    related = Teaser(url="http://x/rel", title="Mehr zum Thema 1", kind="related")
    page = Page(url=row.url or "", final_url=row.url or "", fetched_at=T0, text="Volltext")
    store.save_page(replace(page, teasers=(related, most_read)), b"<html>")
    got = store.entry(row.id)
    assert got is not None
    assert [t.url for t in got.teasers] == ["http://x/rel", "http://x/feed-link", "http://x/top"]
    # and so `refresh --full` prefetches the related ones first
    assert _teaser_targets(store, [row.id], 2) == ["http://x/rel", "http://x/feed-link"]


def test_links_in_entry_html_are_teasers_when_shown(store: Store) -> None:
    """Refresh stores the HTML and its base; the links are read from it when the entry is
    shown, resolved against that base, before the related links, with previews and the
    offline mark of a cached target filled in."""
    feed = store.add_feed("http://example.org/feed")
    html = (
        '<p>Siehe <a href="vorher.html">Vorgeschichte</a> und '
        '<a href="/lokales/stau.html">Stau</a> und <a href="/self/1">mich selbst</a>.</p>'
    )
    parsed = entry(
        1,
        url="http://example.org/self/1",
        content=html,
        html_base="http://example.org/archiv/2026/",
        teasers=(
            Teaser(url="http://example.org/lokales/stau.html", title="Stau (related)", kind="feed"),
            Teaser(url="http://other.example/k.html", title="Kommentar", kind="feed"),
        ),
    )
    store.record_feed(feed.id, feed_of(parsed), status=200, etag=None, last_modified=None)
    store.save_preview(
        LinkPreview(
            url="http://example.org/archiv/2026/vorher.html",
            title="Vorher",
            description="Was bisher geschah",
            fetched_at=T0,
        )
    )
    store.save_page(
        Page(
            url="http://other.example/k.html",
            final_url="http://other.example/k.html",
            fetched_at=T0,
            text="Kommentartext",
            description="Meinung zum Stau",  # no preview is fetched for a cached page
        ),
        b"<html>",
    )
    got = store.entry(store.entries()[0].id)
    assert got is not None
    assert [(t.url, t.title, t.description, t.offline) for t in got.teasers] == [
        (
            "http://example.org/archiv/2026/vorher.html",
            "Vorgeschichte",
            "Was bisher geschah",
            False,
        ),
        ("http://example.org/lokales/stau.html", "Stau", "", False),
        ("http://other.example/k.html", "Kommentar", "Meinung zum Stau", True),
    ]
    # An entry from before schema 2 (no base) keeps exactly the teasers stored for it.
    store.conn.execute("UPDATE entries SET html_base = NULL")
    again = store.entry(got.id)
    assert again is not None
    assert [t.title for t in again.teasers] == ["Stau (related)", "Kommentar"]


def test_a_batch_of_feeds_is_stored_and_one_bad_feed_costs_the_others_nothing(
    store: Store,
) -> None:
    a, b, c, d = (store.add_feed(f"http://example.org/{name}") for name in "abcd")
    bad = feed_of(replace(entry(2), key=None))  # type: ignore[arg-type]  # NOT NULL: fails
    outcomes = store.record_feeds(
        [
            FeedUpdate(a.id, feed_of(entry(1)), 200, etag='"a1"'),
            FeedUpdate(b.id, bad, 200),
            FeedUpdate(c.id, None, 200, error="not a feed: HTML page"),
            FeedUpdate(d.id, feed_of(entry(3), entry(4)), 200, last_modified="Fri, 20 Nov"),
        ]
    )
    assert [(o.feed_id, o.new_entries) for o in outcomes] == [
        (a.id, 1),
        (b.id, 0),
        (c.id, 0),
        (d.id, 2),
    ]
    assert outcomes[0].error is None and outcomes[3].error is None
    assert outcomes[1].error is not None and "NOT NULL" in outcomes[1].error
    assert outcomes[2].error == "not a feed: HTML page"
    feeds = {f.id: f for f in store.feeds()}
    assert (feeds[a.id].etag, feeds[a.id].entries) == ('"a1"', 1)
    assert (feeds[b.id].entries, feeds[b.id].etag) == (0, None)
    assert feeds[c.id].last_error == "not a feed: HTML page"
    assert (feeds[d.id].last_modified, feeds[d.id].entries) == ("Fri, 20 Nov", 2)


def test_connection_per_thread(store: Store) -> None:
    import threading

    conns: list[int] = []

    def work() -> None:
        conns.append(id(store.conn))
        store.unread_count()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(conns) | {id(store.conn)}) == 4


def test_prune_keeps_unread_and_starred_and_shrinks(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3")
    assert store.conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental
    feed = store.add_feed("http://example.org/feed")
    old = datetime.now(UTC) - timedelta(days=400)
    # Text that deflate cannot pack away (packed_text.py): words in a random order.
    words = [f"{a}{b}" for a in ("Stadt", "Rat", "Haus", "Bahn", "Markt") for b in range(40)]
    big = ["<p>" + " ".join(random.Random(i).choices(words, k=1500)) + "</p>" for i in range(300)]
    store.record_feed(
        feed.id,
        feed_of(
            *(entry(i, published=old - timedelta(minutes=i), summary=big[i]) for i in range(300))
        ),
        status=200,
        etag=None,
        last_modified=None,
    )
    rows = store.entries(limit=300)
    for r in rows[:-2]:
        store.set_read([r.id])
    store.set_starred(rows[0].id, True)
    store.save_page(
        Page(url=rows[5].url or "", final_url=rows[5].url or "", fetched_at=old, text="x"),
        b"<html>" * 1000,
    )
    _stored_long_ago(store)
    size_before = store.path.stat().st_size
    removed = store.prune(max_age_days=90, max_entries_per_feed=0)
    assert removed == 297  # 300 minus 2 unread minus 1 starred
    left = {r.id for r in store.entries(limit=10)}
    assert left == {rows[0].id, rows[-1].id, rows[-2].id}
    assert store.page(rows[5].url or "") is None
    indexed = store.conn.execute(
        "SELECT rowid FROM entries_fts WHERE entries_fts MATCH 'titel'"
    ).fetchall()
    assert {r[0] for r in indexed} == left  # the pruned entries left the index too
    assert index_drift(store.conn) == []
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert store.path.stat().st_size < size_before / 2


def test_prune_caps_entries_per_feed(store: Store) -> None:
    feed = store.add_feed("http://example.org/feed")
    store.record_feed(
        feed.id, feed_of(*(entry(i) for i in range(10))), status=200, etag=None, last_modified=None
    )
    store.mark_all_read()
    assert store.prune(max_age_days=0, max_entries_per_feed=4) == 6
    assert [r.title for r in store.entries()] == [f"Titel {i}" for i in range(4)]


def _stored_long_ago(store: Store) -> None:
    """Every entry as if it had come a year ago (retention counts from the later of its date
    and its arrival)."""
    store.conn.execute("UPDATE entries SET first_seen = first_seen - 365 * 86400")


def _stored(store: Store, feed_id: int, *entries: ParsedEntry) -> int:
    """Record the feed as listing `entries`; how many were new."""
    outcome = store.record_feed(
        feed_id, feed_of(*entries), status=200, etag=None, last_modified=None
    )
    return outcome.new_entries


def _forgotten(store: Store) -> int:
    return int(store.conn.execute("SELECT COUNT(*) FROM entries_forgotten").fetchone()[0])


def test_an_entry_retention_dropped_stays_gone_while_its_feed_lists_it(store: Store) -> None:
    """An archive's feed lists old items for years: read and dropped for their age, they came
    back on the next refresh as new, unread entries."""
    feed = store.add_feed("http://example.org/feed")
    old = datetime.now(UTC) - timedelta(days=400)
    archive = [entry(i, published=old - timedelta(minutes=i)) for i in range(5)]
    assert _stored(store, feed.id, *archive) == 5
    store.mark_all_read()
    # Read the day they came, old items stay: an entry goes for its age when it is old by
    # its date and by its arrival (a helper's tour read one and saw it go at the next refresh).
    assert store.prune(max_age_days=90, max_entries_per_feed=0) == 0
    _stored_long_ago(store)
    assert store.prune(max_age_days=90, max_entries_per_feed=0) == 5
    fresh = entry(99, published=datetime.now(UTC))
    assert _stored(store, feed.id, fresh, *archive) == 1
    assert _stored(store, feed.id, fresh, *archive) == 0
    assert [(e.title, e.read) for e in store.entries()] == [("Titel 99", False)]
    assert store.feed_counts()[feed.id] == (1, 1)
    # A short answer (a server's bad minute) lets none of them go: the next full one brought
    # every dropped entry back, unread.
    assert _forgotten(store) == 5
    assert _stored(store, feed.id, fresh) == 0
    assert _stored(store, feed.id, fresh, *archive) == 0
    # Keys the feed has not listed for a month go: the table stays about as small as the
    # feeds' own lists (an item listed again after that is a new one).
    assert _stored(store, feed.id, fresh, *archive[:2]) == 0
    assert _forgotten(store) == 5
    store.conn.execute("UPDATE entries_forgotten SET unlisted_since = unlisted_since - 2678400")
    store.conn.commit()
    assert _stored(store, feed.id, fresh, *archive[:2]) == 0
    assert _forgotten(store) == 2
    assert _stored(store, feed.id, fresh, *archive) == 3


def test_forgotten_entries_go_with_their_feed(store: Store) -> None:
    feed = store.add_feed("http://example.org/feed")
    assert _stored(store, feed.id, *(entry(i) for i in range(6))) == 6
    store.mark_all_read()
    assert store.prune(max_age_days=0, max_entries_per_feed=2) == 4
    assert _forgotten(store) == 4
    store.remove_feed(feed.id)
    assert _forgotten(store) == 0
    again = store.add_feed("http://example.org/feed")  # subscribed anew: all of it is new
    assert _stored(store, again.id, *(entry(i) for i in range(6))) == 6


def test_a_feed_subscribed_again_takes_back_its_starred_entries(store: Store) -> None:
    """Removing a feed keeps its starred entries, detached; subscribed again, the feed stored
    them a second time, once starred and once new (a helper's tour)."""
    feed = store.add_feed("http://example.org/feed")
    listed = [entry(i) for i in range(4)]
    assert _stored(store, feed.id, *listed) == 4
    kept = next(e for e in store.entries() if e.title == "Titel 2")
    store.set_starred(kept.id, True)
    store.remove_feed(feed.id)
    again = store.add_feed("http://example.org/feed")
    assert _stored(store, again.id, *listed) == 3
    titles = sorted((e.title, e.starred, e.feed_id) for e in store.entries())
    assert titles == [(f"Titel {i}", i == 2, again.id) for i in range(4)]
    assert _kept(store) == _recount(store) == {again.id: (4, 4)}


def test_another_feed_never_takes_a_starred_entry_by_its_key_alone(store: Store) -> None:
    """Guids like "guid-2" are many feeds' own: a new feed listing one took the removed
    feed's starred story and wrote its own item over it (a helper's review)."""
    feed = store.add_feed("http://example.org/feed")
    assert _stored(store, feed.id, entry(2)) == 1
    store.set_starred(store.entries()[0].id, True)
    store.remove_feed(feed.id)
    other = store.add_feed("http://other.example/feed")
    elsewhere = entry(2, title="Andere Meldung", url="http://other.example/2")
    assert _stored(store, other.id, elsewhere) == 1
    rows = sorted((e.title, e.starred, e.feed_id) for e in store.entries())
    assert rows == [("Andere Meldung", False, other.id), ("Titel 2", True, None)]


def _recount(store: Store) -> dict[int, tuple[int, int]]:
    rows = store.conn.execute(
        "SELECT COALESCE(feed_id, 0), COUNT(*), SUM(read = 0) FROM entries"
        " GROUP BY COALESCE(feed_id, 0)"
    ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def _kept(store: Store) -> dict[int, tuple[int, int]]:
    rows = store.conn.execute("SELECT feed_id, entries, unread FROM feed_counts").fetchall()
    return {r[0]: (r[1], r[2]) for r in rows if r[1] or r[2]}


def test_feed_counts_stay_exact_through_every_write(store: Store) -> None:
    """The counters the feed pane reads are kept in the transaction of each write: insert,
    refetch, mark, mark all, prune, remove feed (starred entries detach), a second feed."""
    one = store.add_feed("http://example.org/feed").id
    two = store.add_feed("http://example.org/other").id
    store.record_feed(
        one, feed_of(*(entry(i) for i in range(10))), status=200, etag=None, last_modified=None
    )
    store.record_feed(
        two, feed_of(*(entry(i) for i in range(5))), status=200, etag=None, last_modified=None
    )
    assert _kept(store) == _recount(store) == {one: (10, 10), two: (5, 5)}
    ids = [e.id for e in store.entries(EntryFilter(feed_id=one))]
    store.set_read(ids[:3], True)
    store.set_read(ids[:1], False)
    store.set_read(ids[1:2], True)  # already read: no change
    assert _kept(store) == _recount(store)
    assert {f.id: f.unread for f in store.feeds()} == {one: 8, two: 5}
    store.record_feed(
        one,
        feed_of(*(entry(i, title="neu") for i in range(12))),
        status=200,
        etag=None,
        last_modified=None,
    )
    assert _kept(store) == _recount(store)
    store.mark_all_read(EntryFilter(feed_id=two))
    assert _kept(store) == _recount(store)
    store.set_starred(ids[4], True)
    store.set_read(ids[4:], True)
    assert store.prune(max_age_days=0, max_entries_per_feed=2) > 0
    assert _kept(store) == _recount(store)
    store.remove_feed(one)
    assert _kept(store) == _recount(store)
    assert store.unread_count() == sum(unread for _, unread in _recount(store).values())
    assert [f.id for f in store.feeds()] == [two]
