"""A dialog's work (adding a feed, importing OPML) outlives the dialog: escaped while it
works, it is still told; finished under the palette, the dialog closes when the user is back;
quitting never waits for it. Each case failed before (a helper's review)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import Input

from newsreader.core.config import Config
from newsreader.core.store.store import Store
from newsreader.core.subscribe.opml import Imported
from newsreader.ui.add_feed_dialog import AddFeedDialog
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.import_dialog import ImportDialog
from tests.support.loopback import LoopbackServer
from tests.ui.conftest import Notes, sample_cache, wait_for
from tests.ui.test_reader_habits import feed_rows
from tests.ui.test_welcome import clock, rss

SIZE = (140, 36)


async def send_address(pilot: object, app: NewsreaderApp, url: str) -> AddFeedDialog:
    await pilot.press("a")  # type: ignore[attr-defined]
    dialog = app.screen
    assert isinstance(dialog, AddFeedDialog)
    field = dialog.query_one(Input)
    field.value = url
    field.focus()
    await pilot.press("enter")  # type: ignore[attr-defined]
    return dialog


async def test_escape_cancels_the_add_even_while_it_fetches(
    store: Store, config: Config, server: LoopbackServer
) -> None:
    """The dialog says "escape: cancel". Before, the fetch went on in the dialog's thread and
    subscribed the feed anyway, with no note and no row in the feed pane; now the work stops
    before it stores anything, and a failure after the escape says nothing either."""
    sample_cache(store)
    url = server.route("/slow.xml", rss("Langsam", 4), delay=0.6)
    gone = server.route("/gone.xml", b"", status=404, delay=0.6)
    notes = Notes()
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await wait_for(pilot, lambda: app.ready)
        feeds_before = [f.url for f in store.feeds()]

        async def escape_while_fetching(address: str, path: str) -> None:
            dialog = await send_address(pilot, app, address)
            await wait_for(pilot, lambda: server.hits.get(path, 0) == 1)
            await pilot.press("escape")
            assert not isinstance(app.screen, AddFeedDialog)
            await wait_for(pilot, lambda: not dialog.busy)

        await escape_while_fetching(url, "/slow.xml")
        await escape_while_fetching(gone, "/gone.xml")
        await pilot.pause(0.2)
        assert [f.url for f in store.feeds()] == feeds_before
        assert not any("Langsam" in r for r in feed_rows(app))
        assert notes.messages == []


async def test_finished_under_the_palette_the_dialog_closes_once_the_user_is_back(
    store: Store, config: Config, server: LoopbackServer
) -> None:
    """Before, its dismissal popped the top screen, the palette, and the finished dialog
    stayed open with its callback spent."""
    sample_cache(store)
    url = server.route("/slow.xml", rss("Langsam", 4), delay=1.0)
    notes = Notes()
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await send_address(pilot, app, url)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await wait_for(pilot, lambda: any(f.url == url for f in store.feeds()))
        await pilot.pause(0.3)
        assert isinstance(app.screen, CommandPalette)  # the user's palette stays
        await pilot.press("escape")
        await wait_for(pilot, lambda: any("Langsam" in r for r in feed_rows(app)))
        assert not any(isinstance(s, AddFeedDialog) for s in app.screen_stack)
        assert any(m.startswith("Subscribed to Langsam") for m in notes.messages)


def test_quitting_does_not_wait_for_the_dialog_s_request(
    store: Store, config: Config, server: LoopbackServer
) -> None:
    """The work ran in the loop's default executor, which `App.run` waits for: the process
    stayed, after the terminal was handed back, until the server answered (up to a minute)."""
    answer_after = 20.0
    url = server.route("/hangs.xml", rss("Nie", 1), delay=answer_after)
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    quit_at: list[float] = []

    async def auto_pilot(pilot: object) -> None:
        await wait_for(pilot, lambda: app.ready)
        await send_address(pilot, app, url)
        await wait_for(pilot, lambda: server.hits.get("/hangs.xml", 0) == 1)
        quit_at.append(time.monotonic())
        app.exit()

    app.run(headless=True, size=SIZE, auto_pilot=auto_pilot)
    assert quit_at, "the pilot never reached the quit"
    assert time.monotonic() - quit_at[0] < answer_after / 2


async def test_adding_a_feed_already_subscribed_says_so(
    store: Store, config: Config, server: LoopbackServer
) -> None:
    """The dialog said "Subscribed to Langsam: 0 headlines." for a feed it already had, under
    its own address or another spelling of it (a helper's tour); the command line said
    "already subscribed"."""
    url = server.route("/feed.xml", rss("Langsam", 2))
    notes = Notes()
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await send_address(pilot, app, url)
        await wait_for(pilot, lambda: any(m.startswith("Subscribed to") for m in notes.messages))
        await send_address(pilot, app, url.replace("http://", "HTTP://") + "#oben")
        await wait_for(pilot, lambda: any("Already" in m for m in notes.messages))
        assert notes.messages[-1] == f"Already subscribed to Langsam ({url})."
        assert [f.url for f in store.feeds()] == [url]


async def test_an_import_ending_as_the_escape_closes_its_dialog_is_still_told(
    store: Store, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Escape pops the dialog at once but the screen goes a few turns later: an answer in
    between found it still attached and not on top, waited for the user to come back to it,
    and never came: the feeds were imported, unsaid and not fetched (a helper's review)."""
    from newsreader.core.subscribe import opml as opml_module

    sample_cache(store)
    opml = tmp_path / "neu.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline type="rss" text="Neu" '
        'xmlUrl="https://neu.example/feed"/></body></opml>'
    )
    real, go = opml_module.import_opml, threading.Event()

    def when_told(store: Store, path: Path) -> Imported:
        go.wait(10)
        return real(store, path)

    monkeypatch.setattr(opml_module, "import_opml", when_told)
    notes = Notes()
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await wait_for(pilot, lambda: app.ready and bool(feed_rows(app)))
        await pilot.press("i")
        dialog = app.screen
        assert isinstance(dialog, ImportDialog)
        dialog.query_one(Input).value = str(opml)
        await pilot.press("enter")
        await wait_for(pilot, lambda: dialog.busy)
        dialog.action_cancel()  # escape, and the answer comes before the screen is gone
        go.set()
        time.sleep(0.3)
        await wait_for(pilot, lambda: not dialog.busy)
        await wait_for(pilot, lambda: any(m.startswith("Imported 1 feed") for m in notes.messages))
