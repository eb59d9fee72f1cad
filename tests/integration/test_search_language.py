"""The search language on a real cache (issue 14): the store finds exactly what a plain
reading of each query finds, row by row, for generated queries over generated entries and on
the dev corpus; counts agree with listings."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsreader.core.errors import QueryError
from newsreader.core.models import EntryFilter
from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.search_query import Term, parse_query
from newsreader.core.store.packed_text import unpack_text
from newsreader.core.store.store import Store
from newsreader.core.store.textfold import fold, strip_tags
from tests.integration.test_search_index import _corpus_feeds

VOCABULARY = [
    "Stadt", "Stadtrat", "Rat", "Rathaus", "Straße", "Strasse", "Ärger", "Aerger", "Café",
    "Cafe", "Köln", "E-Bike", "Bike", "Unfall", "Brand", "Hammer", "Polizei", "Schule",
]  # fmt: skip
FEEDS = [("Polizei Münster", ["Blaulicht"]), ("Stadt Köln", ["Köln", "Stadt"]), ("Radio", [])]
DAY0 = datetime(2026, 11, 1, tzinfo=UTC)
_TOKEN = re.compile(r"\w+")


def _plain_tokens(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", fold(text))
    return _TOKEN.findall("".join(c for c in decomposed if not unicodedata.combining(c)))


@dataclass(frozen=True)
class Row:
    id: int
    feed_id: int
    feed_title: str
    tags: tuple[str, ...]
    published: datetime
    title: list[str]
    body: list[str]


def _has_run(tokens: list[str], words: list[str], *, prefix: bool) -> bool:
    for start in range(len(tokens) - len(words) + 1):
        window = tokens[start : start + len(words)]
        if all(t.startswith(w) if prefix else t == w for t, w in zip(window, words, strict=True)):
            return True
    return False


def _term_matches(term: Term, row: Row) -> bool:
    """The reading the docs give, spelled out on tokens (no SQL, no regular expressions)."""
    if term.kind == "before":
        assert term.day is not None
        hit = row.published < term.day_starts()
    elif term.kind == "after":
        hit = row.published >= term.day_starts()
    elif term.kind == "tag":
        hit = any(fold(t) == fold(term.text.strip()) for t in row.tags)
    elif term.kind == "feed":
        words = _plain_tokens(term.text)
        number = not term.exact and term.text.strip().isdigit()
        hit = (number and int(term.text) == row.feed_id) or _has_run(
            _plain_tokens(row.feed_title), words, prefix=True
        )
    else:
        words = _plain_tokens(term.text)
        tokens = row.title + row.body
        if term.exact and len(words) > 1:
            hit = _has_run(row.title, words, prefix=False) or _has_run(
                row.body, words, prefix=False
            )
        elif term.exact:
            hit = words[0] in tokens
        else:
            hit = all(any(t.startswith(w) for t in tokens) for w in words)
    return hit != term.negated


def _expected(query: str, rows: list[Row]) -> set[int]:
    parsed = parse_query(query)
    if not parsed.groups:
        return set()
    return {r.id for r in rows if all(any(_term_matches(t, r) for t in g) for g in parsed.groups)}


def _rows(store: Store) -> list[Row]:
    feeds = {f.id: f for f in store.feeds()}
    rows = []
    for r in store.conn.execute("SELECT id, feed_id, title, summary, content FROM entries"):
        entry = store.entry_without_teasers(r["id"])
        assert entry is not None
        feed = feeds[r["feed_id"]]
        body = strip_tags(unpack_text(r["summary"]) + " " + unpack_text(r["content"]))
        rows.append(
            Row(
                r["id"],
                feed.id,
                feed.title,
                feed.tags,
                entry.published,
                _plain_tokens(r["title"]),
                _plain_tokens(body),
            )
        )
    return rows


def _found(store: Store, query: str) -> set[int]:
    found = [e.id for e in store.entries(EntryFilter(search=query), limit=100_000)]
    assert len(found) == len(set(found))
    assert store.count_entries(EntryFilter(search=query)) == len(found)
    return set(found)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, list[Row]]]:
    store = Store(tmp_path_factory.mktemp("search") / "c.sqlite3")
    pick = random.Random(14)
    for f, (title, tags) in enumerate(FEEDS):
        feed = store.add_feed(f"http://example.org/{f}", title=title, tags=tags)
        items = tuple(
            ParsedEntry(
                key=f"{f}-{n}",
                title=" ".join(pick.choices(VOCABULARY, k=3)),
                summary="<p>" + ", ".join(pick.choices(VOCABULARY, k=6)) + "</p>",
                published=DAY0 + timedelta(hours=7 * n + f),
            )
            for n in range(60)
        )
        store.record_feed(
            feed.id, ParsedFeed(title, None, items), status=200, etag=None, last_modified=None
        )
    yield store, _rows(store)
    store.close()


_WORD = st.sampled_from([*VOCABULARY, "sta", "ra", "cafe", "koeln", "str"])
_TERM = st.one_of(
    st.builds(lambda w, n: ("-" if n else "") + w, _WORD, st.booleans()),
    st.builds(
        lambda ws, n: ("-" if n else "") + '"' + " ".join(ws) + '"',
        st.lists(_WORD, min_size=1, max_size=2),
        st.booleans(),
    ),
    st.builds(
        lambda k, v, n: ("-" if n else "") + f"{k}:{v}",
        st.sampled_from(["feed", "tag"]),
        st.sampled_from(["Polizei", "köln", "Stadt", "Radio", "1", "Blaulicht", "Pol"]),
        st.booleans(),
    ),
    st.builds(
        lambda k, d: f"{k}:{d:%Y-%m-%d}",
        st.sampled_from(["before", "after"]),
        st.dates(date(2026, 11, 1), date(2026, 12, 1)),
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(_TERM, min_size=1, max_size=3), min_size=1, max_size=3))
def test_the_store_finds_what_the_query_says(
    generated: tuple[Store, list[Row]], groups: list[list[str]]
) -> None:
    """Property: listing and count agree with the token-by-token reading of the query."""
    store, rows = generated
    query = " ".join(" OR ".join(group) for group in groups)
    assert _found(store, query) == _expected(query, rows), query


@pytest.mark.parametrize(
    "query",
    [
        "Stadt",
        '"Stadt"',
        "rat OR brand",
        '"Hammer Straße"',
        '"hammer strasse" -unfall',
        "-stadt -rat",
        "cafe",  # finds Café too: diacritics are folded on both sides
        '"Café Köln"',
        "feed:polizei unfall",
        "tag:köln OR tag:blaulicht",
        "after:2026-11-05 before:2026-11-08 schule",
        "e-bike",
    ],
)
def test_chosen_queries(generated: tuple[Store, list[Row]], query: str) -> None:
    store, rows = generated
    expected = _expected(query, rows)
    assert expected, f"{query!r} should find something in the generated cache"
    assert _found(store, query) == expected


def test_a_phrase_is_not_two_words_anywhere(generated: tuple[Store, list[Row]]) -> None:
    store, _ = generated
    both = _found(store, "hammer strasse")
    phrase = _found(store, '"hammer strasse"')
    assert phrase < both  # the index alone would have given `both`


def test_a_bad_query_raises_a_query_error(generated: tuple[Store, list[Row]]) -> None:
    store, _ = generated
    with pytest.raises(QueryError):
        store.entries(EntryFilter(search='"Hammer Straße'))


def test_the_language_on_the_dev_corpus(corpus: Path, tmp_path: Path) -> None:
    feeds = _corpus_feeds(corpus)
    if not feeds:
        pytest.skip("no parsable feed in the corpus")
    store = Store(tmp_path / "c.sqlite3")
    for name, parsed in feeds:
        feed = store.add_feed(f"http://corpus.test/{name}", tags=[name.split("_")[0]])
        store.record_feed(feed.id, parsed, status=200, etag=None, last_modified=None)
    rows = _rows(store)
    tag = store.feeds()[0].tags[0]
    queries = [
        "polizei OR feuerwehr",
        '"der Stadt"',
        "stadt -polizei",
        '-"in der"',
        f"tag:{tag} OR unfall",
        f"feed:{store.feeds()[1].id}",
        "muenster OR koeln",
        '"Münster" OR "Köln" -"Lesen Sie auch"',
    ]
    for query in queries:
        expected = _expected(query, rows)
        assert _found(store, query) == expected, query
    assert any(_expected(q, rows) for q in queries[:3])


def test_feed_search_with_a_feed_that_has_no_title(tmp_path: Path) -> None:
    """An outline imported without a title leaves its feed untitled. Every `feed:` search
    failed on such a cache ("user-defined function raised exception"), in the reader too;
    the untitled feed is found by its address, what the reader shows for it."""
    store = Store(tmp_path / "c.sqlite3")
    untitled = store.add_feed("http://lokal.example/stadtwerke.xml")
    named = store.add_feed("http://polizei.example/feed.xml", title="Polizei Münster")
    ids: dict[int, set[int]] = {}
    for feed, word in ((untitled, "Wasserrohrbruch"), (named, "Unfall")):
        entries = tuple(
            ParsedEntry(key=f"{feed.id}-{n}", title=f"{word} {n}", published=DAY0) for n in range(3)
        )
        store.record_feed(
            feed.id, ParsedFeed(None, None, entries), status=200, etag=None, last_modified=None
        )
        ids[feed.id] = {e.id for e in store.entries(EntryFilter(feed_id=feed.id))}
    stored = store.conn.execute("SELECT title FROM feeds WHERE id = ?", (untitled.id,))
    assert stored.fetchone()[0] is None
    assert _found(store, "feed:muenster") == ids[named.id]
    assert _found(store, "feed:stadtwerke") == ids[untitled.id]
    assert _found(store, f"feed:{untitled.id} OR feed:polizei") == ids[untitled.id] | ids[named.id]
    assert _found(store, "-feed:polizei") == ids[untitled.id]


def test_a_quoted_number_is_a_feed_title_and_a_huge_one_no_id(tmp_path: Path) -> None:
    """`S` saves a feed as feed:"Its Title": for a feed titled "1" that also took feed 1's
    entries. And an id beyond SQLite's 64 bits raised OverflowError, in the reader too
    (helper's tour)."""
    store = Store(tmp_path / "c.sqlite3")
    first = store.add_feed("http://lokal.example/stadtwerke.xml", title="Stadtwerke")
    numbered = store.add_feed("http://lokal.example/eins.xml", title=str(first.id))
    ids: dict[int, set[int]] = {}
    for feed in (first, numbered):
        entries = tuple(
            ParsedEntry(key=f"{feed.id}-{n}", title=f"Meldung {n}", published=DAY0)
            for n in range(2)
        )
        store.record_feed(
            feed.id, ParsedFeed(None, None, entries), status=200, etag=None, last_modified=None
        )
        ids[feed.id] = {e.id for e in store.entries(EntryFilter(feed_id=feed.id))}
    assert _found(store, f'feed:"{first.id}"') == ids[numbered.id]
    assert _found(store, f"feed:{first.id}") == ids[first.id] | ids[numbered.id]
    assert _found(store, "feed:" + "9" * 20) == set()
    assert store.count_entries(EntryFilter(search="feed:" + "9" * 20)) == 0
