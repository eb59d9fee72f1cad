"""Desktop notifications for watch-word matches ([watch] notify = "desktop" or "both").

A terminal that shows notifications itself is told with its escape sequence, written through
the app's driver like Textual's own bell and clipboard sequences, so it goes out between two
frames and never into one. Otherwise `notify-send` is run when it is on PATH. The text comes
from feed titles: escape sequences, control characters (C0 with ESC and BEL, DEL, C1) and
bidi controls are taken out first (`one_line`), so a headline can neither end the sequence early
and smuggle in one of its own, nor disguise itself.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Mapping
from enum import Enum
from typing import Any

from textual.app import App

from newsreader.ui.text import one_line

APP_NAME = "newsreader"
# A notification is a glance: longer text is cut (terminals and daemons cut it anyway).
_TITLE_CHARS = 80
_BODY_CHARS = 300
NOTIFY_SEND_TIMEOUT = 5.0  # seconds; a hung notification daemon must not keep a thread


class TerminalNotices(Enum):
    """The notification sequence a terminal understands, if any."""

    OSC_777 = "777"  # ESC ] 777 ; notify ; title ; body BEL: foot, urxvt, WezTerm, Ghostty
    OSC_99 = "99"  # kitty's own protocol, title and body as two parts
    OSC_9 = "9"  # ESC ] 9 ; body BEL: iTerm2, Windows Terminal, ConEmu (no title)


def terminal_notices(env: Mapping[str, str]) -> TerminalNotices | None:
    """Which sequence this terminal shows as a notification, told by what it sets in the
    environment; None when it cannot be told (then `notify-send` is the way). Inside tmux or
    screen the sequence would reach the multiplexer, not the terminal: None."""
    term = env.get("TERM", "")
    program = env.get("TERM_PROGRAM", "")
    if env.get("TMUX") or term.startswith(("tmux", "screen")) or program == "tmux":
        return None
    if env.get("KITTY_WINDOW_ID") or term == "xterm-kitty":
        return TerminalNotices.OSC_99
    if program in ("WezTerm", "ghostty") or term.startswith(("foot", "rxvt-unicode")):
        return TerminalNotices.OSC_777
    if term == "xterm-ghostty":
        return TerminalNotices.OSC_777
    if program == "iTerm.app" or env.get("WT_SESSION") or env.get("ConEmuPID"):
        return TerminalNotices.OSC_9
    return None


def notice_sequence(kind: TerminalNotices, title: str, body: str) -> str:
    """The escape sequence that shows `title` and `body` as a notification."""
    title, body = one_line(title, _TITLE_CHARS), one_line(body, _BODY_CHARS)
    if kind is TerminalNotices.OSC_777:
        # The title is a field of its own: a ';' in it would move the rest into the body.
        return f"\x1b]777;notify;{title.replace(';', ',')};{body}\x07"
    if kind is TerminalNotices.OSC_99:
        # i= ties the two parts together; d=0 says more follows, p=body names the second.
        return f"\x1b]99;i=1:d=0;{title}\x1b\\\x1b]99;i=1:d=1:p=body;{body}\x1b\\"
    # OSC 9 has no title: it leads the body, which also keeps a body that starts with a
    # number and ';' from reading as one of ConEmu's OSC 9 commands (9;4 is progress).
    return f"\x1b]9;{title}: {body}\x07"


def notify_send_command(title: str, body: str) -> list[str] | None:
    """The `notify-send` call, as a list (never a shell line), or None when it is not on
    PATH. `--` ends the options: a headline that starts with '-' stays text."""
    program = shutil.which("notify-send")
    if program is None:
        return None
    title, body = one_line(title, _TITLE_CHARS), one_line(body, _BODY_CHARS)
    return [program, f"--app-name={APP_NAME}", "--", title, body]


def run_notify_send(command: list[str]) -> None:
    """Runs in a thread worker; a missing daemon or a hang is no error worth telling."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=NOTIFY_SEND_TIMEOUT,
            check=False,
        )


def notify_desktop(app: App[Any], title: str, body: str) -> None:
    """Show a desktop notification: through the terminal when it can be told, else with
    `notify-send` when it is on PATH, else not at all (the note in the reader stays)."""
    kind = terminal_notices(os.environ)
    # Textual 8.2.8 has no public way to write a raw sequence; App.bell and
    # App.copy_to_clipboard write theirs to the driver just so, from the app's thread.
    driver = app._driver
    if kind is not None and driver is not None:
        driver.write(notice_sequence(kind, title, body))
        driver.flush()
        return
    command = notify_send_command(title, body)
    if command is not None:
        app.run_worker(
            lambda: run_notify_send(command),
            name="notify-send",
            group="notify",
            thread=True,
            exit_on_error=False,
        )
