"""The reader in a real terminal (tmux), in what it does to the terminal itself.

`o` and `e` hand the terminal to a console browser and player and take it back, with fakes of
w3m and mpv that talk to the terminal as the real ones do (they print, and wait for a key) and
write down what they were called with; NO_COLOR paints the screen in grey alone."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_e2e_tmux import NEWSREADER, Terminal, start_tmux, stop_tmux, tmux

pytestmark = pytest.mark.e2e

FAKE = """#!{python}
import json, sys
with open({log!r}, "a") as out:
    out.write(json.dumps([{name!r}, sys.argv[1:]]) + "\\n")
print("FAKE {name} (a stand-in for {name}) got:", *sys.argv[1:])
input("press enter to leave ")
"""


def with_env(env: dict[str, str]) -> str:
    """`env NAME=value ...` for the command, whatever environment the tmux server hands it."""
    names = ("PATH", "DISPLAY", "NEWSREADER_CONFIG", "TERM", "COLORTERM", "NO_COLOR")
    pairs = (f"{n}={shlex.quote(env[n])}" for n in names if n in env)
    return "env -u BROWSER -u WAYLAND_DISPLAY " + " ".join(pairs)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[tuple[Terminal, Path]]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    if not NEWSREADER.exists():
        pytest.skip("the newsreader console script is not installed in this environment")
    bin_dir, log = tmp_path / "bin", tmp_path / "calls.jsonl"
    bin_dir.mkdir()
    for name in ("w3m", "mpv"):
        script = bin_dir / name
        script.write_text(FAKE.format(python=sys.executable, log=str(log), name=name))
        script.chmod(0o755)
    config = tmp_path / "config.toml"
    config.write_text('[browser]\ncommand = "w3m"\n\n[player]\ncommand = "mpv --no-video"\n')
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "BROWSER")}
    env |= {
        "NEWSREADER_CONFIG": str(config),
        "TERM": "xterm-256color",
        "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        "DISPLAY": ":0",  # so w3m and mpv are console programs by the `console` lists alone
    }
    name = f"nr-{uuid.uuid4().hex[:8]}"
    command = f"{with_env(env)} {NEWSREADER} --demo; echo EXITED $?; sleep 5"
    start_tmux(name, command, env)
    try:
        yield Terminal(name), log
    finally:
        stop_tmux(name)


@pytest.mark.slow
def test_console_browser_and_player_get_the_terminal(terminal: tuple[Terminal, Path]) -> None:
    term, log = terminal
    term.wait_for("unread")
    # the radio's marathon piece carries an audio enclosure
    term.keys("/")
    time.sleep(0.3)
    term.type("Marathon Anmeldungen")
    term.keys("Enter")
    term.wait_for("search: Marathon")
    term.keys("Enter")
    term.wait_for("audio/wav · 48 KB · 0:06")
    term.keys("Tab")
    term.wait_for("e Play")
    term.keys("e")
    screen = term.wait_for("FAKE mpv")
    assert "unread" not in screen  # the reader gave the whole terminal away
    term.keys("Enter")
    screen = term.wait_for("audio/wav · 48 KB · 0:06")
    assert "unread" in screen and "FAKE mpv" not in screen  # back, and redrawn whole
    time.sleep(0.5)
    term.keys("o")
    term.wait_for("FAKE w3m")
    term.keys("Enter")
    term.wait_for("audio/wav · 48 KB · 0:06")
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert [c[0] for c in calls] == ["mpv", "w3m"]
    assert calls[0][1][0] == "--no-video" and calls[0][1][1].endswith(
        "/audio/marathon-rekord-anmeldungen.wav"
    )
    assert calls[1][1][0].endswith("/artikel/marathon-rekord-anmeldungen")
    # q leaves the article pane (newsboat's habit) or quits; a second q quits from the list
    term.keys("q")
    time.sleep(0.5)
    term.keys("q")
    term.wait_for("EXITED 0")


def test_no_color_paints_in_grey_and_keeps_the_marks(tmp_path: Path) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    if not NEWSREADER.exists():
        pytest.skip("the newsreader console script is not installed in this environment")
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env |= {
        "NEWSREADER_CONFIG": str(tmp_path / "none.toml"),
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",  # so every colour reaches tmux as an exact RGB triple
        "NO_COLOR": "1",
    }
    name = f"nr-{uuid.uuid4().hex[:8]}"
    start_tmux(name, f"{with_env(env)} {NEWSREADER} --demo", env, lines=30)
    try:
        term = Terminal(name)
        term.wait_for("unread")
        time.sleep(0.5)
        painted = subprocess.run(
            [*tmux(name), "capture-pane", "-e", "-p", "-t", name], capture_output=True, text=True
        ).stdout
    finally:
        stop_tmux(name)
    colours = re.findall(r"\x1b\[(?:[0-9;]*;)?[34]8;2;(\d+);(\d+);(\d+)", painted)
    assert colours, "no RGB colours in the capture: COLORTERM did not reach the reader"
    assert all(r == g == b for r, g, b in colours), sorted(set(colours))[:10]
    assert "●" in painted  # unread is a glyph, not a colour
