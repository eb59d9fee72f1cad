"""`o` and `e`: hand a URL to a browser or a player, which may be a console program.

A console program (lynx, w3m, mpv...) needs the terminal: the reader suspends, the program
runs in the foreground, and the reader comes back as it was. A graphical one is started in
a session of its own, with nothing of ours on its stdin or stdout, and the screen is left
alone. Only http/https URLs are handed over.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from textual.app import App, SuspendNotSupported

from newsreader.core.config import BrowserConfig, PlayerConfig
from newsreader.ui.text import is_web_url, one_line

# Tried in order when neither [browser] command nor $BROWSER names one.
GRAPHICAL_BROWSERS = (("open",) if sys.platform == "darwin" else ()) + (
    "xdg-open",
    "sensible-browser",
    "x-www-browser",
    "firefox",
    "chromium",
    "google-chrome",
)


@dataclass(frozen=True, slots=True)
class Program:
    """A command line ready to run, and whether it needs the terminal."""

    argv: tuple[str, ...]
    console: bool


def has_display(env: Mapping[str, str]) -> bool:
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")) or sys.platform == "darwin"


def command_for(
    command: str, url: str, console: Sequence[str], env: Mapping[str, str]
) -> Program | None:
    """`command` with the URL in place of %u or %s (else appended); None if it is not installed."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if not words or shutil.which(words[0], path=env.get("PATH")) is None:
        return None
    if any("%u" in w or "%s" in w for w in words):
        argv = [w.replace("%u", url).replace("%s", url) for w in words]
    else:
        argv = [*words, url]
    name = os.path.basename(words[0])
    return Program(tuple(argv), console=name in console or not has_display(env))


def browser_for(url: str, config: BrowserConfig, env: Mapping[str, str]) -> Program | None:
    """[browser] command, else the first of $BROWSER (colon-separated, as in Debian and
    Python's webbrowser), else a graphical browser when there is a display, else a console one."""
    if config.command:
        return command_for(config.command, url, config.console, env)
    candidates = [c for c in env.get("BROWSER", "").split(os.pathsep) if c.strip()]
    if has_display(env):
        candidates += GRAPHICAL_BROWSERS
    candidates += config.console
    for candidate in candidates:
        program = command_for(candidate, url, config.console, env)
        if program is not None:
            return program
    return None


def player_for(url: str, config: PlayerConfig, env: Mapping[str, str]) -> Program | None:
    return command_for(config.command, url, config.console, env) if config.command else None


def open_web_page(app: App[Any], url: str, config: BrowserConfig) -> None:
    """`o`: the page in a browser, or a notification saying why not."""
    hint = "Set [browser] command in config.toml, or $BROWSER."
    found = browser_for(url, config, os.environ) if is_web_url(url) else None
    _complain(app, _hand_over(app, url, found, "opened", "browser", config.command, hint))


def play_enclosure(app: App[Any], url: str, config: PlayerConfig) -> None:
    """`e`: the enclosure streamed by the player (we never download it), or why not."""
    hint = "Set [player] command in config.toml."
    found = player_for(url, config, os.environ) if is_web_url(url) else None
    _complain(app, _hand_over(app, url, found, "played", "player", config.command, hint))


def _hand_over(
    app: App[Any], url: str, program: Program | None, verb: str, role: str, command: str, hint: str
) -> str | None:
    """Start `program` on `url`, or say in one line why not (None: it started)."""
    if not is_web_url(url):
        return f"Not {verb} (only http/https): {one_line(url, 200)}"
    if program is None:
        unset = "none found" if role == "browser" else "none set"
        named = f"'{one_line(command, 80)}' is not installed" if command else unset
        return f"No {role}: {named}. {hint}"
    return run_program(app, program)


def copy_url(app: App[Any], url: str | None) -> None:
    """`y`: the URL to the clipboard with OSC 52, which reaches the local terminal over ssh."""
    if not url:
        _complain(app, "No link to copy.")
    elif not is_web_url(url):
        _complain(app, f"Not copied (only http/https): {one_line(url, 200)}")
    else:
        app.copy_to_clipboard(url)
        _complain(app, f"Copied {one_line(url, 200)}")


def _complain(app: App[Any], text: str | None) -> None:
    if text is not None:
        app.notify(text, markup=False)


def run_program(app: App[Any], program: Program) -> str | None:
    name = os.path.basename(program.argv[0])
    if program.console:
        return _run_in_terminal(app, program, name)
    try:
        child = subprocess.Popen(
            program.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own session: our terminal's signals never reach it
        )
    except OSError as exc:
        return f"Could not start {name}: {one_line(exc.strerror or str(exc), 200)}"
    # Reap it when it ends (xdg-open returns at once, a browser may run for hours).
    threading.Thread(target=child.wait, name="newsreader-reap", daemon=True).start()
    return None


def _run_in_terminal(app: App[Any], program: Program, name: str) -> str | None:
    try:
        with app.suspend():
            code = subprocess.call(program.argv)
    except SuspendNotSupported:
        return f"{name} needs the terminal, and this one cannot be handed over."
    except OSError as exc:
        return f"Could not start {name}: {one_line(exc.strerror or str(exc), 200)}"
    return None if code == 0 else f"{name} ended with exit status {code}."
