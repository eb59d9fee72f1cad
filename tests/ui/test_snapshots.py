"""SVG snapshots of the reader (update with `pytest tests/ui --snapshot-update`).

The clock is frozen through the App's `clock` parameter, the time zone is UTC, and no text
input is focused, so no cursor blinks into the picture.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from newsreader.core.article_records import Page
from newsreader.core.config import Config
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from tests.ui.conftest import NOW, clock, grouped_cache, keys, sample_cache

pytestmark = pytest.mark.usefixtures("utc_timezone")

Snap = Callable[..., bool]


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


def dialog_keys(*pressed: str) -> Callable[[Pilot[Any]], Any]:
    """Open a dialog with a steady cursor (the blink would make the picture racy)."""

    async def run(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        await pilot.press(pressed[0])
        await pilot.pause()
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.press(*pressed[1:])
        await pilot.pause(0.3)

    return run


def test_snapshot_add_feed_dialog_complains(
    snap_compare: Snap, store: Store, config: Config
) -> None:
    """`a`, then enter on an empty field: the error line, nothing fetched."""
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    assert snap_compare(app, terminal_size=(120, 30), run_before=dialog_keys("a", "enter"))


def test_snapshot_import_dialog(snap_compare: Snap, store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    assert snap_compare(app, terminal_size=(120, 30), run_before=dialog_keys("i"))


def test_snapshot_welcome_screen_narrow(snap_compare: Snap, store: Store, config: Config) -> None:
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    assert snap_compare(app, terminal_size=(80, 32), run_before=keys())


def test_snapshot_feed_pane_with_a_tag_chosen(
    snap_compare: Snap, store: Store, config: Config
) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    run = keys("shift+tab", "j", "enter")
    assert snap_compare(app, terminal_size=(120, 24), run_before=run)


def test_snapshot_paywalled_note(snap_compare: Snap, store: Store, config: Config) -> None:
    """A paywalled article whose page is cached: the note says only the teaser is free."""
    sample_cache(store)
    store.save_page(
        Page(
            url="https://example.org/a/12",
            final_url="https://example.org/a/12",
            fetched_at=NOW,
            title="Plus: Was der neue Bebauungsplan bedeutet",
            text="Der Rat hat den Bebauungsplan für das Hafenviertel beschlossen. Was er für "
            "Anwohner bedeutet, lesen Sie mit Ihrem Abo.",
            paywalled=True,
        ),
        None,
    )
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    assert snap_compare(app, terminal_size=(120, 24), run_before=keys("j", "j", "j", "j", "enter"))


def test_snapshot_offline_note(snap_compare: Snap, store: Store, config: Config) -> None:
    """Offline, an article never fetched: the feed's text, and the note saying why."""
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    assert snap_compare(app, terminal_size=(120, 24), run_before=keys("j", "j", "j", "enter"))


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 50)])
def test_snapshot_sizes(
    snap_compare: Snap, store: Store, config: Config, size: tuple[int, int]
) -> None:
    """Issue 13 point 12: the title keeps its share at 120, the article its body at 80×24."""
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    assert snap_compare(app, terminal_size=size, run_before=keys("j", "enter"))
