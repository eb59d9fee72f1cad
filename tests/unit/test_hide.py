"""Kill rules (issue 14): [[hide]] tables hide entries from listings and counts; bad rules are
warned about with their line and skipped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsreader.core.config import HideRule
from newsreader.core.config_file import load_config
from newsreader.core.models import EntryFilter
from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.store.store import Store

NOW = datetime.now(UTC)

CONFIG = """\
[reader]
refresh_on_start = false

[[hide]]
title = "Horoskop"

[[hide]]   # a typo'd key: warned, skipped
titel = "Gewinnspiel"

[[hide]]
feed = "Westfalen"
paywalled = true

[[hide]]
title = "re:(unbalanced"

[[hide]]
category = "re:^Anzeige$"
"""


def test_bad_rules_are_warned_with_their_line_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load_config(path)
    assert [r.where for r in config.hide] == [
        "[[hide]] #1 (line 4)",
        "[[hide]] #3 (line 10)",
        "[[hide]] #5 (line 17)",
    ]
    assert len(config.warnings) == 2
    assert "[[hide]] #2 (line 7) skipped: unknown key 'titel'" in config.warnings[0]
    assert "[[hide]] #4 (line 14) skipped: title: bad regular expression" in config.warnings[1]
    assert config.reader.refresh_on_start is False  # the rest of the config holds


def _entry(n: int, title: str, **kw: object) -> ParsedEntry:
    return ParsedEntry(
        key=f"k{n}",
        title=title,
        url=f"http://example.org/{n}",
        summary="<p>Text.</p>",
        published=NOW - timedelta(minutes=n),
        **kw,  # type: ignore[arg-type]
    )


def test_hidden_entries_are_neither_listed_nor_counted(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache.sqlite3")
    paper = store.add_feed("http://paper.example/feed", title="Westfalen-Blatt")
    town = store.add_feed("http://town.example/feed", title="Stadt")
    store.record_feed(
        paper.id,
        ParsedFeed(
            title="Westfalen-Blatt",
            site_url=None,
            entries=(
                _entry(1, "Plus: Der neue Bebauungsplan", paywalled=True),
                _entry(2, "Rat tagt"),
                _entry(3, "Ihr Horoskope für heute"),
            ),
        ),
        status=200,
        etag=None,
        last_modified=None,
    )
    store.record_feed(
        town.id,
        ParsedFeed(
            title="Stadt",
            site_url=None,
            entries=(_entry(4, "Sonderangebot", categories=("Anzeige",)), _entry(5, "Fest")),
        ),
        status=200,
        etag=None,
        last_modified=None,
    )
    rules = (
        HideRule(title="Horoskop"),
        HideRule(feed="westfalen", paywalled=True),
        HideRule(category="re:^anzeige$"),
    )
    assert store.apply_hide_rules(rules) == 5
    assert [e.title for e in store.entries()] == ["Rat tagt", "Fest"]
    assert store.count_entries() == 2 and store.unread_count() == 2
    assert {f.title: f.unread for f in store.feeds()} == {"Westfalen-Blatt": 1, "Stadt": 1}
    shown = store.entries(EntryFilter(show_hidden=True))
    assert [e.hidden for e in shown] == [True, False, True, True, False]
    # Unchanged rules: nothing to decide again; changed rules: everything.
    assert store.apply_hide_rules(rules) == 0
    assert store.apply_hide_rules(rules[:1]) == 5
    assert store.count_entries() == 4
    assert store.apply_hide_rules(()) == 0
    assert store.count_entries() == 5
