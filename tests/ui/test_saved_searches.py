"""Saved searches in the reader (issue 14.4): the feed pane's section with unread counts, `S`
to save the search or filter in force into the cache, `d` to delete one saved there, and the
search field's word on a query it cannot read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from newsreader.core.config import Config, SavedSearch
from newsreader.core.models import EntryFilter
from newsreader.core.store.saved_searches import feed_term
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.confirm_dialog import ConfirmDialog
from newsreader.ui.feed_pane import FeedPane
from newsreader.ui.help_screen import HelpScreen
from newsreader.ui.saved_searches import SaveSearchDialog, SearchCounter, count_round
from tests.ui.conftest import Notes, clock, keys, sample_cache, wait_for, writes_done

Snap = Callable[..., bool]

SEARCHES = (
    SavedSearch("Verkehr", "sperrung OR fahrradstrasse", where="[[search]] #1 (line 3)"),
    SavedSearch("Ungelesen lokal", "", unread=True, tag="lokal", where="[[search]] #2 (line 7)"),
    SavedSearch("[b]Fett[/b]", '"Polizei sucht"', where="[[search]] #3 (line 11)"),
)


@pytest.fixture(autouse=True)
def short_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    """A round still waits for quiet, but not the reader's half second: these tests type no
    bursts, and every count they check is waited for."""
    monkeypatch.setattr(SearchCounter, "QUIET_SECONDS", 0.05)


@pytest.fixture
def searching(config: Config) -> Config:
    return replace(config, searches=SEARCHES)


def _rows(pane: FeedPane) -> list[str]:
    return [str(pane.get_option_at_index(i).prompt) for i in range(pane.option_count)]


async def _counted(pilot: Pilot[None]) -> None:
    """Let a counting round (after its quiet time, on the reader thread) finish and be drawn."""
    app = pilot.app
    assert isinstance(app, NewsreaderApp)
    await wait_for(pilot, lambda: app.ready)
    # The first round is asked for once the panes are mounted, a moment after `ready`.
    await wait_for(pilot, lambda: app.query_one(FeedPane).counter.counted)
    await wait_for(pilot, lambda: not app.query_one(FeedPane).counter.busy)
    await pilot.pause()


def _highlight(pane: FeedPane, label: str) -> None:
    pane.focus()
    pane.highlighted = next(i for i, row in enumerate(_rows(pane)) if label in row)


async def test_saved_searches_show_unread_counts_and_list_their_matches(
    store: Store, searching: Config
) -> None:
    sample_cache(store)
    store.save_search(SavedSearch("Derby", "derby", in_cache=True))
    app = NewsreaderApp(store, searching, offline=True, clock=clock)
    async with app.run_test(size=(140, 32)) as pilot:
        await _counted(pilot)
        pane = app.query_one(FeedPane)
        rows = _rows(pane)
        # All, the config's searches in their order, the cache's, then tags and feeds.
        assert [r.split()[0:2] for r in rows[:5]] == [
            ["All", "6"],
            ["/", "Verkehr"],
            ["/", "Ungelesen"],
            ["/", "[b]Fett[/b]"],
            ["/", "Derby"],
        ]
        assert rows[1].split()[-1] == "2" and rows[2].split()[-1] == "3"
        assert rows[3].split()[-1] == "1" and rows[4].split()[-1] == "1"

        _highlight(pane, "Verkehr")
        await pilot.press("enter")
        await pilot.pause()
        assert app.filters == EntryFilter(search="sperrung OR fahrradstrasse")
        titles = {app.headlines.source.row(i).title for i in range(app.headlines.count)}  # type: ignore[union-attr]
        assert titles == {
            "Münster baut neue Fahrradstraße",
            "Sperrung der Weseler Straße am Wochenende",
        }
        # Reading one lowers its count once the write is in and the round is made.
        app.headlines.focus()
        await pilot.press("enter")
        await writes_done(pilot)
        await _counted(pilot)
        assert _rows(pane)[1].split()[-1] == "1"
        # A feed chosen after a saved search leaves the search, as newsboat's query feeds do.
        _highlight(pane, "Westfälische")
        await pilot.press("enter")
        await pilot.pause()
        assert app.filters.search is None and app.filters.feed_id is not None


async def test_s_saves_the_search_in_the_cache_and_d_deletes_it(
    store: Store, config: Config, tmp_path: Path
) -> None:
    sample_cache(store)
    notes = Notes()
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=(140, 32), message_hook=notes) as pilot:
        await pilot.pause()
        await pilot.press("S")
        await pilot.pause()
        assert "Nothing to save" in notes.messages[-1]
        await pilot.press("slash", *'"weseler strasse"', "enter", "u")
        await pilot.pause()
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SaveSearchDialog))
        await pilot.press("enter")  # no name yet: the dialog says so and stays
        await pilot.pause()
        assert isinstance(app.screen, SaveSearchDialog)
        await pilot.press(*"Weseler", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, SaveSearchDialog))
        assert store.saved_searches() == [
            SavedSearch("Weseler", '"weseler strasse"', unread=True, in_cache=True)
        ]
        assert not list(tmp_path.glob("**/*.toml"))  # the program never writes config.toml
        await _counted(pilot)
        pane = app.query_one(FeedPane)
        assert "Weseler" in _rows(pane)[1] and _rows(pane)[1].split()[-1] == "1"
        assert pane.highlighted == 1  # the list shows it: its row is the one marked
        await pilot.press("S")
        await pilot.pause()
        assert notes.messages[-1] == "Already saved as Weseler."

        _highlight(pane, "Weseler")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await writes_done(pilot)
        await _counted(pilot)
        assert store.saved_searches() == []
        assert not any("Weseler" in row for row in _rows(pane))


async def test_a_search_saved_from_a_feed_names_the_feed(store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=(140, 32)) as pilot:
        feed_id = next(f.id for f in store.feeds() if f.title == "Stadt Münster")
        app.filters = EntryFilter(feed_id=feed_id, starred=False, tag=None)
        await pilot.press("slash", *"sperrung", "enter", "S")
        await wait_for(pilot, lambda: isinstance(app.screen, SaveSearchDialog))
        await pilot.press(*"Stadt", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, SaveSearchDialog))
        saved = store.saved_searches()
        assert saved == [SavedSearch("Stadt", 'feed:"Stadt Münster" sperrung', in_cache=True)]
        found = store.entries(EntryFilter(search=saved[0].query))
        assert [e.title for e in found] == ["Sperrung der Weseler Straße am Wochenende"]
    # Renamed, the feed is still the one the saved search names (it matched no feed before).
    feed = store.feed(feed_id)
    assert feed is not None
    store.edit_feed(feed_id, title="Presseamt", url=feed.url)
    renamed = store.saved_searches()
    assert renamed == [SavedSearch("Stadt", 'feed:"Presseamt" sperrung', in_cache=True)]
    found = store.entries(EntryFilter(search=renamed[0].query))
    assert [e.title for e in found] == ["Sperrung der Weseler Straße am Wochenende"]


def test_a_rename_leaves_searches_saved_by_feed_id_alone(store: Store) -> None:
    """A feed whose title had no word was saved as `feed:ID`: that still names it, and the
    rewrite must not touch `feed:ID0` of another feed."""
    feeds = [store.add_feed(f"https://n{n}.example/feed") for n in range(11)]
    wordless, other = feeds[0], feeds[10]
    assert str(other.id).startswith(str(wordless.id))
    store.edit_feed(wordless.id, title="–", url=wordless.url)
    kept = SavedSearch("Beide", f"feed:{wordless.id} OR feed:{other.id}", in_cache=True)
    store.save_search(kept)
    store.edit_feed(wordless.id, title="Jetzt mit Namen", url=wordless.url)
    assert store.saved_searches() == [kept]


def test_feed_term_names_a_feed_by_words_or_by_id() -> None:
    assert feed_term(7, 'Stadt "Münster"\n Presse') == 'feed:"Stadt Münster Presse"'
    assert feed_term(7, " – ") == "feed:7"
    assert feed_term(7, None) == "feed:7"
    long = feed_term(7, "Wort " * 30)
    assert long.startswith('feed:"Wort Wort') and len(long) <= len('feed:""') + 80
    assert long.endswith('Wort"')


async def test_a_config_search_is_not_deleted_from_the_reader(
    store: Store, searching: Config
) -> None:
    sample_cache(store)
    notes = Notes()
    app = NewsreaderApp(store, searching, offline=True, clock=clock)
    async with app.run_test(size=(140, 32), message_hook=notes) as pilot:
        await _counted(pilot)
        pane = app.query_one(FeedPane)
        _highlight(pane, "Verkehr")
        await pilot.press("d")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
        assert notes.messages[-1] == (
            "Verkehr is [[search]] #1 (line 3) of config.toml: remove it there."
        )


async def test_a_query_that_cannot_be_read_is_named_and_kept_for_mending(
    store: Store, config: Config
) -> None:
    sample_cache(store)
    notes = Notes()
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=(140, 32), message_hook=notes) as pilot:
        await pilot.pause()
        await pilot.press("slash", *'Sperrung OR "Weseler', "enter")
        await pilot.pause()
        assert "never closed" in notes.messages[-1]
        search = app.query_one("#search", Input)
        assert search.has_focus and search.value == 'Sperrung OR "Weseler'
        assert app.filters == EntryFilter()
        await pilot.press('"', "enter")
        await pilot.pause()
        assert app.filters.search == 'Sperrung OR "Weseler"'
        assert app.headlines.count == 1


@pytest.mark.usefixtures("utc_timezone")
def test_snapshot_feed_pane_with_saved_searches(
    snap_compare: Snap, store: Store, searching: Config
) -> None:
    sample_cache(store)
    store.save_search(SavedSearch("Derby", "derby", in_cache=True))
    app = NewsreaderApp(store, searching, offline=True, clock=clock)

    async def run(pilot: Pilot[None]) -> None:
        await _counted(pilot)
        await keys("shift+tab", "j", "enter")(pilot)
        await _counted(pilot)

    assert snap_compare(app, terminal_size=(120, 24), run_before=run)


async def test_help_lists_s_and_the_search_syntax(store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert ["any", "S", "Save search/filter", "app.save_search"] in rows
        # Not "any": q in the article goes back to the list, d in the feed pane removes a
        # feed (a helper's tour read "any" and feared or misused them).
        assert ["list, feeds", "q", "Quit", "app.quit"] in rows
        assert ["no feeds", "d", "Sample edition", "app.sample_edition"] in rows
        syntax = [row[1] for row in rows if row[0] == "syntax"]
        assert syntax[:3] == ["Rathaus Markt", '"Rat der Stadt"', "Unfall OR Brand"]
        assert {"-Horoskop", "feed:Polizei", "tag:Münster", "after:2026-11-01"} <= set(syntax)


def test_a_round_counts_again_only_when_the_cache_or_the_searches_changed(store: Store) -> None:
    sample_cache(store)
    searches = SEARCHES[:2]
    first = count_round(store, searches, None)
    assert first.counts == {"Verkehr": 2, "Ungelesen lokal": 3}
    assert count_round(store, searches, first) is first  # nothing changed: no queries at all
    other = Store(store.path)  # the writer thread's connection, say
    other.set_read([store.entries(EntryFilter(search="sperrung"))[0].id])
    other.close()
    second = count_round(store, searches, first)
    assert second is not first and second.counts == {"Verkehr": 1, "Ungelesen lokal": 2}
    assert count_round(store, SEARCHES[:1], second).counts == {"Verkehr": 1}
