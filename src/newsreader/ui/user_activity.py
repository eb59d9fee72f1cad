"""Whether someone is at the keys: the reader's slow background counts give way to them.

The saved searches' and the watched count's SQLite statements run on the reader thread and
compete with the UI for the interpreter; they pause (`Store.give_way_while`) while a key or a
click came in the last `BUSY_SECONDS`, and until the first frame is up.
"""

from __future__ import annotations

from time import monotonic

from textual import events

USER_INPUT = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)
BUSY_SECONDS = 0.3
# The first frame counts as someone at the keys, for at most this long should it never come.
FIRST_FRAME_SECONDS = 5.0


class UserActivity:
    def __init__(self) -> None:
        self._busy_until = monotonic() + FIRST_FRAME_SECONDS

    def saw(self, event: events.Event) -> None:
        if isinstance(event, USER_INPUT) and not event.is_forwarded:
            self._busy_until = max(self._busy_until, monotonic() + BUSY_SECONDS)

    def first_frame_painted(self) -> None:
        self._busy_until = monotonic() + BUSY_SECONDS

    def stop(self) -> None:
        """The reader quits: a count giving way must end, or the reader thread never does."""
        self._busy_until = 0.0

    def busy(self) -> bool:
        """Asked from the reader thread: a float read, no lock needed."""
        return monotonic() < self._busy_until
