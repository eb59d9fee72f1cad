"""Entry text stored deflated (core/store/packed_text.py): on the dev corpus, a cache written
before, with its text as TEXT, upgrades without a row rewritten and then reads, searches,
watches and hides exactly like a cache written packed; its rows are packed once their feed
changes them, and the search index stays exact through that."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest

from newsreader.core.article_records import Entry
from newsreader.core.config import HideRule
from newsreader.core.models import EntryFilter
from newsreader.core.parsed import ParsedFeed
from newsreader.core.store import entry_rows, schema
from newsreader.core.store.search_index import entry_text
from newsreader.core.store.store import Store
from tests.integration.test_search_index import _corpus_feeds
from tests.support.search_check import index_drift

_WORD = re.compile(r"[^\W\d_]{4,}")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _fill(path: Path, feeds: list[tuple[str, ParsedFeed]]) -> dict[str, int]:
    store = Store(path)
    ids = {}
    for name, parsed in feeds:
        ids[name] = store.add_feed(f"http://corpus.test/{name}").id
        store.record_feed(ids[name], parsed, status=200, etag=None, last_modified=None)
    store.close()
    return ids


def _types(path: Path) -> Counter[str]:
    raw = sqlite3.connect(path)
    try:
        rows = raw.execute("SELECT typeof(summary), typeof(content) FROM entries").fetchall()
    finally:
        raw.close()
    return Counter(kind for row in rows for kind in row)


def _queries(feeds: list[tuple[str, ParsedFeed]]) -> tuple[list[str], list[str]]:
    """Words common and rare, prefixes, umlauts; and phrases of two words in a row taken from
    the entries' content, which only the stored text can confirm (the index has no order)."""
    words: Counter[str] = Counter()
    phrases = []
    for _, parsed in feeds:
        for e in parsed.entries:
            words.update(_WORD.findall(e.title + " " + e.summary))
            tokens = re.findall(r"\w+", entry_text("", e.summary, e.content)[1])
            pairs = [(a, b) for a, b in pairwise(tokens[3:]) if _WORD.fullmatch(a + b)]
            if pairs:
                phrases.append(" ".join(pairs[0]))
    ranked = [w for w, _ in words.most_common()]
    picked = ranked[:20] + ranked[-20:] + [w[:4] for w in ranked[20:35]]
    picked += [w for w in ranked if any(c in w for c in "äöüßÄÖÜ")][:10]
    return picked, phrases[::3][:25]


def _entries(store: Store) -> dict[int, Entry]:
    """Every entry as the reader shows it; undated ones are dated by the clock at storing,
    which differs between two caches."""
    found = {}
    for summary in store.entries(limit=100_000):
        entry = store.entry(summary.id)
        assert entry is not None
        found[entry.id] = replace(entry, published=_EPOCH)
    return found


def _hidden(store: Store) -> set[int]:
    return {r[0] for r in store.conn.execute("SELECT id FROM entries WHERE hidden = 1")}


def test_an_old_cache_reads_searches_and_hides_like_a_packed_one(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feeds = _corpus_feeds(corpus)
    if not feeds:
        pytest.skip("no parsable feed in the corpus")
    new_path, old_path = tmp_path / "new.sqlite3", tmp_path / "old.sqlite3"
    ids = _fill(new_path, feeds)
    with monkeypatch.context() as patch:  # written as before packing: the text as it is
        patch.setattr(entry_rows, "pack_text", lambda text, *args, **kwargs: text)
        _fill(old_path, feeds)
    raw = sqlite3.connect(old_path)
    raw.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION - 1:d}")
    raw.close()
    old_types = _types(old_path)
    assert set(old_types) == {"text"}
    packed = _types(new_path)
    assert packed["blob"] > 0  # the corpus's longer texts are stored packed

    old, new = Store(old_path), Store(new_path)  # the old one is upgraded here
    assert old.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert _types(old_path) == old_types  # nothing rewritten by the upgrade

    entries = _entries(new)
    assert _entries(old) == entries
    stored = Counter((e.title, e.summary, e.content) for e in entries.values())
    given = Counter((e.title, e.summary, e.content) for _, f in feeds for e in f.entries)
    assert stored == given  # and that is the feeds' own text
    lengths = dict(new.conn.execute("SELECT id, newsreader_length(content) FROM entries"))
    assert lengths == {i: len(e.content) for i, e in entries.items()}

    words, phrases = _queries(feeds)
    assert phrases
    for query in [*words, *(f'"{p}"' for p in phrases)]:
        want = [e.id for e in new.entries(EntryFilter(search=query), limit=100_000)]
        assert [e.id for e in old.entries(EntryFilter(search=query), limit=100_000)] == want
        if query.startswith('"'):
            assert want, query  # each phrase is in the entry it was taken from
    watch = EntryFilter(watch=tuple(phrases[:5]), watched_only=True)
    watched = {e.id: e.watched for e in new.entries(watch, limit=100_000)}
    assert watched
    assert {e.id: e.watched for e in old.entries(watch, limit=100_000)} == watched

    rules = [HideRule(text=phrases[0]), HideRule(text=phrases[-1])]
    assert new.apply_hide_rules(rules) == old.apply_hide_rules(rules) == len(entries)
    assert _hidden(new)
    assert _hidden(old) == _hidden(new)

    # The feeds change every other entry: the upgraded cache unindexes the TEXT rows by their
    # old text, stores the new text packed, and its index stays exact.
    for name, parsed in feeds:
        changed = tuple(
            replace(e, content=e.content + " <p>Nachtrag " + "zur Straßenbahn " * 20 + "</p>")
            if n % 2 == 0
            else e
            for n, e in enumerate(parsed.entries)
        )
        update = replace(parsed, entries=changed)
        for store in (old, new):
            store.record_feed(ids[name], update, status=200, etag=None, last_modified=None)
    assert _types(old_path)["blob"] > old_types["blob"]
    assert index_drift(old.conn) == []
    assert _entries(old) == _entries(new)
    for query in ["Nachtrag", '"zur Straßenbahn"', *words[:10]]:
        want = [e.id for e in new.entries(EntryFilter(search=query), limit=100_000)]
        assert [e.id for e in old.entries(EntryFilter(search=query), limit=100_000)] == want
    old.close()
    new.close()
