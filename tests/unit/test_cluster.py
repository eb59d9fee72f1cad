"""One story once (issue 14): versions of one story form a cluster, other stories stay apart."""

from __future__ import annotations

import random
import re
import time
import zlib
from datetime import UTC, datetime, timedelta
from functools import partialmethod
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from newsreader.core.article_records import Page
from newsreader.core.cluster.near import same_story, sketch, story_text, text_words
from newsreader.core.models import EntryFilter
from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.store import clusters
from newsreader.core.store.store import Store
from tests.support.stories import (
    POLICE_REPORTS,
    POLICE_TEMPLATE,
    Version,
    farm_items_now,
    html,
    paragraphs,
    reprints,
)

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(params=["pass", "worker"])
def store(tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A cache whose entries the pass sketches, or (as a refresh's workers do) whose new
    entries are sketched as they are stored: the same clusters either way."""
    if request.param == "worker":
        monkeypatch.setattr(
            Store, "prepare_feed", partialmethod(Store.prepare_feed, sketch_after=0)
        )
    return Store(tmp_path / "cache.sqlite3")


def _store_versions(store: Store, versions: list[Version], prefix: str) -> list[int]:
    """Each version in a feed of its own; returns the entry ids in order."""
    ids = []
    for i, version in enumerate(versions):
        feed = store.add_feed(f"http://{prefix}{i}.example/feed", title=version.feed)
        item = ParsedEntry(
            key=f"{prefix}-{i}",
            title=version.title,
            url=f"http://{prefix}{i}.example/story",
            content=version.html,
            paywalled=version.paywalled,
            published=NOW - timedelta(hours=1) + timedelta(minutes=i),  # reprints come later
        )
        store.record_feed(
            feed.id,
            ParsedFeed(title=version.feed, site_url=None, entries=(item,)),
            status=200,
            etag=None,
            last_modified=None,
        )
        ids.append(store.entries(EntryFilter(feed_id=feed.id))[0].id)
    return ids


def _cluster_of(store: Store, entry_id: int) -> int | None:
    entry = store.entries_at(limit=1000)
    by_id = {e.id: e.cluster_id for e in entry}
    if entry_id in by_id:
        return by_id[entry_id]
    row = store.conn.execute("SELECT cluster_id FROM entries WHERE id = ?", (entry_id,))
    return row.fetchone()[0]  # type: ignore[no-any-return]


def test_reprints_of_one_article_form_one_cluster_and_others_stay_apart(
    store: Store, corpus: Path
) -> None:
    gold = corpus / "pages" / "german-news-gold"
    nancy = _store_versions(
        store, reprints(paragraphs(gold / "spiegel_nancy.txt"), "Pelosi lädt Trump aus"), "n"
    )
    other = _store_versions(
        store,
        [
            Version(
                "Presseamt",
                "Venezuela",
                "".join(f"<p>{p}</p>" for p in paragraphs(gold / "spiegel_venezuela.txt")),
            )
        ],
        "v",
    )
    police = _store_versions(
        store,
        [
            Version("Polizei Münster", f"Einbruch {i}", f"<p>{r}</p>")
            for i, r in enumerate(POLICE_REPORTS)
        ],
        "p",
    )
    assert store.cluster_recent() == len(nancy) - 1

    clusters = {_cluster_of(store, i) for i in nancy}
    assert len(clusters) == 1 and None not in clusters
    assert _cluster_of(store, other[0]) is None
    assert [_cluster_of(store, i) for i in police] == [None, None]

    rows = store.entries()
    assert sum(1 for r in rows if r.id in nancy) == 1  # listed once ...
    (row,) = (r for r in rows if r.id in nancy)
    assert row.versions == len(nancy)
    assert store.count_entries() == len(nancy) + len(other) + len(police)  # ... counted all

    versions = store.story_versions(nancy[3])
    assert {v.id for v in versions} == set(nancy)
    # Full text over teaser, free over paywalled, the original over a later reprint.
    assert versions[0].id == nancy[0]
    assert versions[-1].paywalled and versions[-1].id == nancy[-1]


def test_reading_one_version_reads_them_all_and_a_feed_shows_its_version(
    store: Store, corpus: Path
) -> None:
    gold = corpus / "pages" / "german-news-gold"
    nancy = _store_versions(
        store, reprints(paragraphs(gold / "spiegel_nancy.txt"), "Pelosi lädt Trump aus"), "n"
    )
    store.cluster_recent()
    feed_of_fourth = store.conn.execute(
        "SELECT feed_id FROM entries WHERE id = ?", (nancy[3],)
    ).fetchone()[0]
    assert [e.id for e in store.entries(EntryFilter(feed_id=feed_of_fourth))] == [nancy[3]]

    store.set_read([nancy[2]])
    assert store.count_entries(EntryFilter(unread=True)) == 0
    assert store.entries(EntryFilter(unread=True)) == []
    store.set_read([nancy[5]], read=False)
    assert store.count_entries(EntryFilter(unread=True)) == len(nancy)


def test_a_version_arriving_for_a_story_already_read_comes_in_read(
    store: Store, corpus: Path
) -> None:
    versions = reprints(paragraphs(corpus / "pages/german-news-gold/spiegel_nancy.txt"), "T")
    first = _store_versions(store, versions[:1], "a")
    store.cluster_recent()
    store.set_read(first)
    late = _store_versions(store, versions[3:4], "b")
    store.cluster_recent()
    assert store.count_entries(EntryFilter(unread=True)) == 0
    assert _cluster_of(store, late[0]) == _cluster_of(store, first[0]) is not None


def _count_rewrites(store: Store) -> None:
    """From here on, every row whose cluster_id an UPDATE writes, changed or not."""
    store.conn.execute("CREATE TEMP TABLE rewritten (id INTEGER)")
    store.conn.execute(
        """CREATE TEMP TRIGGER count_rewrites AFTER UPDATE OF cluster_id ON main.entries
           BEGIN INSERT INTO rewritten VALUES (new.id); END"""
    )


def _rewritten(store: Store) -> list[int]:
    return sorted(row[0] for row in store.conn.execute("SELECT id FROM temp.rewritten"))


def test_a_version_joining_a_big_story_rewrites_only_its_own_row(
    store: Store, corpus: Path
) -> None:
    # Rewriting every member on each join made a pass quadratic in the story's size.
    text = html(paragraphs(corpus / "pages/german-news-gold/spiegel_nancy.txt"))
    many = _store_versions(store, [Version(f"Blatt {i}", "Pelosi", text) for i in range(40)], "m")
    store.cluster_recent()
    (label,) = {_cluster_of(store, i) for i in many}
    assert label is not None
    _count_rewrites(store)
    late = _store_versions(store, [Version("Spätausgabe", "Pelosi", text)], "late")
    assert store.cluster_recent() == 1
    assert _cluster_of(store, late[0]) == label
    assert _rewritten(store) == late


def test_a_version_both_stories_hold_merges_them_under_the_older_label(
    store: Store, corpus: Path
) -> None:
    gold = corpus / "pages" / "german-news-gold"
    nancy = html(paragraphs(gold / "spiegel_nancy.txt"))
    venezuela = html(paragraphs(gold / "spiegel_venezuela.txt"))
    first = _store_versions(store, [Version(f"A{i}", "Pelosi", nancy) for i in range(3)], "a")
    second = _store_versions(store, [Version(f"B{i}", "Caracas", venezuela) for i in range(3)], "b")
    store.cluster_recent()
    (label_first,) = {_cluster_of(store, i) for i in first}
    (label_second,) = {_cluster_of(store, i) for i in second}
    assert None not in (label_first, label_second) and label_first != label_second
    _count_rewrites(store)
    both = _store_versions(store, [Version("Sammelband", "Beides", nancy + venezuela)], "x")
    store.cluster_recent()
    merged = {_cluster_of(store, i) for i in [*first, *second, *both]}
    assert merged == {label_first}  # the lower label: the story first clustered
    assert _rewritten(store) == sorted([*second, *both])  # the first story's rows stay


def test_a_teaser_joins_its_story_when_the_page_text_arrives(store: Store, corpus: Path) -> None:
    paras = paragraphs(corpus / "pages/german-news-gold/spiegel_nancy.txt")
    (full,) = _store_versions(
        store, [Version("Presseamt", "Pelosi", "".join(f"<p>{p}</p>" for p in paras))], "f"
    )
    (teaser,) = _store_versions(
        store, [Version("Kurier", "Streit um die Rede", "<p>Ein Streit in Washington.</p>")], "t"
    )
    assert store.cluster_recent() == 0
    page_text = "Eine neue Einleitung.\n\n" + "\n\n".join(paras[1:])
    store.save_page(
        Page(
            url="http://t0.example/story",
            final_url="http://t0.example/story",
            fetched_at=NOW,
            text=page_text,
        ),
        b"<html></html>",
    )
    assert store.cluster_recent() == 1
    assert _cluster_of(store, teaser) == _cluster_of(store, full) is not None


def test_bench_farm_items_stay_apart(store: Store) -> None:
    for index in range(6):
        feed = store.add_feed(f"http://farm{index}.example/feed")
        items = tuple(farm_items_now(index, feed.url, NOW))
        store.record_feed(
            feed.id,
            ParsedFeed(title="farm", site_url=None, entries=items),
            status=200,
            etag=None,
            last_modified=None,
        )
    assert store.count_entries() > 150
    assert store.cluster_recent() == 0


_GERMAN = st.sampled_from(list("aäoöuüßAÄÖÜ_19²½ .,:;!?-/()'\"„“”‚‘’–—…•€\u00a0\u00ad\u200b\n\t"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_GERMAN, st.characters()), max_size=60).map("".join))
def test_text_words_are_the_words_the_regex_finds(text: str) -> None:
    """The fast paths (Latin-1 bytes, the quotes and dashes beyond it) and the regex for
    other scripts cut the same words: a stored sketch stays comparable with a new one."""
    assert text_words(text) == re.findall(r"\w+", text.lower())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_GERMAN, st.characters()), max_size=60).map("".join))
def test_shingles_hash_the_utf8_of_the_words_whichever_path_cuts_them(text: str) -> None:
    """Word ids are the CRC-32 of each word's UTF-8 and a shingle the tuple hash of four, on
    the Latin-1 path as on the regex one: the hashes stored in a cache's samples stay valid."""
    words = re.findall(r"\w+", text.lower())
    ids = [zlib.crc32(word.encode()) for word in words]
    shingles = story_text(text)
    grams = zip(ids, ids[1:], ids[2:], ids[3:], strict=False)
    assert shingles.sequence == tuple(map(hash, grams))
    assert shingles.numbers == {word for word in words if not word.isalpha()}


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 260).flatmap(
        lambda size: st.lists(
            st.sampled_from([f"w{n}" for n in range(60)] + ["Straße", "Köln", "„Zeugen“", "3:1"]),
            min_size=size,
            max_size=size,
        ).map(" ".join)
    )
)
def test_a_workers_sketch_keeps_what_the_pass_would(text: str) -> None:
    """`sketch` (a refresh's worker, for cluster_pending) gives what `story_text` (the pass)
    keeps for lookup, short texts (every shingle) and long ones (the MOD-16 sample) alike:
    pending and stored sketches meet in one lookup."""
    ids = [zlib.crc32(word.encode()) for word in re.findall(r"\w+", text.lower())]
    shingles = set(map(hash, zip(ids, ids[1:], ids[2:], ids[3:], strict=False)))
    modded = {h for h in shingles if h % 16 == 0}
    count, sampled, sample = sketch(text)
    assert (count, sampled) == (len(shingles), len(modded))
    assert sorted(sample) == sorted(shingles if len(shingles) < 64 else modded)
    whole = story_text(text)
    assert (len(whole.shingles), whole.sampled, sorted(whole.sample)) == (
        count,
        sampled,
        sorted(sample),
    )


