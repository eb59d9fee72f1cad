"""The reader with [sync] on, against the fake FreshRSS server on 127.0.0.1: the header names
the server, `R` syncs and then fetches the local feeds, a failed sync is one notification and
reading goes on."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from newsreader.core.config import Config, ReaderConfig, SyncConfig
from newsreader.core.parsed import ParsedEntry
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.feed_pane import FeedPane
from newsreader.ui.headline_view import HeadlineView
from newsreader.ui.messages import REFRESH
from tests.support.fake_greader import STARRED, FakeGReader
from tests.support.feedgen import items, rss
from tests.support.loopback import LoopbackServer
from tests.support.sync_setup import API_PASSWORD, GReaderPhone
from tests.ui.conftest import NOW as FROZEN
from tests.ui.conftest import Notes, add_feed, keys, sample_cache, screen_text, wait_for
from tests.ui.conftest import clock as frozen_clock

# Real time: refresh prunes entries past the retention age.
NOW = datetime.now(UTC).replace(microsecond=0)


def clock() -> datetime:
    return NOW


Snap = Callable[..., bool]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGReader]:
    monkeypatch.setenv("NEWSREADER_SYNC_PASSWORD", API_PASSWORD)
    server = FakeGReader(api_password=API_PASSWORD).start()
    try:
        yield server
    finally:
        server.stop()


def sync_config(url: str) -> Config:
    return Config(
        reader=ReaderConfig(refresh_on_start=False),
        sync=SyncConfig(service="greader", url=url, user="alice"),
    )


def populate(fake: FakeGReader) -> None:
    city = fake.add_feed("http://news.example/stadt.xml", "Stadt", ["Lokales"])
    now = int(time.time())
    for n in range(3):
        fake.add_item(city, f"Vom Server {n}", f"http://news.example/{n}", published=now - n * 60)


def local_feed(store: Store, server: LoopbackServer) -> str:
    """A feed only this reader has, on the loopback server, with one cached headline."""
    url = server.route("/lokal.xml", rss(items(2, prefix="Lokal")))
    add_feed(
        store,
        url,
        "Nur hier",
        [ParsedEntry(key="cached", title="Schon im Cache", url="http://example.org/c")],
    )
    return url


def titles(app: NewsreaderApp) -> dict[str, tuple[bool, bool]]:
    """Every headline in the cache: title -> (read, starred)."""
    return {e.title: (e.read, e.starred) for e in app.store.entries(limit=1000)}


async def refreshed(pilot: object, app: NewsreaderApp) -> None:
    await wait_for(pilot, lambda: not app.refreshing and not app.net.running(REFRESH), 30)


async def test_header_names_the_server_and_R_syncs_both_ways(
    store: Store, fake: FakeGReader, server: LoopbackServer
) -> None:
    populate(fake)
    local_feed(store, server)
    app = NewsreaderApp(store, sync_config(fake.url), clock=clock)
    async with app.run_test(size=(150, 30)) as pilot:
        header = screen_text(app).splitlines()[0]
        assert "greader 127.0.0.1: never synced" in header
        assert "alice" not in header
        await pilot.press("R")
        await refreshed(pilot, app)
        assert "greader 127.0.0.1: synced now" in screen_text(app).splitlines()[0]
        assert server.hits["/lokal.xml"] == 1  # the local feed is still fetched here
        seen = titles(app)
        assert {"Vom Server 0", "Vom Server 1", "Vom Server 2", "Schon im Cache"} <= set(seen)
        await wait_for(pilot, lambda: "Vom Server 0" in screen_text(app))

        # The phone reads one; the reader stars another: one R and both sides agree.
        phone = GReaderPhone(fake.url, "alice", API_PASSWORD)
        by_title = {i.title: i for i in fake.items.values()}
        phone.edit([str(by_title["Vom Server 1"].num)], add="user/-/state/com.google/read")
        view = app.query_one(HeadlineView)
        await wait_for(pilot, lambda: view.current is not None)
        while view.current is not None and view.current.title != "Vom Server 2":
            await pilot.press("j")
        await pilot.press("s")
        before = fake.api_calls()
        await pilot.press("R")
        await refreshed(pilot, app)
        assert by_title["Vom Server 2"].starred
        assert titles(app)["Vom Server 1"][0] is True
        assert titles(app)["Vom Server 2"] == (False, True)
        # One session, one login: the second sync sent the star and pulled the read mark
        # without logging in again.
        assert ("POST", "accounts/ClientLogin") not in fake.calls[before:]
        assert any(STARRED in edit.get("a", []) for edit in fake.edits)
        # Nothing new: four requests (subscriptions, new items, unread and starred ids).
        before = fake.api_calls()
        await pilot.press("R")
        await refreshed(pilot, app)
        assert fake.api_calls() - before == 4, fake.calls[before:]


async def test_r_on_a_server_feed_syncs_and_does_not_fetch_it_here(
    store: Store, fake: FakeGReader, server: LoopbackServer
) -> None:
    served = server.route("/stadt.xml", rss(items(2)))
    feed = fake.add_feed(served, "Stadt")
    fake.add_item(feed, "Erste", "http://news.example/1")
    app = NewsreaderApp(store, sync_config(fake.url), clock=clock)
    async with app.run_test(size=(150, 30)) as pilot:
        await pilot.press("R")
        await refreshed(pilot, app)
        fake.add_item(feed, "Zweite", "http://news.example/2", crawled=time.time() + 2)
        (synced,) = app.store.feeds()
        pane = app.query_one(FeedPane)
        pane.focus()
        for _ in range(4):  # All, then the feed
            if pane.highlighted_feed is not None and pane.highlighted_feed.id == synced.id:
                break
            await pilot.press("j")
        assert pane.highlighted_feed is not None and pane.highlighted_feed.id == synced.id
        calls = fake.api_calls()
        await pilot.press("r")  # a fast sync may end before the key returns: count its calls
        await refreshed(pilot, app)
        assert fake.api_calls() > calls and "Zweite" in titles(app)
        assert server.hits.get("/stadt.xml", 0) == 0  # the server fetches it, not we


@pytest.mark.parametrize("fault", ["down", "password", "html"])
async def test_a_failed_sync_is_one_note_and_reading_goes_on(
    fault: str, store: Store, fake: FakeGReader, server: LoopbackServer
) -> None:
    local_feed(store, server)
    url = fake.url
    if fault == "down":
        fake.stop()
    elif fault == "html":
        fake.faults.add("html")
    else:
        fake.users["alice"] = "a-new-password"
    notes = Notes()
    app = NewsreaderApp(store, sync_config(url), clock=clock)
    async with app.run_test(size=(150, 30), message_hook=notes) as pilot:
        await pilot.press("R")
        await refreshed(pilot, app)
        assert server.hits["/lokal.xml"] == 1  # the local feed was refreshed all the same
        await pilot.press("R")  # a second failure is not said again
        await refreshed(pilot, app)
        failed = [m for m in notes.messages if "Sync failed" in m]
        assert len(failed) == 1, notes.messages
        (note,) = failed
        assert "\n" not in note and "Traceback" not in note
        assert API_PASSWORD not in note and "a-new-password" not in note
        assert "sync failed" in screen_text(app).splitlines()[0]
        # The cache is as readable as before.
        await pilot.press("g", "enter")
        await wait_for(pilot, lambda: "Lokal" in screen_text(app) or "Schon" in screen_text(app))
        assert "Schon im Cache" in titles(app)


async def test_the_header_names_the_host_only(store: Store, server: LoopbackServer) -> None:
    """Credentials written into the URL never reach the screen."""
    local_feed(store, server)
    config = sync_config("https://alice:hunter2@rss.example.net:8443/api/greader.php")
    app = NewsreaderApp(store, config, clock=clock)
    async with app.run_test(size=(150, 30)) as pilot:
        await pilot.pause()
        header = screen_text(app).splitlines()[0]
        assert "greader rss.example.net: never synced" in header
        assert "hunter2" not in header and "alice" not in header


async def test_no_sync_line_without_a_sync_section(store: Store, server: LoopbackServer) -> None:
    local_feed(store, server)
    app = NewsreaderApp(store, Config(reader=ReaderConfig(refresh_on_start=False)), clock=clock)
    async with app.run_test(size=(150, 30)) as pilot:
        await pilot.pause()
        assert "synced" not in screen_text(app).splitlines()[0]


async def test_the_start_up_refresh_fills_an_empty_cache_from_the_server(
    store: Store, fake: FakeGReader
) -> None:
    """No welcome screen with [sync] on: the first sync brings the subscriptions."""
    populate(fake)
    config = sync_config(fake.url)
    config = replace(config, reader=replace(config.reader, refresh_on_start=True))
    notes = Notes()
    app = NewsreaderApp(store, config, clock=clock)
    fake.latency = 0.1  # the first sync takes a moment, long enough to look at the panes
    async with app.run_test(size=(150, 30), message_hook=notes) as pilot:
        await wait_for(pilot, lambda: "first sync" in screen_text(app), 10)
        # Before the feeds arrive the list waits for the server; it never offers to add feeds,
        # nor the sample edition, which would swap the cache the sync is filling.
        assert "No subscriptions yet" not in screen_text(app)
        assert "Sample edition" not in screen_text(app)
        await pilot.press("d")
        assert app.demo is None
        fake.latency = 0.0
        await wait_for(pilot, lambda: app.store.has_feeds(), 30)
        await refreshed(pilot, app)
        assert notes.messages == []
        assert [f.title for f in app.store.feeds()] == ["Stadt"]
        await wait_for(pilot, lambda: "Vom Server 0" in screen_text(app), 30)
        # The first-sync note beside the list gives way once the feeds are in.
        await wait_for(pilot, lambda: "Nothing selected" in screen_text(app), 10)
        await wait_for(pilot, lambda: "first sync" not in screen_text(app), 10)
        assert "No subscriptions yet" not in screen_text(app)


@pytest.mark.usefixtures("utc_timezone")
def test_snapshot_header_with_sync(snap_compare: Snap, store: Store) -> None:
    sample_cache(store)
    with store.transaction() as conn:  # as a sync three minutes before the frozen clock leaves it
        conn.execute(
            "INSERT INTO sync_state (key, value) VALUES ('last_sync', ?)",
            (str(int((FROZEN - timedelta(minutes=3)).timestamp())),),
        )
    config = sync_config("https://rss.example.net/api/greader.php")
    app = NewsreaderApp(store, config, offline=False, clock=frozen_clock)
    assert snap_compare(app, terminal_size=(140, 24), run_before=keys())


async def test_quitting_does_not_wait_for_a_server_that_does_not_answer(
    store: Store, fake: FakeGReader, server: LoopbackServer
) -> None:
    local_feed(store, server)
    fake.latency = 30.0  # every answer, the login's first
    config = sync_config(fake.url)
    config = replace(config, sync=replace(config.sync, timeout=60.0))
    app = NewsreaderApp(store, config, clock=clock)
    async with app.run_test(size=(150, 30)) as pilot:
        await pilot.press("R")
        await wait_for(pilot, lambda: "syncing" in screen_text(app).splitlines()[0])
        await pilot.pause(0.3)  # the login is on its way
        started = time.monotonic()
    # The reader is gone long before the server would have answered.
    assert time.monotonic() - started < 15
