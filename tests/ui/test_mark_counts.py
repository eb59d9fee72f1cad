"""A read mark moves the header's and the feed pane's counts at once, before the writer thread
has stored it (issue 15: under 50 ms on a million cached entries); the store then agrees."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from newsreader.core.config import Config, ReaderConfig
from newsreader.core.models import EntryFilter
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.feed_pane import FeedPane
from newsreader.ui.headline_view import HeadlineView
from newsreader.ui.status_bar import StatusBar
from tests.ui.conftest import sample_cache, wait_for, writes_done

pytestmark = pytest.mark.usefixtures("utc_timezone")


def _feed_row_unread(pane: FeedPane, feed_id: int) -> int | None:
    return next(f.unread for f in pane._feed_order if f.id == feed_id)


async def test_a_mark_counts_before_the_write_lands_and_the_store_agrees(store: Store) -> None:
    sample_cache(store)
    unread = store.unread_count()
    app = NewsreaderApp(store, Config(reader=ReaderConfig(refresh_on_start=False)), offline=True)
    async with app.run_test(size=(140, 32)) as pilot:
        await wait_for(pilot, lambda: bool(app.query(FeedPane)) and app.query_one(FeedPane)._shown)
        status, pane = app.query_one(StatusBar), app.query_one(FeedPane)
        row = app.query_one(HeadlineView).current
        assert row is not None and not row.read and row.feed_id is not None
        feed_unread = _feed_row_unread(pane, row.feed_id)
        assert status.unread == unread and feed_unread is not None
        held = threading.Event()
        app.net.write(held.wait)  # the writer thread is busy: the mark queues behind this
        try:
            await pilot.press("m")
            await pilot.pause(0.2)
            assert store.unread_count() == unread  # not stored yet ...
            assert status.unread == unread - 1  # ... and counted already
            assert _feed_row_unread(pane, row.feed_id) == feed_unread - 1
        finally:
            held.set()
        await writes_done(pilot)
        await pilot.pause(0.2)
        assert store.unread_count() == unread - 1 == status.unread
        assert _feed_row_unread(pane, row.feed_id) == feed_unread - 1
        assert store.count_entries(EntryFilter(feed_id=row.feed_id, unread=True)) == (
            feed_unread - 1
        )
        await pilot.press("m")  # unread again: the same way back
        await pilot.pause(0.2)
        assert status.unread == unread
        await writes_done(pilot)
        assert store.unread_count() == unread == status.unread


class _Frames(NewsreaderApp):
    """Notes, at each frame handed to the driver, the first row's read flag and the header's
    unread count: what that frame shows."""

    def __init__(self, store: Store, config: Config) -> None:
        super().__init__(store, config, offline=True)
        self.shown: list[tuple[bool, int]] = []

    def _display(self, screen: Any, renderable: Any) -> None:
        super()._display(screen, renderable)
        views, bars = self.query(HeadlineView), self.query(StatusBar)
        row = views.first().source.row(0) if views else None
        if row is not None and bars:
            self.shown.append((row.read, bars.first().unread))


async def test_a_mark_and_its_counts_come_in_one_frame(store: Store) -> None:
    sample_cache(store)
    unread = store.unread_count()
    app = _Frames(store, Config(reader=ReaderConfig(refresh_on_start=False)))
    async with app.run_test(size=(140, 32)) as pilot:
        await wait_for(pilot, lambda: bool(app.query(FeedPane)) and app.query_one(FeedPane)._shown)
        row = app.query_one(HeadlineView).current
        assert row is not None and not row.read and app.headlines.cursor == 0
        for _ in range(3):  # read, unread, read
            app.shown.clear()
            await pilot.press("m")
            await pilot.pause(0.3)
            # Each frame shows the row and the header alike: read with one unread fewer.
            assert app.shown
            assert all(count == unread - read for read, count in app.shown)
        await writes_done(pilot)
    assert store.unread_count() == unread - 1


async def test_a_reload_before_a_mark_is_stored_keeps_the_mark_and_the_next_toggle_right(
    store: Store,
) -> None:
    """A refresh's end reloads the list from the store; a read mark still queued for the
    writer thread came back unread on screen, and `m` on it then wrote "read", the mark the
    user was taking back (found in review). The list holds its marks until they are stored."""
    sample_cache(store)
    app = NewsreaderApp(store, Config(reader=ReaderConfig(refresh_on_start=False)), offline=True)
    async with app.run_test(size=(140, 32)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        view = app.query_one(HeadlineView)
        row = view.current
        assert row is not None and not row.read
        held = threading.Event()
        app.net.write(held.wait)  # the writer thread is busy: the marks queue behind this
        try:
            await pilot.press("m")  # read, shown at once, not stored yet
            view.reload()  # what a refresh's end does meanwhile
            current = view.current
            assert current is not None and current.id == row.id and current.read
            await pilot.press("m")  # and unread again
            current = view.current
            assert current is not None and not current.read
        finally:
            held.set()
        await writes_done(pilot)
        stored = store.entry(row.id)
        assert stored is not None and not stored.read
        view.reload()  # every write is in: the store's flags are shown again, and agree
        current = view.current
        assert current is not None and not current.read
        assert view.source._held == {}


def test_a_held_flag_is_let_go_by_its_own_last_write_only(store: Store) -> None:
    """`m` and `s` on one row make two writes. The read write failing must not drop the star
    still queued: the list would show the store's old star, and a star write that succeeds
    reloads nothing (found in review). Each flag is held until its own last write is back."""
    from newsreader.ui.headline_source import HeadlineSource

    sample_cache(store)
    source = HeadlineSource(store)
    first = source.row(0)
    assert first is not None and not first.read and not first.starred
    source.hold_flags(first.id, read=True)
    source.hold_flags(first.id, starred=True)
    source.release_flags(first.id, "read")  # failed: the store stays unread
    source.reset()
    row = source.row(0)
    assert row is not None and row.id == first.id
    assert (row.read, row.starred) == (False, True)  # the star still waits for its write
    store.set_starred(first.id, True)
    source.release_flags(first.id, "starred")
    source.hold_flags(first.id, read=True)
    source.hold_flags(first.id, read=False)
    source.hold_flags(first.id, read=True)  # m three times: three read writes out
    store.set_read([first.id], True)
    source.release_flags(first.id, "read")
    store.set_read([first.id], False)
    source.release_flags(first.id, "read")  # two stored: the store says unread
    source.reset()
    row = source.row(0)
    assert row is not None and (row.read, row.starred) == (True, True)  # the third is out
    source.release_flags(first.id, "read")
    assert source._held == {}
