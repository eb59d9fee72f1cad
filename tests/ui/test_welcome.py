"""First run: the welcome screen, adding a feed or a site, importing OPML, the sample edition."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Static

from newsreader.core.config import Config
from newsreader.core.store.store import Store
from newsreader.ui.add_feed_dialog import AddFeedDialog
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.headline_view import HeadlineView
from newsreader.ui.help_screen import HelpScreen
from newsreader.ui.import_dialog import ImportDialog
from newsreader.ui.welcome_screen import WelcomeScreen
from tests.support.loopback import LoopbackServer
from tests.ui.conftest import sample_cache, screen_text, wait_for

SIZE = (120, 36)
# Real time: the store prunes entries past the retention age.
NOW = datetime.now(UTC).replace(microsecond=0)


def clock() -> datetime:
    return NOW


def rss(title: str, n: int) -> str:
    items = "".join(
        f"<item><guid>{title}-{i}</guid><title>{title}: Meldung {i}</title>"
        f"<link>https://example.org/{title}/{i}</link>"
        f"<pubDate>{format_datetime(NOW - timedelta(hours=i + 1))}</pubDate></item>"
        for i in range(n)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://example.org/</link>{items}</channel></rss>"
    )


def page(*feeds: str) -> bytes:
    links = "".join(
        f"<link rel='alternate' type='application/rss+xml' title='Feed {n}' href='{href}'>"
        for n, href in enumerate(feeds, 1)
    )
    return f"<html><head>{links}</head><body>Hallo</body></html>".encode()


async def type_and_submit(pilot: Pilot[None], text: str) -> None:
    field = pilot.app.screen.query_one(Input)
    field.value = text
    field.focus()
    await pilot.press("enter")


def dialog_status(app: NewsreaderApp) -> str:
    return str(app.screen.query_one("#dialog-status", Static).render())


async def test_welcome_shows_on_an_empty_cache(store: Store, config: Config) -> None:
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        text = screen_text(app)
        assert "terminal" in text and "offline" in text
        for line in ("Add a feed or a news site", "Import subscriptions", "sample edition"):
            assert line in text
        # The reader's own keys do nothing behind the welcome screen.
        await pilot.press("j", "r", "slash", "u")
        assert isinstance(app.screen, WelcomeScreen)
        assert app.filters.unread is False
        await pilot.press("escape")
        assert not isinstance(app.screen, WelcomeScreen)
        assert "Press a to add a feed" in screen_text(app)


async def test_no_welcome_with_subscriptions(store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not isinstance(app.screen, WelcomeScreen)
        assert "Welcome to newsreader" not in screen_text(app)


async def test_add_a_feed_url_subscribes_and_shows_its_headlines(
    store: Store, config: Config, server: LoopbackServer
) -> None:
    url = server.route("/feed.xml", rss("Lokales", 5), content_type="application/rss+xml")
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        assert isinstance(app.screen, AddFeedDialog)
        await type_and_submit(pilot, url)
        view = app.query_one(HeadlineView)
        await wait_for(pilot, lambda: view.count == 5)
        await pilot.pause()
        assert not isinstance(app.screen, (AddFeedDialog, WelcomeScreen))
        assert [f.url for f in store.feeds()] == [url]
        assert "Lokales: Meldung 0" in screen_text(app)
        assert server.hits["/feed.xml"] == 1


async def test_add_a_page_subscribes_the_first_feed_it_announces(
    store: Store, config: Config, server: LoopbackServer
) -> None:
    first = server.route("/a.xml", rss("Erster", 2))
    server.route("/b.xml", rss("Zweiter", 3))
    site = server.route("/", page("/a.xml", "/b.xml"), content_type="text/html; charset=utf-8")
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await type_and_submit(pilot, site)
        view = app.query_one(HeadlineView)
        await wait_for(pilot, lambda: view.count == 2)
        assert [f.url for f in store.feeds()] == [first]
        assert "/b.xml" not in server.hits


async def test_a_page_without_feeds_gives_one_line_and_adds_nothing(
    store: Store, config: Config, server: LoopbackServer
) -> None:
    plain = server.route("/plain", b"<html><body>nix</body></html>", content_type="text/html")
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await type_and_submit(pilot, plain)
        await wait_for(pilot, lambda: "neither" in dialog_status(app))
        status = dialog_status(app)
        assert status == f"{plain} is neither a feed nor a page that links to one"
        assert isinstance(app.screen, AddFeedDialog)
        assert store.feeds() == []
        # A fetch error is one line too; escape goes back to the welcome screen.
        missing = server.route("/gone", b"", status=404)
        await type_and_submit(pilot, missing)
        await wait_for(pilot, lambda: "404" in dialog_status(app))
        assert "\n" not in dialog_status(app)
        await pilot.press("escape")
        assert isinstance(app.screen, WelcomeScreen)
        assert store.feeds() == []


async def test_add_works_from_the_reader_and_is_in_help(
    store: Store, config: Config, server: LoopbackServer
) -> None:
    sample_cache(store)
    url = server.route("/feed.xml", rss("Neu", 2))
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        ids = {row.id for row in app.screen.rows}
        assert {"app.add_feed", "app.import_opml", "welcome.demo"} <= ids
        await pilot.press("escape", "a")
        assert isinstance(app.screen, AddFeedDialog)
        await type_and_submit(pilot, url)
        view = app.query_one(HeadlineView)
        await wait_for(pilot, lambda: view.count == 8)
        assert len(store.feeds()) == 3


async def test_import_opml_subscribes_with_folders_as_tags_and_refreshes(
    store: Store, config: Config, server: LoopbackServer, tmp_path: Path
) -> None:
    one = server.route("/one.xml", rss("Eins", 2))
    two = server.route("/two.xml", rss("Zwei", 3))
    opml = tmp_path / "abos.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        f'<outline text="Münster"><outline type="rss" text="Eins" xmlUrl="{one}"/></outline>'
        f'<outline type="rss" text="Zwei" xmlUrl="{two}"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        assert isinstance(app.screen, ImportDialog)
        await type_and_submit(pilot, str(tmp_path / "fehlt.opml"))
        await wait_for(pilot, lambda: "cannot read" in dialog_status(app))
        assert "fehlt.opml" in dialog_status(app)
        not_opml = tmp_path / "x.opml"
        not_opml.write_text("<html/>", encoding="utf-8")
        await type_and_submit(pilot, str(not_opml))
        await wait_for(pilot, lambda: "not an OPML file" in dialog_status(app))
        assert store.feeds() == []
        await type_and_submit(pilot, str(opml))
        view = app.query_one(HeadlineView)
        await wait_for(pilot, lambda: view.count == 5)
        feeds = {f.url: f for f in store.feeds()}
        assert set(feeds) == {one, two}
        assert feeds[one].tags == ("Münster",) and feeds[two].tags == ()
        assert feeds[one].title == "Eins"
        assert not isinstance(app.screen, WelcomeScreen)


async def test_sample_edition_opens_in_its_own_store_and_stops_on_quit(
    store: Store, config: Config
) -> None:
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await wait_for(pilot, lambda: app.demo is not None, timeout=30)
        demo = app.demo
        assert demo is not None
        # Queried afresh each time: the panes are composed again around the edition's store
        # (and for a moment there is no headline list at all).
        await wait_for(pilot, lambda: any(v.count >= 40 for v in app.query(HeadlineView)))
        assert app.store is demo.store and not isinstance(app.screen, WelcomeScreen)
        assert store.feeds() == []  # the user's cache stays untouched
        port, directory = demo.server.port, demo.directory
        assert directory.is_dir()
        await pilot.press("q")
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0
    assert not directory.exists()
