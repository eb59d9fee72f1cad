"""`o`, `y` and `e`: the URL goes to a browser, the clipboard or a player.

The browsers and players here are fakes: small scripts put on PATH under the names of real
programs (firefox, w3m, mpv), taking the command line a real one would take and writing down
what they were called with, the session they ran in, and whether they had a terminal. That is
all the reader can observe of a real browser too.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from newsreader.core.article_records import Enclosure
from newsreader.core.config import BrowserConfig, Config, PlayerConfig
from newsreader.core.config_file import load_config
from newsreader.core.errors import ConfigError
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.article_view import ArticleView
from newsreader.ui.browser import browser_for
from tests.ui.conftest import Notes, add_feed, clock, entry, sample_cache, wait_for

WIDE = (140, 40)
EPISODE = "https://radio.example/audio/folge-7.mp3"


def fake_program(bin_dir: Path, name: str, log: Path) -> None:
    """A stand-in for a real browser or player: records argv, its session and its stdin."""
    script = bin_dir / name
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        f"with open({str(log)!r}, 'a') as out:\n"
        "    out.write(json.dumps({'name': os.path.basename(sys.argv[0]), 'argv': sys.argv[1:],"
        " 'sid': os.getsid(0), 'tty': os.isatty(0)}) + '\\n')\n"
    )
    script.chmod(0o755)


def calls(log: Path) -> list[dict[str, object]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


@pytest.fixture
def programs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A PATH holding only our fakes, a display, and no $BROWSER."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("BROWSER", raising=False)
    return bin_dir, tmp_path / "calls.jsonl"


async def test_o_starts_a_graphical_browser_detached(
    store: Store, config: Config, programs: tuple[Path, Path]
) -> None:
    bin_dir, log = programs
    fake_program(bin_dir, "firefox", log)
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("o")
        await wait_for(pilot, lambda: bool(calls(log)))
    (call,) = calls(log)
    assert call["name"] == "firefox" and call["argv"] == ["https://example.org/a/11"]
    # a session of its own, and nothing of ours on its stdin
    assert call["sid"] != os.getsid(0) and call["tty"] is False


async def test_o_only_opens_http(store: Store, config: Config, programs: tuple[Path, Path]) -> None:
    bin_dir, log = programs
    fake_program(bin_dir, "firefox", log)
    add_feed(store, "https://evil.example/f", "Evil", [entry(99, "js", url="javascript:alert(1)")])
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    notes = Notes()
    async with app.run_test(size=WIDE, message_hook=notes) as pilot:
        await pilot.press("enter", "o", "y")
        await pilot.pause(0.2)
        assert app.clipboard == ""
    assert calls(log) == []
    assert any("Not opened (only http/https)" in m for m in notes.messages), notes.messages
    assert any("Not copied (only http/https)" in m for m in notes.messages), notes.messages


async def test_o_with_no_browser_says_so(
    store: Store, config: Config, programs: tuple[Path, Path]
) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    notes = Notes()
    async with app.run_test(size=WIDE, message_hook=notes) as pilot:
        await pilot.press("o")
        await pilot.pause(0.1)
    assert any(m.startswith("No browser: none found.") for m in notes.messages), notes.messages


async def test_o_and_y_on_an_entry_without_a_link_say_so(
    store: Store, config: Config, programs: tuple[Path, Path]
) -> None:
    """`o` did nothing, without a word, where `y` said it had no link (a helper's tour)."""
    add_feed(
        store, "https://radio.example/feed", "Radio", [replace(entry(1, "Ohne Link"), url=None)]
    )
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    notes = Notes()
    async with app.run_test(size=WIDE, message_hook=notes) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await pilot.press("o", "y")
        await pilot.pause(0.1)
    assert [m for m in notes.messages if m.startswith("No link")] == [
        "No link to open.",
        "No link to copy.",
    ]
    _, log = programs
    assert calls(log) == []


async def test_a_configured_console_browser_wants_the_terminal(
    store: Store, config: Config, programs: tuple[Path, Path]
) -> None:
    """Textual's test driver cannot suspend: the reader says so rather than letting w3m draw
    over it (the real hand-over is tests/e2e's test_console_browser_and_player_get_the_terminal)."""
    bin_dir, log = programs
    fake_program(bin_dir, "w3m", log)
    sample_cache(store)
    config = replace(config, browser=BrowserConfig(command="w3m -M"))
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    notes = Notes()
    async with app.run_test(size=WIDE, message_hook=notes) as pilot:
        await pilot.press("o")
        await pilot.pause(0.2)
    assert calls(log) == []
    assert any("w3m needs the terminal" in m for m in notes.messages), notes.messages


def test_which_programs_count_as_console(programs: tuple[Path, Path]) -> None:
    bin_dir, log = programs
    for name in ("firefox", "w3m", "mybrowser"):
        fake_program(bin_dir, name, log)
    url = "https://example.org/"
    env = dict(os.environ)
    auto = browser_for(url, BrowserConfig(), env)
    assert auto is not None and auto.argv == ("firefox", url) and not auto.console
    listed = browser_for(url, BrowserConfig(command="w3m"), env)
    assert listed is not None and listed.console
    # $BROWSER is a colon-separated list; %s stands for the URL
    env["BROWSER"] = "nosuch:mybrowser --tab %s"
    chosen = browser_for(url, BrowserConfig(), env)
    assert chosen is not None and chosen.argv == ("mybrowser", "--tab", url)
    # no display: every browser needs the terminal, and the console ones are tried after $BROWSER
    del env["DISPLAY"], env["BROWSER"]
    headless = browser_for(url, BrowserConfig(), env)
    assert headless is not None and headless.argv == ("w3m", url) and headless.console
    assert browser_for(url, BrowserConfig(command="firefox"), env).console  # type: ignore[union-attr]


async def test_y_copies_the_article_url(store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    notes = Notes()
    async with app.run_test(size=WIDE, message_hook=notes) as pilot:
        await pilot.press("j", "enter", "y")
        await pilot.pause(0.1)
        assert app.clipboard == "https://example.org/a/1"
    assert "Copied https://example.org/a/1" in notes.messages


def podcast_cache(store: Store) -> None:
    episode = replace(
        entry(1, "Folge 7: Der Wochenmarkt"),
        enclosures=(
            Enclosure("https://radio.example/cover.jpg", "image/jpeg"),
            Enclosure(EPISODE, "audio/mpeg", 1_307_085, 163),
        ),
    )
    add_feed(store, "https://radio.example/podcast", "Radio", [episode, entry(2, "Ohne Ton")])


async def test_e_hands_the_enclosure_to_the_player(
    store: Store, config: Config, programs: tuple[Path, Path]
) -> None:
    bin_dir, log = programs
    fake_program(bin_dir, "vlc", log)  # graphical: not in [player] console
    podcast_cache(store)
    config = replace(config, player=PlayerConfig(command="vlc --play-and-exit"))
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.ready)
        article = app.query_one(ArticleView)
        shown = str(article.query_one("#article-attachments").render())
        assert "audio/mpeg · 1.3 MB · 2:43" in shown and "cover.jpg" not in shown
        await pilot.press("e")  # in the list: not bound there
        await pilot.pause(0.2)
        assert calls(log) == []
        article.focus()
        await pilot.pause()
        assert any(b.binding.key == "e" for b in app.active_bindings.values())
        await pilot.press("e")
        await wait_for(pilot, lambda: bool(calls(log)))
        # an article without attachments: no `e` in the footer, and `e` does nothing
        app.headlines.focus()
        await pilot.press("j", "enter")
        await wait_for(
            pilot, lambda: article.shown is not None and article.shown.title == "Ohne Ton"
        )
        article.focus()
        await pilot.pause()
        assert not any(b.binding.key == "e" for b in app.active_bindings.values())
        assert not article.query_one("#article-attachments").display
    (call,) = calls(log)
    assert call["argv"] == ["--play-and-exit", EPISODE]


async def test_e_with_no_player_says_so(
    store: Store, config: Config, programs: tuple[Path, Path]
) -> None:
    podcast_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)  # mpv, not on PATH
    notes = Notes()
    async with app.run_test(size=WIDE, message_hook=notes) as pilot:
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.ready)
        app.query_one(ArticleView).focus()
        await pilot.press("e")
        await pilot.pause(0.1)
    assert any("No player: 'mpv' is not installed" in m for m in notes.messages), notes.messages


def test_browser_and_player_sections_are_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[browser]\ncommand = "firefox --new-window %u"\nconsole = ["lynx", "carbonyl"]\n'
        '[player]\ncommand = "vlc"\nconsole = []\n'
    )
    config = load_config(path)
    assert config.browser == BrowserConfig("firefox --new-window %u", ("lynx", "carbonyl"))
    assert config.player == PlayerConfig("vlc", ())
    assert load_config(tmp_path / "absent.toml").player.command == "mpv"
    path.write_text('[browser]\nconsole = "lynx"\n')
    with pytest.raises(ConfigError, match=r"browser\.console must be a list of strings"):
        load_config(path)
