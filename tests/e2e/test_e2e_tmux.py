"""End to end: the installed `newsreader --demo` in a real terminal (tmux), driven by keys,
checked by reading the screen as a person would."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

NEWSREADER = Path(sys.executable).parent / "newsreader"


def tmux(name: str) -> list[str]:
    """tmux on a server of this test's own (`-L`): one the user or another test runs is
    never asked, nor caught starting or exiting (a shared server once failed a setup)."""
    return ["tmux", "-L", name]


def start_tmux(name: str, command: str, env: dict[str, str], lines: int = 40) -> None:
    """A 120-column terminal named `name` running `command`, on its own tmux server."""
    size = ["-x", "120", "-y", str(lines)]
    subprocess.run(
        [*tmux(name), "new-session", "-d", "-s", name, *size, command], check=True, env=env
    )


def stop_tmux(name: str) -> None:
    """End the test's tmux server and take its socket file away with it."""
    subprocess.run([*tmux(name), "kill-server"], capture_output=True)
    folder = Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
    (folder / name).unlink(missing_ok=True)


class Terminal:
    def __init__(self, name: str) -> None:
        self.name = name

    def keys(self, *keys: str) -> None:
        subprocess.run([*tmux(self.name), "send-keys", "-t", self.name, *keys], check=True)

    def type(self, text: str) -> None:
        subprocess.run([*tmux(self.name), "send-keys", "-l", "-t", self.name, text], check=True)

    def screen(self) -> str:
        out = subprocess.run(
            [*tmux(self.name), "capture-pane", "-p", "-t", self.name],
            capture_output=True,
            text=True,
        )
        return out.stdout

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{self.screen()}")

    def wait_gone(self, text: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text not in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} stayed; the screen was:\n{self.screen()}")


def _detail(screen: str, width: int = 120) -> str:
    """The right-hand pane (the article) of a wide screen."""
    return "\n".join(line[width // 2 + 10 :] for line in screen.splitlines())


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    if not NEWSREADER.exists():
        pytest.skip("the newsreader console script is not installed in this environment")
    name = f"nr-{uuid.uuid4().hex[:8]}"
    # Textual's run_test() leaves COLUMNS and LINES in os.environ; inherited, they would size
    # the real terminal's app to 80x24 whatever tmux says.
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env |= {"NEWSREADER_CONFIG": str(tmp_path / "none.toml"), "TERM": "xterm-256color"}
    # The settings that matter go on the command line too, whatever environment the tmux
    # server hands the command.
    config = shlex.quote(str(tmp_path / "none.toml"))
    command = (
        f"env -u COLUMNS -u LINES NEWSREADER_CONFIG={config} TERM=xterm-256color "
        f"{shlex.quote(str(NEWSREADER))} --demo; echo EXITED $?; sleep 5"
    )
    start_tmux(name, command, env)
    try:
        yield Terminal(name)
    finally:
        stop_tmux(name)


@pytest.mark.slow
def test_demo_walk_through(terminal: Terminal) -> None:
    screen = terminal.wait_for("unread")
    assert "Polizei" in screen and "online" in screen
    # open the newest article: its title and full text appear on the right
    terminal.keys("g", "Enter")
    screen = terminal.wait_for("Teasers (")
    # the first line with words: scrollbar glyphs can stand alone on a row while it paints
    bars = "│█▁▂▃▄▅▆▇ "
    rows = (line.strip(bars) for line in _detail(screen).splitlines())
    first_title = next(row for row in rows if any(ch.isalpha() for ch in row))
    assert first_title
    # walk the teasers with ] and follow the second one inside the pane
    terminal.keys("]")
    time.sleep(0.3)
    terminal.keys("]")
    time.sleep(0.3)
    terminal.keys("Enter")
    terminal.wait_gone(first_title)
    screen = terminal.wait_for("Teasers (")
    assert first_title not in _detail(screen)
    # back: the first article again
    terminal.keys("BSpace")
    terminal.wait_for(first_title)
    # search with an umlaut typed without it
    terminal.keys("/")
    terminal.wait_for("Search titles and text")  # the field is open before we type into it
    terminal.type("Muenster")
    terminal.keys("Enter")
    screen = terminal.wait_for("search: Muenster")
    assert "Münster" in screen
    # unread-only filter on
    terminal.keys("Escape")
    time.sleep(0.3)
    terminal.keys("u")
    terminal.wait_for("·  unread")
    terminal.keys("q")
    terminal.wait_for("EXITED 0")
