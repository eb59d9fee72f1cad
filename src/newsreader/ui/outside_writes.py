"""Writes to the cache from outside the reader: a `newsreader refresh --due` from cron, a
`newsreader mark` or `remove` in another terminal. The panes read the cache only when the
reader itself changed it, so such changes showed at the next restart (rows still marked
unread, a removed feed still listed). Every few seconds the UI thread asks SQLite whether
another connection committed; while the reader's own jobs run it does not ask, and each of
them, once done, starts the comparison again, since their ends reload what they changed. An
outside write within the milliseconds of one of the reader's own writes is taken for its own:
it shows with the next one (SQLite cannot say whose a commit was).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only
    from newsreader.ui.app import NewsreaderApp

# How often the reader looks; a PRAGMA that reads shared memory, microseconds a look.
LOOK_EVERY_SECONDS = 2.0


class OutsideWrites:
    def __init__(self, app: NewsreaderApp) -> None:
        self.app = app
        self._seen: tuple[int, int] | None = None  # (the store's id, its data_version)

    def seen_now(self) -> None:
        """What the panes are about to read (the start, the sample edition's store)."""
        self._seen = self._now()

    def start(self) -> None:
        self.app.set_interval(LOOK_EVERY_SECONDS, self.look)

    def own_work_ended(self) -> None:
        """A job of the reader's own that may have written ended: what it wrote is not
        from outside (its end reloads what it changed)."""
        self.seen_now()

    def look(self) -> None:
        app = self.app
        if not app.is_running or not app.ready or app.refreshing or app.net.writing():
            return  # the reader's own writes under way: their end sets what was seen
        now = self._now()
        if self._seen is not None and now != self._seen and now[0] == self._seen[0]:
            app.store_changed()
        self._seen = now

    def _now(self) -> tuple[int, int]:
        store = self.app.store  # the sample edition swaps it
        return id(store), store.data_version()
