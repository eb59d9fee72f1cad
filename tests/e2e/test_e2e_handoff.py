"""The terminal handed to a console browser and player, and taken back: `o` and `e` in the
demo, in a real terminal (tmux), with fakes of w3m and mpv that talk to the terminal as the
real ones do (they print, and wait for a key) and write down what they were called with."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_e2e_tmux import NEWSREADER, Terminal

pytestmark = pytest.mark.e2e

FAKE = """#!{python}
import json, sys
with open({log!r}, "a") as out:
    out.write(json.dumps([{name!r}, sys.argv[1:]]) + "\\n")
print("FAKE {name} (a stand-in for {name}) got:", *sys.argv[1:])
input("press enter to leave ")
"""


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
    command = f"{NEWSREADER} --demo; echo EXITED $?; sleep 5"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40", command],
        check=True,
        env=env,
    )
    try:
        yield Terminal(name), log
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


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
