"""Slow counts on the reader thread, one round at a time, each once the reader is quiet.

The saved searches' counts and the watched count both check text in Python, which competes
with the UI for the interpreter: a round waits until an article has opened or a burst of `n`
has ended, and a request made while one runs is run once more after it, with what was asked
last.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:  # types only
    from textual.timer import Timer

Schedule = Callable[[float, Callable[[], None]], "Timer"]  # a widget's set_timer
Wanted = TypeVar("Wanted")


class QuietRounds(Generic[Wanted]):
    def __init__(self, schedule: Schedule, run: Callable[[Wanted], None]) -> None:
        self._schedule = schedule
        self._run = run
        self.running = False
        self.timer: Timer | None = None
        self.wanted: Wanted | None = None  # asked for, not yet started

    def ask(self, wanted: Wanted, quiet_seconds: float, *, at_once: bool = False) -> None:
        """A round for `wanted` after `quiet_seconds` without another request, or (`at_once`)
        now, unless one runs."""
        self.wanted = wanted
        if self.timer is not None:
            self.timer.stop()
            self.timer = None
        if not at_once:
            self.timer = self._schedule(quiet_seconds, self._quiet)
        elif not self.running:
            self._start()

    def ended(self) -> None:
        """The running round's result arrived: the next one, if asked for and quiet."""
        self.running = False
        if self.wanted is not None and self.timer is None:
            self._start()

    def _quiet(self) -> None:
        self.timer = None
        if not self.running and self.wanted is not None:
            self._start()

    def _start(self) -> None:
        wanted, self.wanted, self.running = self.wanted, None, True
        assert wanted is not None
        self._run(wanted)