# Letters only: words with digits count as numbers, which have a check of their own.
_WORDS = [f"wort{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(400)]
_NAMES = st.lists(st.sampled_from(_WORDS), min_size=10, max_size=10, unique=True)
_NUMBERS = st.lists(st.integers(1, 9999), min_size=3, max_size=3, unique=True)


def _report(names: list[str], numbers: list[int]) -> str:
    return POLICE_TEMPLATE.format(
        day=names[0],
        time=numbers[0],
        street=names[1] + " Straße",
        district=names[2],
        door=names[3],
        loot=names[4] + " und " + names[5],
        value=numbers[1],
        age=numbers[2],
        time2=names[6],
        direction=names[7],
    )


@settings(max_examples=150, deadline=None)
@given(_NAMES, _NUMBERS, _NAMES, _NUMBERS)
def test_two_stories_from_one_template_never_cluster(
    names_a: list[str], numbers_a: list[int], names_b: list[str], numbers_b: list[int]
) -> None:
    # Stories differ when their filled-in facts differ: most names, and the numbers.
    if len(set(names_a) & set(names_b)) > 3 or set(numbers_a) & set(numbers_b):
        return
    assert not same_story(
        story_text(_report(names_a, numbers_a)), story_text(_report(names_b, numbers_b))
    )


_SENTENCES = st.lists(
    st.lists(st.sampled_from(_WORDS), min_size=8, max_size=20, unique=True).map(" ".join),
    min_size=6,
    max_size=14,
)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(_SENTENCES, st.randoms(use_true_random=False))
def test_an_article_and_its_edits_are_one_story(sentences: list[str], rnd: random.Random) -> None:
    """Property: the edit classes (new first sentence, cut end, credit line, Lesen Sie auch)
    keep a text one story; a different text of the same vocabulary is another."""
    original = ". ".join(sentences)
    text = story_text(original)
    # An article, not a phrase said over and over: few of its 4-grams repeat.
    assume(len(text.shingles) > 60 and len(text.shingles) > 0.9 * len(text.sequence))
    cut = rnd.randint(len(sentences) * 2 // 3, len(sentences))
    edited = ". ".join(
        ["Wie erst jetzt bekannt wurde", *sentences[1:cut], "(dpa/lno) Lesen Sie auch"]
    )
    assert same_story(story_text(original), story_text(edited))
    # Same words, other sentences: no 4-gram of a sentence of distinct words survives reversal.
    other = ". ".join(" ".join(reversed(s.split())) for s in sentences)
    assert not same_story(story_text(original), story_text(other))


def test_one_feeds_articles_behind_one_stub_page_stay_apart(store: Store) -> None:
    """A site's subscription stub reads the same on every article it blocks."""
    stub = "\n\n".join(
        ["Dieser Artikel ist nur für Abonnentinnen und Abonnenten unserer Zeitung lesbar."] * 2
        + ["Jetzt vier Wochen lang alle Artikel auf unserer Seite für nur einen Euro lesen."]
    )
    feed = store.add_feed("http://paper.example/feed", title="Tageblatt")
    items = tuple(
        ParsedEntry(
            key=f"k{n}",
            title=f"Artikel {n}",
            url=f"http://paper.example/{n}",
            summary=f"<p>Kurz {n}.</p>",
            published=NOW - timedelta(minutes=n),
        )
        for n in range(2)
    )
    store.record_feed(
        feed.id,
        ParsedFeed(title="Tageblatt", site_url=None, entries=items),
        status=200,
        etag=None,
        last_modified=None,
    )
    for n in range(2):
        url = f"http://paper.example/{n}"
        store.save_page(Page(url=url, final_url=url, fetched_at=NOW, text=stub), None)
    assert store.cluster_recent() == 0


@pytest.mark.parametrize("threads", [1, 2])
def test_a_pass_gives_up_the_gil_only_where_another_thread_waits(
    store: Store, monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    """A thread of the reader's process lets the UI thread run between entries; a refresh's
    worker process has no other thread, and a pause there is CPU and time slices lost."""
    versions = [
        Version(f"Blatt {i}", f"Meldung {i}", f"<p>{' '.join(['Text'] * 60)} {i}</p>")
        for i in range(4)
    ]
    _store_versions(store, versions, "y")
    pauses: list[float] = []
    # Only the clustering module's view of threads and of sleep: the test runner's are real.
    monkeypatch.setattr(clusters, "threading", SimpleNamespace(active_count=lambda: threads))
    monkeypatch.setattr(clusters, "time", SimpleNamespace(sleep=pauses.append, time=time.time))
    store.cluster_recent()
    assert (len(pauses) > 0) == (threads > 1)
