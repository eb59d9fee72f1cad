"""Desktop notifications for watch words (issue 14): the terminal's sequence, built from
hostile headlines, carries no escape or control character of theirs; notify-send gets a list."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from hypothesis import given, settings

from newsreader.ui.desktop_notify import (
    TerminalNotices,
    notice_sequence,
    notify_send_command,
    terminal_notices,
)
from tests.support.hostile_text import ESCAPES, bad_chars, hostile_text

HOSTILE_TITLES = [
    *ESCAPES,
    "Fest\x07\x1b]777;notify;Bank;Bitte PIN eingeben\x07",  # a second notification of its own
    "Fest\x1b\\\x1b]52;c;cm0gLXJmIH4=\x07",  # ends the sequence, then writes the clipboard
    "\x9d0;pwned\x9c C1 OSC and ST, one byte each",
    "4;3;50 sieht aus wie ConEmus Fortschrittsbalken",
    "Titel; mit; Semikolons",
    "\u202egnuztiS\u202c Bidi",
    "Zeile\nzwei\r\ndrei\tTab",
]


def _frames(kind: TerminalNotices, sequence: str) -> tuple[list[str], str]:
    """The payloads between each part's opening and its terminator."""
    if kind is TerminalNotices.OSC_99:
        parts = sequence.split("\x1b\\")
        assert parts[-1] == "" and len(parts) == 3
        openers = ["\x1b]99;i=1:d=0;", "\x1b]99;i=1:d=1:p=body;"]
        assert all(p.startswith(o) for p, o in zip(parts, openers, strict=False))
        return [p[len(o) :] for p, o in zip(parts, openers, strict=False)], sequence
    opener = "\x1b]777;notify;" if kind is TerminalNotices.OSC_777 else "\x1b]9;"
    assert sequence.startswith(opener) and sequence.endswith("\x07")
    return [sequence[len(opener) : -1]], sequence


def _assert_inert(kind: TerminalNotices, title: str, body: str) -> None:
    payloads, sequence = _frames(kind, notice_sequence(kind, title, body))
    for payload in payloads:
        assert not bad_chars(payload), (kind, title, payload)
    # Only the framing's own ESC and BEL: kitty's two parts open with ESC ] and end with
    # ESC \, the others open with ESC ] and end with BEL.
    escapes, bells = (4, 0) if kind is TerminalNotices.OSC_99 else (1, 1)
    assert (sequence.count("\x1b"), sequence.count("\x07")) == (escapes, bells)


@pytest.mark.parametrize("kind", list(TerminalNotices))
@pytest.mark.parametrize("headline", HOSTILE_TITLES)
def test_hostile_headlines_cannot_add_sequences(kind: TerminalNotices, headline: str) -> None:
    _assert_inert(kind, f"Watch: {headline}", f"{headline} (Lokales); {headline}")


@settings(max_examples=200, deadline=None)
@given(title=hostile_text, body=hostile_text)
def test_any_text_gives_an_inert_sequence(title: str, body: str) -> None:
    for kind in TerminalNotices:
        _assert_inert(kind, title, body)


def test_the_fields_stay_apart_and_long_text_is_cut() -> None:
    osc777 = notice_sequence(TerminalNotices.OSC_777, "Watch; words", "Fest; im Viertel")
    assert osc777 == "\x1b]777;notify;Watch, words;Fest; im Viertel\x07"
    osc9 = notice_sequence(TerminalNotices.OSC_9, "Watch words", "4;3;50 Prozent")
    assert osc9 == "\x1b]9;Watch words: 4;3;50 Prozent\x07"
    kitty = notice_sequence(TerminalNotices.OSC_99, "Watch words", "Fest")
    assert kitty == "\x1b]99;i=1:d=0;Watch words\x1b\\\x1b]99;i=1:d=1:p=body;Fest\x1b\\"
    long = notice_sequence(TerminalNotices.OSC_9, "T", "Wort " * 500)
    assert len(long) < 400 and long.endswith("…\x07")


@pytest.mark.parametrize(
    ("env", "kind"),
    [
        ({"TERM": "foot"}, TerminalNotices.OSC_777),
        ({"TERM": "foot-extra"}, TerminalNotices.OSC_777),
        ({"TERM": "rxvt-unicode-256color"}, TerminalNotices.OSC_777),
        ({"TERM_PROGRAM": "WezTerm", "TERM": "xterm-256color"}, TerminalNotices.OSC_777),
        ({"TERM": "xterm-ghostty"}, TerminalNotices.OSC_777),
        ({"TERM": "xterm-kitty", "KITTY_WINDOW_ID": "1"}, TerminalNotices.OSC_99),
        ({"TERM_PROGRAM": "iTerm.app"}, TerminalNotices.OSC_9),
        ({"WT_SESSION": "0b7e", "TERM": "xterm-256color"}, TerminalNotices.OSC_9),
        ({"ConEmuPID": "4242"}, TerminalNotices.OSC_9),
        ({"TERM": "xterm-256color"}, None),
        ({"TERM_PROGRAM": "Apple_Terminal"}, None),
        ({}, None),
        # A multiplexer would swallow the sequence, whatever terminal it runs in.
        ({"TERM": "tmux-256color", "KITTY_WINDOW_ID": "1"}, None),
        ({"TERM": "screen", "TERM_PROGRAM": "WezTerm"}, None),
        ({"TMUX": "/tmp/tmux-0/default,1,0", "TERM": "foot"}, None),
    ],
)
def test_the_terminal_is_told_by_its_environment(
    env: dict[str, str], kind: TerminalNotices | None
) -> None:
    assert terminal_notices(env) is kind


def _fake_program(folder: Path, name: str) -> Path:
    program = folder / name
    program.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return program


def test_notify_send_gets_a_list_with_options_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert notify_send_command("Watch words", "Fest") is None
    program = _fake_program(tmp_path, "notify-send")
    command = notify_send_command("Watch words", "--help \x1b[2J; rm -rf ~ `id` $(id)")
    assert command == [
        str(program),
        "--app-name=newsreader",
        "--",
        "Watch words",
        "--help ; rm -rf ~ `id` $(id)",
    ]
