"""Saved searches (issue 14.4, 14.6): [[search]] tables in config.toml, bad ones warned about
by index and header line and skipped; those saved in the cache; `articles --search` in the
search language and `articles --saved NAME`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsreader.core.config import SavedSearch
from newsreader.core.config_file import load_config
from newsreader.core.models import EntryFilter
from newsreader.core.store.saved_searches import search_filter
from newsreader.core.store.store import Store
from tests.support.cli import run
from tests.support.feedgen import Item, items, rss
from tests.support.loopback import LoopbackServer

CONFIG = """\
[reader]
refresh_on_start = false

[[search]]
name = "Baustellen"
query = "baustelle OR sperrung"
unread = true
tag = "Münster"

[[search]]   # 2: an unclosed quote
name = "Kaputt"
query = '"Hammer Straße'

[[search]]
name = "Ohne Anfrage"

[[search]]
name = "Baustellen"
query = "doppelt"

[[search]]
name = "Tippfehler"
query = "x"
unred = true

[[search]]
name = "Zu früh"
query = "before:2026-02-30"

[[search]]
name = "Polizei"
query = 'feed:Polizei -"Lesen Sie auch"'
"""


def test_search_tables_are_read_and_bad_ones_named_by_index_and_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load_config(path)
    assert config.searches == (
        SavedSearch(
            "Baustellen",
            "baustelle OR sperrung",
            unread=True,
            tag="Münster",
            where="[[search]] #1 (line 4)",
        ),
        SavedSearch("Polizei", 'feed:Polizei -"Lesen Sie auch"', where="[[search]] #7 (line 30)"),
    )
    warnings = [w.removeprefix(f"{path}: ") for w in config.warnings]
    assert warnings == [
        "[[search]] #2 (line 10) skipped: search '\"Hammer Straße': the quote at character 1 "
        'is never closed (a phrase goes between two ")',
        "[[search]] #3 (line 14) skipped: a search needs a name and a query",
        "[[search]] #4 (line 17) skipped: a search named 'Baustellen' is defined above",
        "[[search]] #5 (line 21) skipped: unknown key 'unred' (one of name, query, unread, "
        "tag, starred)",
        "[[search]] #6 (line 26) skipped: search 'before:2026-02-30': before: wants a day as "
        "YYYY-MM-DD, not '2026-02-30'",
    ]


def test_the_cache_keeps_saved_searches_by_name(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3")
    assert store.saved_searches() == []
    store.save_search(SavedSearch("Rat", "stadtrat OR rathaus", tag="Köln"))
    store.save_search(SavedSearch("Alles ungelesen", unread=True, starred=True))
    store.set_setting("search_mode", "unrelated")  # other settings are no saved search
    store.save_search(SavedSearch("Rat", '"Rat der Stadt"'))  # replaces the first
    store.close()
    store = Store(tmp_path / "c.sqlite3")
    assert store.saved_searches() == [
        SavedSearch("Alles ungelesen", unread=True, starred=True, in_cache=True),
        SavedSearch("Rat", '"Rat der Stadt"', in_cache=True),
    ]
    assert search_filter(store.saved_searches()[0]) == EntryFilter(unread=True, starred=True)
    assert store.delete_saved_search("Rat") and not store.delete_saved_search("Rat")
    assert [s.name for s in store.saved_searches()] == ["Alles ungelesen"]


def _subscribe(server: LoopbackServer, capsys: pytest.CaptureFixture[str]) -> None:
    feed = [
        *items(4),
        Item("Baustelle an der Hammer Straße", "http://example.org/b1", "b1"),
        Item("Sperrung: Straße nach Hamm", "http://example.org/b2", "b2"),
        Item("Hammer Straße: Baustelle verschoben", "http://example.org/b3", "b3"),
    ]
    code, _, _ = run(capsys, "add", server.route("/feed.xml", rss(feed)), "--tag", "Münster")
    assert code == 0


def _titles(out: str) -> list[str]:
    return [row["title"] for row in json.loads(out)]


def test_articles_search_speaks_the_language(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _subscribe(server, capsys)
    code, out, err = run(capsys, "articles", "--search", '"hammer strasse" -verschoben', "--json")
    assert (code, err) == (0, "")
    assert _titles(out) == ["Baustelle an der Hammer Straße"]
    code, out, _ = run(capsys, "articles", "--search", "baustelle OR sperrung", "--json")
    assert sorted(_titles(out)) == [
        "Baustelle an der Hammer Straße",
        "Hammer Straße: Baustelle verschoben",
        "Sperrung: Straße nach Hamm",
    ]
    code, out, err = run(capsys, "articles", "--search", 'Baustelle OR "Hammer')
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "never closed" in err and "Traceback" not in err


def test_articles_saved_lists_a_config_or_cache_search(
    server: LoopbackServer, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _subscribe(server, capsys)
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")  # the data_dir fixture's
    Store.in_dir(data_dir).save_search(SavedSearch("Hamm", '"Straße nach Hamm"'))
    Store.in_dir(data_dir).save_search(SavedSearch("Straße Münster", "sperrung"))
    # a name is folded as tags are: "strasse muenster" is "Straße Münster" (a helper's tour)
    code, out, _ = run(capsys, "articles", "--saved", "STRASSE muenster", "--json")
    assert code == 0 and _titles(out) == ["Sperrung: Straße nach Hamm"]
    code, out, err = run(capsys, "articles", "--saved", "baustellen", "--json")
    assert code == 0 and "[[search]] #2 (line 10) skipped" in err
    assert len(_titles(out)) == 3
    # The flags narrow it; a quoted word is whole ("Hammer" stays).
    code, out, _ = run(capsys, "articles", "--saved", "Baustellen", '--search=-"Hamm"', "--json")
    assert sorted(_titles(out)) == [
        "Baustelle an der Hammer Straße",
        "Hammer Straße: Baustelle verschoben",
    ]
    code, out, _ = run(capsys, "articles", "--saved", "Hamm", "--json")
    assert _titles(out) == ["Sperrung: Straße nach Hamm"]
    # Nothing left: said on stderr, as for --search (it printed nothing at all).
    code, out, err = run(capsys, "articles", "--saved", "Hamm", "--search", "Baustelle")
    assert code == 0 and out == ""
    assert "no matches for 'Baustelle'" in err
    code, out, err = run(capsys, "articles", "--saved", "Hamm", "--unread", "--starred")
    assert code == 0 and out == "" and "the saved search 'Hamm' lists nothing" in err
    code, out, err = run(capsys, "articles", "--saved", "Nichts")
    assert code == 2 and out == ""
    assert "no saved search named 'Nichts'; saved searches: 'Baustellen', 'Polizei', 'Hamm'," in err
