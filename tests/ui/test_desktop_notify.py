"""A refresh that brings watch-word matches sends a desktop notification when [watch] notify
asks for one (issue 14): through the terminal's own sequence, else with notify-send."""

from __future__ import annotations

import stat
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from newsreader.core.config import Config, ReaderConfig, WatchConfig
from newsreader.core.store.store import Store
from newsreader.ui import watch_notes
from newsreader.ui.app import NewsreaderApp
from tests.support.hostile_text import bad_chars
from tests.support.loopback import LoopbackServer
from tests.ui.conftest import screen_text, wait_for

pytestmark = pytest.mark.usefixtures("utc_timezone")

# A headline as a hostile feed could send it: C1 CSI and OSC...ST (legal in XML 1.0), markup,
# a leading dash that notify-send would take for an option, shell syntax.
HOSTILE = "-u critical \u009b2J Fest im Kreuzviertel \u009d0;pwned\u009c [b]$(id)[/b]"
TERMINAL_HINTS = ("TERM_PROGRAM", "KITTY_WINDOW_ID", "WT_SESSION", "ConEmuPID", "TMUX")


def _rss(titles: list[str]) -> str:
    now = datetime.now(UTC)
    items = "".join(
        f"<item><guid>g{n}</guid><title>{t}</title><link>https://example.org/{n}</link>"
        f"<pubDate>{format_datetime(now - timedelta(minutes=n))}</pubDate></item>"
        for n, t in enumerate(titles)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>L</title>{items}</channel></rss>'
    )


def _fake_notify_send(folder: Path, record: Path) -> None:
    """A notify-send that writes its arguments, one per NUL-ended field, to `record`."""
    program = folder / "notify-send"
    program.write_text(f"#!/bin/sh\nprintf '%s\\0' \"$@\" > '{record}'\n", encoding="utf-8")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)


def _config(notify: str) -> Config:
    watch = WatchConfig(words=("Kreuzviertel",), notify=notify)
    return Config(reader=ReaderConfig(refresh_on_start=False), watch=watch)


@pytest.fixture
def plain_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A terminal that cannot be told, and a fake notify-send first on PATH; returns the file
    it records its arguments in."""
    for name in TERMINAL_HINTS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    folder = tmp_path / "bin"
    folder.mkdir()
    record = tmp_path / "notify-send.args"
    _fake_notify_send(folder, record)
    monkeypatch.setenv("PATH", f"{folder}:/usr/bin:/bin")
    return record


async def test_notify_send_runs_with_the_new_matches_made_inert(
    store: Store, server: LoopbackServer, plain_terminal: Path
) -> None:
    url = server.route("/feed.xml", _rss([HOSTILE, "Rat tagt", "Kreuzviertel feiert"]))
    store.add_feed(url, title="Lokales")
    argv = await _refresh_for_a_note(store, plain_terminal, "2 watched")
    assert argv[:3] == ["--app-name=newsreader", "--", "Watch words"]
    assert len(argv) == 4 and not bad_chars(argv[3])
    assert "Fest im Kreuzviertel" in argv[3] and "Kreuzviertel feiert (Lokales)" in argv[3]


async def test_a_refresh_before_the_first_count_still_tells_of_its_matches(
    store: Store,
    server: LoopbackServer,
    plain_terminal: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reader's first watched count is the baseline a refresh's new matches are told
    from. When the reader thread takes it late (busy with other reads, as under load), a
    refresh pressed at once used to store first: its matches went into the baseline and no
    note was sent. The refresh now waits for that count's snapshot."""
    counted = watch_notes._count

    def late(*args: object, **kwargs: object) -> watch_notes.WatchedCount:
        time.sleep(0.8)  # on the reader thread, before the snapshot: a busy reader thread
        return counted(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(watch_notes, "_count", late)
    url = server.route("/feed.xml", _rss(["Kreuzviertel feiert", "Rat tagt"]))
    store.add_feed(url, title="Lokales")
    argv = await _refresh_for_a_note(store, plain_terminal, "1 watched")
    assert "Kreuzviertel feiert (Lokales)" in argv[3]


async def _refresh_for_a_note(store: Store, record: Path, header: str) -> list[str]:
    """Press `r` in a reader that notifies by notify-send; the arguments the fake one got."""
    app = NewsreaderApp(store, _config("desktop"), offline=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: header in screen_text(app))
        await wait_for(pilot, record.exists)
        await app.workers.wait_for_complete()
    return record.read_text(encoding="utf-8").split("\0")[:-1]


async def test_a_terminal_that_shows_notifications_gets_its_sequence_instead(
    store: Store, server: LoopbackServer, plain_terminal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERM_PROGRAM", "WezTerm")
    url = server.route("/feed.xml", _rss([HOSTILE]))
    store.add_feed(url, title="Lokales")
    app = NewsreaderApp(store, _config("both"), offline=False)
    written: list[str] = []
    async with app.run_test(size=(120, 30)) as pilot:
        driver = app._driver
        assert driver is not None
        monkeypatch.setattr(driver, "write", written.append)
        await pilot.press("r")
        await wait_for(pilot, lambda: "1 watched" in screen_text(app))
        await wait_for(pilot, lambda: any("\x1b]777;" in w for w in written))
        await app.workers.wait_for_complete()
    notices = [w for w in written if w.startswith("\x1b]777;notify;Watch words;")]
    assert len(notices) == 1 and notices[0].endswith("\x07")
    assert not bad_chars(notices[0][1:-1]) and "Fest im Kreuzviertel" in notices[0]
    assert not plain_terminal.exists()  # the terminal told it: no second notification


async def test_off_and_bell_send_no_desktop_notification(
    store: Store, server: LoopbackServer, plain_terminal: Path
) -> None:
    url = server.route("/feed.xml", _rss([HOSTILE]))
    store.add_feed(url, title="Lokales")
    for notify in ("off", "bell"):
        app = NewsreaderApp(store, _config(notify), offline=False)
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.press("r")
            await wait_for(pilot, lambda: "1 watched" in screen_text(app))  # noqa: B023
            await app.workers.wait_for_complete()
        store.conn.execute("DELETE FROM entries")
        store.conn.commit()
    assert not plain_terminal.exists()
