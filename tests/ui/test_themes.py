"""The light theme beside the dark one, switched with ctrl+p and remembered in the cache."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.pilot import Pilot

from newsreader.core.article_records import Enclosure
from newsreader.core.config import Config
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.headline_view import HeadlineView
from newsreader.ui.themes import DARK, LIGHT
from tests.ui.conftest import (
    add_feed,
    clock,
    entry,
    sample_cache,
    screen_text,
    wait_for,
    writes_done,
)

pytestmark = pytest.mark.usefixtures("utc_timezone")

Snap = Callable[..., bool]


def radio_cache(store: Store) -> None:
    """The sample cache, a podcast episode with its attachment, one starred headline."""
    sample_cache(store)
    episode = replace(
        entry(21, "Folge 7: Der Wochenmarkt zieht um", minutes_ago=1),
        enclosures=(Enclosure("https://radio.example/f7.mp3", "audio/mpeg", 14_691_088, 1_503),),
    )
    add_feed(store, "https://radio.example/podcast", "Radio Westfalenwelle", [episode])
    derby = next(e for e in store.entries() if "Derby" in e.title)
    store.set_starred(derby.id, True)


async def choose_theme(pilot: Pilot[Any], name: str) -> None:
    """As a user does it: ctrl+p, "theme", then the theme's name."""
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CommandPalette))
    commands = pilot.app.screen
    await pilot.press(*"theme", "enter")
    # the theme list is a palette of its own
    await wait_for(
        pilot,
        lambda: isinstance(pilot.app.screen, CommandPalette) and pilot.app.screen is not commands,
    )
    await pilot.press(*name, "enter")
    await wait_for(pilot, lambda: name in pilot.app.theme)


async def test_the_theme_chosen_with_ctrl_p_is_remembered(
    store: Store, config: Config, tmp_path: Path
) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        assert app.theme == DARK and app.current_theme.dark
        assert set(app.available_themes) == {DARK, LIGHT}  # "light" finds ours, no other
        await choose_theme(pilot, "light")
        await writes_done(pilot)
    assert store.setting("theme") == LIGHT
    assert not list(tmp_path.rglob("*.toml"))  # config.toml is the user's: never written
    again = NewsreaderApp(store, config, offline=True, clock=clock)
    async with again.run_test(size=(120, 30)) as pilot:
        assert again.theme == LIGHT and not again.current_theme.dark
        await choose_theme(pilot, DARK)
        await writes_done(pilot)
    assert store.setting("theme") == DARK


async def test_a_theme_chosen_live_repaints_every_headline(store: Store, config: Config) -> None:
    """The rows the list had painted kept the old theme's colours until the cursor passed
    over them (a helper's tour)."""
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await pilot.pause()
        view = app.query_one(HeadlineView)

        def backgrounds() -> set[object]:
            return {seg.style.bgcolor for seg in view.render_line(3) if seg.style}

        dark = backgrounds()
        await choose_theme(pilot, "light")
        await pilot.pause()
        assert backgrounds() == {view.rich_style.bgcolor} != dark


async def test_an_unknown_saved_theme_falls_back_to_dark(store: Store, config: Config) -> None:
    sample_cache(store)
    store.set_setting("theme", "gone-in-a-later-version")
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=(120, 30)):
        assert app.theme == DARK


async def test_marks_are_glyphs_not_colours(store: Store, config: Config) -> None:
    """With NO_COLOR (Textual paints grey then) a row must still say unread, starred and
    paywalled: the marks are characters, and the read rows show none."""
    radio_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        rows = screen_text(app).splitlines()
    row = {title: next(r for r in rows if title in r) for title in ("Derby", "Bebauungsplan")}
    assert "●★" in row["Derby"]  # unread and starred
    assert "● €" in row["Bebauungsplan"]  # unread and paywalled


def test_snapshot_light_theme(snap_compare: Snap, store: Store, config: Config) -> None:
    radio_cache(store)
    store.set_setting("theme", LIGHT)
    app = NewsreaderApp(store, config, offline=True, clock=clock)

    async def open_episode(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        await pilot.press("enter", "tab")
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(140, 32), run_before=open_episode)
