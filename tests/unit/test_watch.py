"""Watch words (issue 14): folded like search, word prefixes, multi-word in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsreader.core.article_records import Page
from newsreader.core.config_file import load_config
from newsreader.core.errors import ConfigError
from newsreader.core.models import EntryFilter
from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.store.store import Store
from newsreader.core.store.watch import matching_word

WORDS = ("Hammer Straße", "Kreuzviertel", "Gesamtschule")
NOW = datetime.now(UTC)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Unfall an der HAMMER STRASSE am Morgen", "Hammer Straße"),
        ("Baustelle Hammer Strasse, Höhe Nr. 5", "Hammer Straße"),
        ("Die Gesamtschulen der Stadt", "Gesamtschule"),
        ("Fest im kreuzviertel", "Kreuzviertel"),
        ("Die Straße nach Hamm: ein Hammer", None),  # both words, not in that order
        ("Der Vorschlaghammer Straßenfest", None),  # a prefix of a word, not inside one
        ("Hammerschmidt Straßenbahn", "Hammer Straße"),  # each word a prefix
    ],
)
def test_match_folded_prefix_in_order(text: str, word: str | None) -> None:
    assert matching_word(text, WORDS) == word


def _entry(n: int, title: str, summary: str = "") -> ParsedEntry:
    return ParsedEntry(
        key=f"k{n}",
        title=title,
        url=f"http://example.org/{n}",
        summary=summary or "<p>Nichts Besonderes.</p>",
        published=NOW - timedelta(minutes=n),
    )


def test_watched_rows_and_filter_include_page_text(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache.sqlite3")
    feed = store.add_feed("http://example.org/feed")
    entries = (
        _entry(1, "Sperrung an der Hammer Straße"),
        _entry(2, "Neues aus dem Rat", "<p>Im Kreuzviertel wird gebaut.</p>"),
        _entry(3, "Straße nach Hamm gesperrt"),
        _entry(4, "Schulen im Überblick"),
    )
    store.record_feed(
        feed.id,
        ParsedFeed(title="Stadt", site_url=None, entries=entries),
        status=200,
        etag=None,
        last_modified=None,
    )
    watch = EntryFilter(watch=WORDS)
    rows = {r.title: r.watched for r in store.entries(watch)}
    assert rows == {
        "Sperrung an der Hammer Straße": "Hammer Straße",
        "Neues aus dem Rat": "Kreuzviertel",
        "Straße nach Hamm gesperrt": None,
        "Schulen im Überblick": None,
    }
    only = EntryFilter(watch=WORDS, watched_only=True)
    assert [r.title for r in store.entries(only)] == [
        "Sperrung an der Hammer Straße",
        "Neues aus dem Rat",
    ]
    # Text fetched from the page counts too.
    store.save_page(
        Page(
            url="http://example.org/4",
            final_url="http://example.org/4",
            fetched_at=NOW,
            text="Die Gesamtschulen bekommen neue Räume.",
        ),
        b"<html></html>",
    )
    assert store.count_entries(only) == 3
    store.set_read([store.entries(only)[0].id])
    assert store.count_entries(EntryFilter(watch=WORDS, watched_only=True, unread=True)) == 2


def test_watch_config_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[watch]\nwords = ["Hammer Straße", "Kreuzviertel"]\n', encoding="utf-8")
    assert load_config(path).watch.words == ("Hammer Straße", "Kreuzviertel")
    path.write_text('[watch]\nwords = "Kreuzviertel"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"watch\.words"):
        load_config(path)
