"""SVG snapshots of the reader (update with `pytest tests/ui --snapshot-update`).

The clock is frozen through the App's `clock` parameter, the time zone is UTC, and no text
input is focused, so no cursor blinks into the picture.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual.pilot import Pilot

from newsreader.core.config import Config
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from tests.ui.conftest import clock, grouped_cache, sample_cache

Snap = Callable[..., bool]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def keys(*pressed: str, settle: float = 0.3) -> Callable[[Pilot[Any]], Any]:
    async def run(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        await pilot.press(*pressed)
        await pilot.pause(settle)

    return run


def test_snapshot_wide(snap_compare: Snap, store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    assert snap_compare(app, terminal_size=(140, 32), run_before=keys("j"))


def test_snapshot_narrow(snap_compare: Snap, store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    assert snap_compare(app, terminal_size=(80, 40), run_before=keys("j", "enter"))


def test_snapshot_article_with_teasers(snap_compare: Snap, store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    run = keys("j", "enter", "right_square_bracket", "right_square_bracket")
    assert snap_compare(app, terminal_size=(140, 32), run_before=run)


def test_snapshot_help(snap_compare: Snap, store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    assert snap_compare(app, terminal_size=(120, 40), run_before=keys("question_mark"))


def test_snapshot_empty_cache(snap_compare: Snap, store: Store, config: Config) -> None:
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    assert snap_compare(app, terminal_size=(120, 30), run_before=keys())


def test_snapshot_offline_unread_filter(snap_compare: Snap, store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    run = keys("enter", "u", "j", "enter")
    assert snap_compare(app, terminal_size=(120, 30), run_before=run)


def test_snapshot_article_with_teaser_blocks(
    snap_compare: Snap, store: Store, config: Config
) -> None:
    """Links in the text, a related block and a most-read list collapsed to five."""
    grouped_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    run = keys("enter", "right_square_bracket", "3")
    assert snap_compare(app, terminal_size=(130, 50), run_before=run)
