"""What a refresh says it waits on: the hosts of the feeds still being fetched, once no fetch
has ended for a while (core/refresh/waiting.py)."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from newsreader.core.models import FeedOutcome
from newsreader.core.refresh import waiting as waiting_module
from newsreader.core.refresh.waiting import (
    QUIET_SECONDS,
    InFlight,
    Waiting,
    tell_done,
    tell_waits,
)
from newsreader.output import Progress, _columns, _fit


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_wait_is_named_only_once_no_fetch_ended_for_a_while() -> None:
    clock = Clock()
    flight = InFlight(clock)
    hosts = [flight.start(f"https://news.example/{n}.xml") for n in range(3)]
    other = flight.start("http://other.example:8080/feed")
    assert flight.waiting() is None  # just started
    clock.now += QUIET_SECONDS
    # A port not the scheme's own is named: two servers on one host are told apart.
    named = (("news.example", 3), ("other.example:8080", 1))
    assert flight.waiting() == Waiting(named, QUIET_SECONDS)
    flight.end(hosts[0])  # a fetch ended: not waiting any more, for a while
    assert flight.waiting() is None
    clock.now += QUIET_SECONDS + 2
    assert flight.waiting() == Waiting((("news.example", 2), ("other.example:8080", 1)), 5.0)
    for host in (*hosts[1:], other):
        flight.end(host)
    clock.now += 60
    assert flight.waiting() is None  # nothing is being fetched: storing, not waiting on hosts


def test_the_line_names_the_busiest_hosts_and_counts_the_rest() -> None:
    one = Waiting((("news.example", 12),), 9.6)
    assert one.describe() == "waiting 10 s on news.example (12 feeds)"
    many = Waiting((("a.example", 3), ("b.example", 1), ("c.example", 1), ("d.example", 1)), 4)
    assert many.describe() == "waiting 4 s on a.example (3 feeds), b.example, 2 more hosts"


def test_a_hostile_host_name_is_said_as_one_short_safe_line() -> None:
    # urlsplit hands back whatever sits between // and the path; a feed URL is untrusted.
    flight = InFlight(Clock())
    host = flight.start("http://evil\x1b[2J" + "x" * 80 + "/feed")
    line = Waiting(((host, 1),), 3).describe()
    assert "\x1b" not in line and len(line) < 70


def test_refreshs_bar_says_the_wait_after_the_counts_and_drops_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    progress = Progress()
    progress.tty = True  # the bar is drawn on a terminal only; stderr is captured here
    progress.feed_done(FeedOutcome(feed_id=1, url="http://a.example/feed"), 1, 3)
    progress.waiting(Waiting((("news.example", 2),), 3.2))
    progress.waiting(None)
    progress.finish()
    drawn = capsys.readouterr().err.split("\r")[1:]
    bar = "[##########--------------------] 1/3 feeds, 0 failed "
    assert drawn == [
        f"{bar}\x1b[K",
        f"{bar}· waiting 3 s on news.example (2 feeds)\x1b[K",
        f"{bar}\x1b[K\n",  # each line erases what a longer one before it left
    ]


def test_the_bar_fits_a_narrow_terminal_and_waits_before_the_first_feed_without_counts(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line wider than the terminal wraps, and each redraw then left a row behind; before
    the first feed is in, the count is not known (it read 0/0)."""
    monkeypatch.setenv("COLUMNS", "60")
    progress = Progress()
    progress.tty = True
    progress.waiting(Waiting((("stumm.example", 3),), 4))
    progress.waiting(Waiting((("stumm.example", 3),), 4))  # the same words: not drawn again
    progress.feed_done(FeedOutcome(feed_id=1, url="http://a.example/feed"), 1, 4)
    progress.waiting(Waiting((("Zeitung-Nachrichten.example", 2), ("汉字.example", 1)), 5))
    progress.finish()
    drawn = [
        line.removesuffix("\n").removesuffix("\x1b[K")
        for line in capsys.readouterr().err.split("\r")[1:]
    ]
    assert drawn[0] == "waiting 4 s on stumm.example (3 feeds)"
    assert drawn[1] == "[#######-----------------------] 1/4 feeds, 0 failed "  # the wait was over
    assert drawn[2] == "[#######-----------------------] 1/4 feeds, 0 failed · wai…"  # 59 cells
    assert len(drawn) == 3


def test_a_wide_character_takes_two_cells_of_the_line() -> None:
    assert _fit("warte auf 汉字.example", 14) == "warte auf 汉…"  # 10 + 2 + 1 cells
    assert _fit("warte auf 汉字.example", 12) == "warte auf …"  # 汉 would need 13
    assert _fit("kurz", 4) == "kurz"


async def test_a_tell_that_fails_ends_the_telling_not_the_refresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(waiting_module, "QUIET_SECONDS", 0.0)
    monkeypatch.setattr(waiting_module, "LOOK_EVERY", 0.01)
    flight = InFlight()
    flight.start("http://stumm.example/feed")
    told: list[Waiting | None] = []

    def closed_stderr(waiting: Waiting | None) -> None:
        told.append(waiting)
        raise OSError("Bad file descriptor")

    await asyncio.wait_for(tell_waits(flight, closed_stderr), 5)  # returns, raises nothing
    tell_done(closed_stderr)
    assert len(told) == 2 and told[0] is not None and told[1] is None


def test_a_terminal_of_no_known_width_gets_the_whole_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pseudo-terminal whose size was never set says 0 columns: the bar was cut to "…"."""
    monkeypatch.delenv("COLUMNS", raising=False)
    controller, terminal = os.openpty()
    with os.fdopen(terminal, "w") as stderr, os.fdopen(controller, "rb"):
        monkeypatch.setattr(sys, "stderr", stderr)
        assert os.get_terminal_size(terminal).columns == 0
        assert _columns() == 80
