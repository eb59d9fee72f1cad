"""The reader's one concurrency story: background jobs report as `JobDone`, a new page load
supersedes the old one, and the reader's own writes never hold up the UI thread."""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
import time
from pathlib import Path

from textual.message import Message

from newsreader.core.config import Config
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.article_view import ArticleView
from newsreader.ui.background import BackgroundLoop
from newsreader.ui.feed_pane import FeedPane
from newsreader.ui.headline_view import HeadlineView
from newsreader.ui.messages import PAGE, READ, WRITE, JobDone
from newsreader.ui.saved_searches import CountsMade
from tests.support.loopback import LoopbackServer
from tests.ui.conftest import Notes, add_feed, clock, entry, sample_cache, wait_for, writes_done
from tests.ui.pages import LONG_PARAGRAPHS, article_html

WIDE = (140, 40)


def collect(posted: queue.Queue[Message], count: int) -> list[JobDone]:
    done = [posted.get(timeout=10) for _ in range(count)]
    assert all(isinstance(m, JobDone) for m in done)
    return [m for m in done if isinstance(m, JobDone)]


def test_an_exclusive_job_cancels_the_superseded_one_of_its_group_only() -> None:
    posted: queue.Queue[Message] = queue.Queue()
    loop = BackgroundLoop(posted.put)
    started = threading.Event()

    async def slow() -> str:
        started.set()
        await asyncio.sleep(30)
        return "slow"

    async def quick() -> str:
        return "quick"

    try:
        loop.submit(slow, group="other", key="kept")
        loop.submit(slow, group=PAGE, key="old", exclusive=True)
        assert started.wait(5)
        loop.submit(quick, group=PAGE, key="new", exclusive=True)
        done = {m.key: m for m in collect(posted, 2)}
        assert done["old"].cancelled and done["old"].result is None
        assert done["new"].result == "quick" and not done["new"].cancelled
        assert loop.running(PAGE) == []
        assert loop.running("other") == ["kept"]  # another group is left alone
    finally:
        loop.stop()


def test_writes_run_in_order_on_one_thread_and_errors_come_back_as_jobdone() -> None:
    posted: queue.Queue[Message] = queue.Queue()
    loop = BackgroundLoop(posted.put)
    order: list[int] = []
    threads: set[int] = set()

    def write(n: int) -> int:
        threads.add(threading.get_ident())
        order.append(n)
        return n

    def broken() -> None:
        raise sqlite3.OperationalError("disk I/O error")

    try:
        for n in range(30):
            loop.write(lambda n=n: write(n), key=n)  # type: ignore[misc]
        loop.write(broken, key="broken")
        done = collect(posted, 31)
    finally:
        loop.stop()
    assert order == list(range(30))
    assert len(threads) == 1 and threading.get_ident() not in threads
    assert {m.group for m in done} == {WRITE}
    failed = [m for m in done if m.error is not None]
    assert [m.key for m in failed] == ["broken"]
    assert failed[0].error_text == "disk I/O error"


async def test_a_locked_cache_does_not_freeze_the_reader(store: Store, config: Config) -> None:
    """Another process holds the write lock: the star waits for it, the keys do not."""
    sample_cache(store)
    blocker = sqlite3.connect(store.path, isolation_level=None, check_same_thread=False)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        view = app.query_one(HeadlineView)
        first = view.current
        assert first is not None and not first.starred
        blocker.execute("BEGIN IMMEDIATE")
        # The lock is held until the keys are checked; the timer only frees a reader that
        # blocked on it (SQLite would wait 60 s), so such a reader fails the time check.
        release = threading.Timer(10.0, lambda: blocker.execute("ROLLBACK"))
        release.start()
        try:
            started = time.monotonic()
            await pilot.press("s", "j", "j")
            assert view.cursor == 2
            assert time.monotonic() - started < 10.0, "a key waited for SQLite's lock"
            assert app.net.running(WRITE)  # the star is still waiting for the lock
            assert view.source.row(0).starred  # type: ignore[union-attr]  # shown at once
        finally:
            release.cancel()
            release.join()
            if blocker.in_transaction:
                blocker.execute("ROLLBACK")
            blocker.close()
        await writes_done(pilot)
        stored = store.entry(first.id)
        assert stored is not None and stored.starred


