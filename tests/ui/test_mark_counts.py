"""A read mark moves the header's and the feed pane's counts at once, before the writer thread
has stored it (issue 15: under 50 ms on a million cached entries); the store then agrees."""

from __future__ import annotations

import threading

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
