"""The header's count of unread watched entries is made on the reader thread (issue 15: with a
common watch word it takes seconds on a million cached entries), follows a read mark, tells a
refresh's new matches even when another count saw them first, and gives way to the keys."""

from __future__ import annotations

import re
import threading
from typing import Any, cast

import pytest

from newsreader.core.config import Config, ReaderConfig, WatchConfig
from newsreader.core.errors import StoreError
from newsreader.core.models import EntryFilter
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.headline_view import HeadlineView
from newsreader.ui.reader_start import background_start
from newsreader.ui.watch_notes import WatchCounter, WatchedCount, _Wanted
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


def test_a_count_that_may_have_seen_a_refresh_leaves_its_matches_to_the_refresh(
    store: Store,
) -> None:
    watch = WatchConfig(words=("Kreuzviertel",))

    def made(count: int, *, tell: bool = False, during: bool = False) -> WatchedCount:
        return WatchedCount(_Wanted(store, watch, tell), count, (), during)

    counter = WatchCounter(cast(Any, None), lambda *args, **kwargs: None)
    assert counter._new_matches(made(3)) == 0  # the first count: the baseline
    assert counter._new_matches(made(5, during=True)) is None  # saw the refresh storing ...
    assert counter._new_matches(made(5, tell=True)) == 2  # ... whose own count tells them
    assert counter._new_matches(made(4)) == 0  # one read
    assert counter._new_matches(made(3, during=True)) == 0  # one more read, while refreshing
    assert counter._new_matches(made(6, tell=True)) == 3
    counter._rounds.wanted = _Wanted(store, watch, True)  # a refresh's count asked for, not made
    assert counter._new_matches(made(8)) is None
    counter._rounds.wanted = None
    assert counter._new_matches(made(8, tell=True)) == 2


def test_a_read_gives_way_while_busy_and_then_ends(store: Store) -> None:
    add_feed(
        store, "https://stadt.example/feed", "Stadt", [entry(n, f"Meldung {n}") for n in range(300)]
    )
    released = threading.Event()
    asked: list[bool] = []

    def busy() -> bool:
        asked.append(True)
        return not released.is_set()

    counted: list[int] = []

    def count() -> None:
        store.give_way_while(busy, steps=100)
        counted.append(
            store.count_entries(EntryFilter(search="meldung", starred=False, unread=True))
        )
        store.give_way_while(None)

    reader = threading.Thread(target=count)
    reader.start()
    reader.join(0.3)
    assert reader.is_alive() and asked and not counted  # waiting for the keys to rest
    released.set()
    reader.join(10)
    assert counted == [300]


def test_a_count_stops_midway_when_the_reader_gives_up(store: Store) -> None:
    """Quitting does not wait for a count to finish (seconds on a million entries): the next
    look of the progress handler aborts it. Without `give_up_background_reads` it counts on."""
    add_feed(
        store,
        "https://stadt.example/feed",
        "Stadt",
        [entry(n, f"Meldung {n}") for n in range(300)],
    )
    looks = threading.Semaphore(0)

    def busy() -> bool:
        looks.release()
        return False  # nobody at the keys: without the give-up the count goes on to the end

    outcome: list[object] = []

    def count() -> None:
        store.give_way_while(busy, steps=100)
        try:
            outcome.append(store.count_entries(EntryFilter(search="meldung", unread=True)))
        except StoreError as exc:
            outcome.append(str(exc).rsplit(": ", 1)[-1])
        finally:
            store.give_way_while(None)

    store.give_up_background_reads()
    reader = threading.Thread(target=count)
    reader.start()
    reader.join(10)
    assert looks.acquire(timeout=0)  # the statement ran long enough to be looked at
    assert outcome == ["interrupted"]


class _NoPanes(NewsreaderApp):
    """Quits before the panes of the first paint come, the first watched count just started.
    Without `first_frame_painted` its count gives way as before the first frame (5 s at
    most), so it is giving way when the reader quits."""

    async def _after_first_paint(self) -> None:
        background_start(self)
        self.exit()


async def test_a_count_giving_way_at_start_ends_when_the_reader_quits(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_feed(
        store,
        "https://stadt.example/feed",
        "Stadt",
        [entry(n, f"Meldung {n} aus dem Kreuzviertel") for n in range(3000)],
    )
    config = Config(
        reader=ReaderConfig(refresh_on_start=False), watch=WatchConfig(words=("Kreuzviertel",))
    )
    # The reader threads this app starts, noted as they start: listed after the app, one
    # that had already ended (a busy machine: the quit came late) was missing from the list.
    readers: list[threading.Thread] = []
    start = threading.Thread.start

    def noted_start(thread: threading.Thread) -> None:
        if thread.name.startswith("newsreader-reads"):
            readers.append(thread)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", noted_start)
    app = _NoPanes(store, config, offline=True)
    async with app.run_test(size=(140, 32)) as pilot:
        await pilot.pause(0.2)
    for reader in readers:
        reader.join(3)  # well before the first frame's own limit of 5 s
    assert readers and not [t for t in readers if t.is_alive()]
