"""The sample edition, made in a thread, meets a reader that moved on meanwhile: the help
screen opened over the welcome screen (the panes were composed a second time into the help
screen: DuplicateIds, the reader exited), or the welcome screen escaped (the edition was
never closed: its server ran on and its folder stayed on disk). Both from a helper's review."""

from __future__ import annotations

import threading
import time

import pytest

from newsreader.core.config import Config
from newsreader.core.store.store import Store
from newsreader.demo.session import DemoEdition
from newsreader.ui import welcome_screen
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.feed_pane import FeedPane
from newsreader.ui.help_screen import HelpScreen
from newsreader.ui.welcome_screen import WelcomeScreen
from tests.ui.conftest import clock, wait_for

SIZE = (120, 36)


async def ask_for_the_sample_then(pilot: object, app: NewsreaderApp, key: str) -> None:
    """`d` on the welcome screen of an empty cache, then `key` while the edition is made."""
    await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen))
    await pilot.press("d", key)  # type: ignore[attr-defined]


async def test_ready_while_the_help_is_open(
    store: Store, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = threading.Event()
    real = welcome_screen._prepare_demo

    def after_the_help(cfg: Config) -> DemoEdition:
        opened.wait(20)
        return real(cfg)

    monkeypatch.setattr(welcome_screen, "_prepare_demo", after_the_help)
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await ask_for_the_sample_then(pilot, app, "question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        opened.set()
        await wait_for(pilot, lambda: app.demo is not None, timeout=30)
        await wait_for(pilot, lambda: bool(app.query(FeedPane)), timeout=10)
        await pilot.pause(0.3)
        assert app.is_running
        assert len(app.screen_stack) == 1
        assert len(app.screen.query(FeedPane)) == 1


async def test_escaped_while_it_is_made_it_is_closed(
    store: Store, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[DemoEdition] = []
    real = welcome_screen._prepare_demo

    def slowly(cfg: Config) -> DemoEdition:
        time.sleep(0.5)  # the escape comes first
        edition = real(cfg)
        made.append(edition)
        return edition

    monkeypatch.setattr(welcome_screen, "_prepare_demo", slowly)
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await ask_for_the_sample_then(pilot, app, "escape")
        await wait_for(pilot, lambda: bool(made), timeout=30)
        await pilot.pause(0.5)
        assert app.demo is None
    try:
        assert not made[0].directory.exists()
    finally:
        made[0].close()