async def test_moving_on_cancels_the_page_load_and_coming_back_loads_it(
    store: Store, config: Config, server: LoopbackServer
) -> None:
    html = {"content_type": "text/html; charset=utf-8"}
    slow_url = server.route(
        "/langsam", article_html("Langsame Seite", LONG_PARAGRAPHS), delay=5.0, **html
    )
    other = [p.replace("Absatz", "Teil") for p in LONG_PARAGRAPHS]
    quick_url = server.route("/schnell", article_html("Schnelle Seite", other), **html)
    add_feed(
        store,
        server.url("/feed"),
        "Lokales",
        [entry(1, "Langsame Seite", url=slow_url), entry(2, "Schnelle Seite", url=quick_url)],
    )
    jobs: list[JobDone] = []

    def hook(message: Message) -> None:
        if isinstance(message, JobDone):
            jobs.append(message)

    app = NewsreaderApp(store, config, offline=False, clock=clock)
    async with app.run_test(size=WIDE, message_hook=hook) as pilot:
        headlines = app.query_one(HeadlineView)
        await pilot.press("enter")
        await wait_for(pilot, lambda: server.hits.get("/langsam") == 1)
        headlines.focus()
        await pilot.press("j", "enter")

        def body() -> str:
            return app.query_one(ArticleView).body_source

        await wait_for(pilot, lambda: "Teil 3" in body())
        superseded = [j for j in jobs if j.group == PAGE and j.key == slow_url]
        assert [j.cancelled for j in superseded] == [True]
        assert store.page(slow_url) is None
        # Back on the first article its page is asked for again, and this time it arrives.
        server.routes["/langsam"].delay = 0
        headlines.focus()
        await pilot.press("k", "enter")
        await wait_for(pilot, lambda: "Absatz 3" in body())
        assert server.hits["/langsam"] == 2


class FailingStarStore(Store):
    """A cache whose disk fails on one kind of write: a fault no test server can cause."""

    def set_starred(self, entry_id: int, starred: bool) -> None:
        raise sqlite3.OperationalError("disk I/O error [b]not markup[/b]")


async def test_a_failed_write_is_said_once_and_the_list_shows_the_cache(
    tmp_path: Path, config: Config
) -> None:
    store = FailingStarStore.in_dir(tmp_path / "failing")
    try:
        sample_cache(store)
        notes = Notes()
        app = NewsreaderApp(store, config, offline=True, clock=clock)
        async with app.run_test(size=WIDE, message_hook=notes) as pilot:
            view = app.query_one(HeadlineView)
            for _ in range(2):
                await pilot.press("s")
                await writes_done(pilot)
                assert view.current is not None and not view.current.starred
            errors = [n for n in notes.raised if n.severity == "error"]
            assert [n.message for n in errors] == [
                "Could not save: disk I/O error [b]not markup[/b]"
            ]
            assert not errors[0].markup
            # The other writes still go through.
            await pilot.press("m")
            await writes_done(pilot)
            first = view.current
            assert first is not None
            assert store.entry(first.id).read  # type: ignore[union-attr]
    finally:
        store.close()


async def test_a_count_arriving_once_the_feed_pane_is_gone_is_dropped(
    store: Store, config: Config
) -> None:
    """As the reader quits, its panes go before the messages already posted: a saved
    searches' count arriving then found no feed pane and ended the reader with a traceback."""
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await app.query_one(FeedPane).remove()
        app.post_message(JobDone(READ, CountsMade()))
        await pilot.pause(0.2)
        assert app.is_running
