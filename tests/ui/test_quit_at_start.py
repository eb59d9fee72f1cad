"""Quitting at the very start, while the panes after the first frame are still mounting.

`after_first_paint` runs on the screen's task; ctrl+q is a priority key handled on the App's,
so it can land between its mounts. A mount after the quit raised MountError: a traceback and
exit code 1 in the terminal (a helper's review; ctrl+q right after start failed 8 runs of 8).
"""

from __future__ import annotations

import asyncio

import pytest

from newsreader.core.config import Config
from newsreader.core.store.store import Store
from newsreader.ui import feed_pane
from newsreader.ui.app import NewsreaderApp
from tests.ui.conftest import clock, sample_cache

SIZE = (120, 36)


async def test_ctrl_q_right_after_start_quits_cleanly(store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
    assert app.return_code in (0, None)


@pytest.mark.parametrize("cached", [True, False], ids=["with feeds", "empty cache"])
async def test_a_quit_while_the_feed_pane_mounts_is_no_error(
    store: Store, config: Config, monkeypatch: pytest.MonkeyPatch, cached: bool
) -> None:
    """The quit landing exactly between the mounts, as the terminal runs the reader."""

    class QuitWhileMounting(feed_pane.FeedPane):
        def on_mount(self) -> None:
            self.app.exit()

    if cached:
        sample_cache(store)
    monkeypatch.setattr(feed_pane, "FeedPane", QuitWhileMounting)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    await asyncio.wait_for(app.run_async(headless=True, size=SIZE), 20)
    assert app.return_code in (0, None)
