"""Background refresh while the user browses: progress, new headlines, failures said once."""

from __future__ import annotations

import queue
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from textual.message import Message

from newsreader.core.config import Config, NetworkConfig
from newsreader.core.models import FeedOutcome
from newsreader.core.parse.feeds import parse_feed
from newsreader.core.parsed import ParsedEntry
from newsreader.core.refresh import waiting as waiting_module
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.article_view import ArticleView
from newsreader.ui.background import BackgroundLoop
from newsreader.ui.headline_view import HeadlineView
from newsreader.ui.messages import JobDone
from newsreader.ui.refresh_job import PROGRESS_EVERY, RefreshProgress, start_refresh
from newsreader.ui.status_bar import StatusBar
from tests.support.loopback import LoopbackServer
from tests.support.unreachable import silent_port
from tests.ui.conftest import Notes, add_feed, screen_text, wait_for

# Real time here: refresh prunes entries past the retention age, so no frozen 2025 dates.
NOW = datetime.now(UTC).replace(microsecond=0)


def clock() -> datetime:
    return NOW


def rss(items: list[tuple[str, str, int]]) -> str:
    """(guid, title, minutes ago) -> an RSS 2.0 document."""
    body = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title><link>https://example.org/{guid}</link>"
        f"<pubDate>{format_datetime(NOW - timedelta(minutes=ago))}</pubDate>"
        f"<description>Text zu {title}</description></item>"
        for guid, title, ago in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Lokales</title><link>https://example.org/</link>{body}</channel></rss>"
    )


OLD = [(f"old{n}", f"Alte Meldung {n}", 60 + n * 10) for n in range(8)]
NEW = [(f"new{n}", f"Neue Meldung {n}", n + 1) for n in range(3)]


async def test_refresh_adds_headlines_without_moving_off_the_current_one(
    store: Store, config: Config, server: LoopbackServer
) -> None:
    url = server.route("/feed.xml", rss(NEW + OLD), delay=0.2)
    add_feed(
        store,
        url,
        "Lokales",
        [
            ParsedEntry(
                key=server.url(f"/{guid}"),  # feedparser resolves the guid against the feed URL
                title=title,
                url=f"https://example.org/{guid}",
                summary=f"Text zu {title}",
                published=NOW - timedelta(minutes=ago),
            )
            for guid, title, ago in OLD
        ],
    )
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    async with app.run_test(size=(140, 30)) as pilot:
        view = app.query_one(HeadlineView)
        await pilot.press("j", "j", "j")
        current = view.current
        assert current is not None and current.title == "Alte Meldung 3"
        await pilot.press("r")
        assert "refreshing" in screen_text(app)
        # Browsing goes on while the refresh runs.
        await pilot.press("enter")
        await wait_for(pilot, lambda: view.count == 11)
        assert view.current is not None and view.current.id == current.id
        assert view.cursor == 6
        assert server.hits["/feed.xml"] == 1
        await wait_for(pilot, lambda: "refreshing" not in screen_text(app))
        assert "Neue Meldung 0" in screen_text(app)


async def test_a_refresh_that_changes_the_open_article_shows_the_change(
    store: Store, config: Config, server: LoopbackServer
) -> None:
    """The list showed the new title after a refresh, the open article the old one until
    it was opened again (a helper's tour)."""
    add_feed(store, server.route("/feed.xml", rss([("b1", "Brücke gesperrt", 5)])), "Lokales", [])
    config = replace(config, network=NetworkConfig(retries=0))
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: app.query_one(HeadlineView).count == 1)
        await wait_for(pilot, lambda: not app.refreshing)
        await pilot.press("enter")
        shown = app.query_one(ArticleView)
        await wait_for(pilot, lambda: shown.shown is not None and shown.shown.title != "")
        assert shown.shown is not None and shown.shown.title == "Brücke gesperrt"
        server.route("/feed.xml", rss([("b1", "Brücke doch nicht gesperrt", 5)]))
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: shown.shown is not None and shown.shown.title == "Brücke doch nicht gesperrt",
        )
        assert "Text zu Brücke doch nicht gesperrt" in shown.shown.body


