"""The header's count of unread watched entries is made on the reader thread (issue 15: with a
common watch word it takes seconds on a million cached entries), and follows a read mark."""

from __future__ import annotations

import re

import pytest

from newsreader.core.config import Config, ReaderConfig, WatchConfig
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.headline_view import HeadlineView
from tests.ui.conftest import add_feed, entry, screen_text, wait_for

pytestmark = pytest.mark.usefixtures("utc_timezone")

_COUNTS_WATCHED = re.compile(r"COUNT\(.*watch_word", re.DOTALL)


async def test_watched_count_comes_from_the_reader_thread_and_follows_a_mark(
    store: Store,
) -> None:
    add_feed(
        store,
        "https://stadt.example/feed",
        "Stadt",
        [
            entry(1, "Fest im Kreuzviertel"),
            entry(2, "Rat tagt"),
            entry(3, "Neue Gesamtschulen im Kreuzviertel"),
            entry(4, "Wetter", summary="<p>Sonne über der Gesamtschule.</p>"),
        ],
    )
    config = Config(
        reader=ReaderConfig(refresh_on_start=False),
        watch=WatchConfig(words=("Kreuzviertel", "Gesamtschule")),
    )
    on_ui_thread: list[str] = []
    store.conn.set_trace_callback(on_ui_thread.append)  # this thread's connection: the UI's
    app = NewsreaderApp(store, config, offline=True)
    try:
        async with app.run_test(size=(140, 32)) as pilot:
            await wait_for(pilot, lambda: "3 watched" in screen_text(app))
            view = app.query_one(HeadlineView)
            assert view.current is not None and view.current.watched == "Kreuzviertel"
            await pilot.press("m")  # read: one watched entry fewer
            await wait_for(pilot, lambda: "2 watched" in screen_text(app))
            await pilot.press("m")  # unread again
            await wait_for(pilot, lambda: "3 watched" in screen_text(app))
    finally:
        store.conn.set_trace_callback(None)
    assert any("watch_word" in s for s in on_ui_thread)  # the rows name their word here ...
    assert not [s for s in on_ui_thread if _COUNTS_WATCHED.search(s)]  # ... the count is not