async def test_dead_network_notifies_once_and_keeps_the_cache(
    store: Store, config: Config, server: LoopbackServer
) -> None:
    url = server.route("/gone.xml", "", status=503)
    add_feed(store, url, "Weg", [ParsedEntry(key="a", title="Noch da", published=NOW)])
    add_feed(store, server.url("/gone2.xml"), "Weg 2", [])
    server.route("/gone2.xml", "", status=503)
    # no retries: their back-off (0.5 s, then 1 s) is the fetcher's business, not this test's
    config = replace(config, network=NetworkConfig(retries=0))
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    notes = Notes()
    async with app.run_test(size=(140, 30), message_hook=notes) as pilot:
        for _ in range(2):
            await pilot.press("r")
            await wait_for(pilot, lambda: not app.refreshing)
        errors = [n for n in notes.raised if n.severity == "error"]
        assert len(errors) == 1
        # not "refreshed now · online" over two failed feeds (a helper's tour)
        assert "no feed reached" in screen_text(app) and "refreshed" not in screen_text(app)
        await pilot.press("enter")
        assert app.query_one(HeadlineView).count == 1
        assert "Noch da" in screen_text(app)


async def test_offline_never_touches_the_network(
    store: Store, config: Config, server: LoopbackServer
) -> None:
    url = server.route("/feed.xml", rss(NEW))
    add_feed(store, url, "Lokales", [ParsedEntry(key="a", title="Cached", url=server.url("/a"))])
    app = NewsreaderApp(store, Config(), offline=True, clock=clock)  # refresh_on_start default on
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("r", "enter")
        await pilot.pause(0.3)
        assert "offline" in screen_text(app).splitlines()[0]
        assert server.hits.get("/feed.xml", 0) == 0
        assert server.hits.get("/a", 0) == 0
        shown = app.query_one(ArticleView).shown
        assert shown is not None and "not cached (offline)" in (shown.note or "")


async def test_refresh_on_start_when_online(store: Store, server: LoopbackServer) -> None:
    url = server.route("/feed.xml", rss(NEW))
    add_feed(store, url, "Lokales", [])
    app = NewsreaderApp(store, Config(), offline=False, clock=clock)
    # A start-up refresh may end while the panes are still being mounted: the reader must
    # not call itself ready (and reach into the detail pane) before its ArticleView is there.
    early: list[str] = []
    watching = True  # until the reader starts to quit and unmounts its panes

    def too_early(message: object) -> None:
        if watching and app.screen_stack and app.ready and not app.query(ArticleView):
            early.append(type(message).__name__)

    async with app.run_test(size=(140, 30), message_hook=too_early) as pilot:
        view = app.query_one(HeadlineView)
        await wait_for(pilot, lambda: view.count == 3)
        assert server.hits["/feed.xml"] == 1
        watching = False
    assert early == []


async def test_the_open_readers_timer_refreshes_only_the_feeds_that_are_due(
    store: Store, config: Config, server: LoopbackServer
) -> None:
    """`[reader] refresh_minutes`: each tick fetches the feeds whose poll interval passed; a
    feed fetched a moment ago (the minimum is 15 minutes) waits."""
    fresh = server.route("/fresh.xml", rss(NEW))
    due = server.route("/due.xml", rss(NEW))
    add_feed(store, fresh, "Eben geholt", [])  # fetched now
    store.add_feed(due, title="Nie geholt")  # never fetched: due
    timed = replace(config, reader=replace(config.reader, refresh_on_start=False))
    app = NewsreaderApp(store, timed, offline=False, clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert server.requests == []  # no refresh at start, none before the timer fires
        app.refresh_due()
        await wait_for(pilot, lambda: not app.refreshing and bool(server.requests))
        assert [path for path, _ in server.requests] == ["/due.xml"]


async def test_a_refreshs_progress_reaches_the_header(store: Store, config: Config) -> None:
    """`RefreshProgress` (posted by the refresh, defined beside it) is routed to the header by
    the App's handler, its module imported only once a refresh starts."""
    add_feed(store, "https://stadt.example/feed", "Stadt", [])
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=(140, 32)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        app.post_message(RefreshProgress(FeedOutcome(1, "https://stadt.example/feed"), 2, 5))
        await wait_for(pilot, lambda: app.query_one(StatusBar).progress == "refreshing 2/5")


async def test_the_header_says_which_host_a_refresh_waits_on(
    store: Store, config: Config, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A feed on a host that never answers holds the refresh for its read timeout: the header
    names that host while it does ("refreshing 1/2  ·  waiting 3 s on localhost"), and drops
    it when the refresh is over."""
    monkeypatch.setattr(waiting_module, "QUIET_SECONDS", 0.3)  # the test's pace, not 3 s
    monkeypatch.setattr(waiting_module, "LOOK_EVERY", 0.1)
    add_feed(store, server.route("/feed.xml", rss(NEW)), "Lokales", [])
    with silent_port() as port:
        add_feed(store, f"http://localhost:{port}/feed.xml", "Still", [])
        config = replace(config, network=NetworkConfig(retries=0, read_timeout=2.0))
        app = NewsreaderApp(store, config, offline=False, clock=clock)
        async with app.run_test(size=(160, 30)) as pilot:
            await wait_for(pilot, lambda: app.ready)
            await pilot.press("R")
            header = app.query_one(StatusBar)
            # The live feed's count comes once it is stored, the wait once no fetch has
            # ended for a while: either may be first.
            await wait_for(
                pilot,
                lambda: "refreshing 1/2  ·  waiting " in screen_text(app).splitlines()[0],
                timeout=5,
            )
            assert header.waiting.startswith("waiting ") and "on localhost" in header.waiting
            await wait_for(pilot, lambda: not app.refreshing, timeout=10)
            assert header.waiting == "" and header.progress == ""


def test_progress_is_told_at_most_every_tenth_of_a_second_and_always_at_the_end(
    store: Store, config: Config, server: LoopbackServer
) -> None:
    """Told for every feed, a big refresh woke the reader's loop once a feed and drew a frame
    for most of them; the count is told at most every PROGRESS_EVERY, and the last one always
    (the header must not stay at 59/60)."""
    feeds = 60
    for n in range(feeds):
        add_feed(store, server.route(f"/{n}.xml", rss(NEW), delay=0.01), f"Feed {n}", [])
    posted: queue.Queue[Message] = queue.Queue()
    loop = BackgroundLoop(posted.put)
    started = time.monotonic()
    try:
        start_refresh(loop, store, config, posted.put)
        told: list[RefreshProgress] = []
        while True:
            message = posted.get(timeout=30)
            if isinstance(message, JobDone):
                break
            if isinstance(message, RefreshProgress):
                told.append(message)
        took = time.monotonic() - started
    finally:
        loop.stop()
    assert message.error_text is None
    assert (told[-1].done, told[-1].total) == (feeds, feeds)
    assert [m.done for m in told] == sorted({m.done for m in told})
    assert len(told) <= took / PROGRESS_EVERY + 2, f"{len(told)} told in {took:.2f} s"


def test_a_count_held_back_is_told_once_its_time_is_up(
    store: Store, config: Config, server: LoopbackServer
) -> None:
    """Two quick feeds end within PROGRESS_EVERY of each other, then a slow host keeps the
    refresh open: the second count, held back, is told a moment later, not with the last
    one (the header read "1/3" while two feeds were in; found in review)."""
    for name, delay in (("a", 0.05), ("b", 0.08), ("slow", 1.5)):
        add_feed(store, server.route(f"/{name}.xml", rss(NEW), delay=delay), name, [])
    posted: queue.Queue[Message] = queue.Queue()
    loop = BackgroundLoop(posted.put)
    started = time.monotonic()
    told: list[tuple[float, int]] = []
    try:
        start_refresh(loop, store, config, posted.put)
        while not isinstance(message := posted.get(timeout=30), JobDone):
            if isinstance(message, RefreshProgress):
                told.append((time.monotonic() - started, message.done))
        ended = time.monotonic() - started
    finally:
        loop.stop()
    assert [done for _, done in told][-1] == 3
    two = [at for at, done in told if done == 2]
    assert two, f"2/3 never told: {told}"
    assert two[0] < ended - 1.0, f"2/3 told at {two[0]:.2f} s, the refresh ended at {ended:.2f} s"
    # Nothing is told after the refresh's end: a late count would stay in the header.
    assert posted.empty()


async def test_entries_retention_drops_leave_the_list_at_the_refresh_end(
    store: Store, config: Config, server: LoopbackServer
) -> None:
    """A refresh that brought nothing new but dropped read entries past the age limit kept
    their rows, and opening one said "Gone" (a helper's tour: the corpus's old articles)."""
    old = [(f"alt{n}", f"Uralte Meldung {n}", 200 * 24 * 60 + n) for n in range(3)]
    url = server.route("/feed.xml", rss(NEW + old))
    add_feed(store, url, "Lokales", [])
    store.record_feed(
        store.feeds()[0].id,
        parse_feed(rss(NEW + old).encode(), url=url),
        status=200,
        etag=None,
        last_modified=None,
    )
    store.set_read([e.id for e in store.entries() if e.title.startswith("Uralte")])
    # Stored long ago as well: retention counts from the later of date and arrival.
    store.conn.execute("UPDATE entries SET first_seen = first_seen - 365 * 86400")
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    async with app.run_test(size=(140, 30)) as pilot:
        view = app.query_one(HeadlineView)
        await wait_for(pilot, lambda: view.count == 6)
        await pilot.press("r")
        await wait_for(pilot, lambda: not app.refreshing)
        await wait_for(pilot, lambda: view.count == 3)
        assert "Uralte" not in screen_text(app)
