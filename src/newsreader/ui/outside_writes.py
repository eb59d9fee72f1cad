"""Writes to the cache by the command line while the reader is open: cron's `refresh --due`,
`newsreader mark` or `remove` in another terminal. The panes read the cache only when the
reader itself changed it, so such changes showed at the next restart (rows still marked
unread, a removed feed still listed). Each command that may write counts itself in the cache
when it is done (`note_command_write`); every few seconds the reader looks at that count and
reloads when it moved. Only the command line moves it: the reader's own writes (its marks,
pages, dialogs, refreshes) never do, so they never cost a reload of their own. SQLite's
data_version moves for every other connection, the reader's own threads' too, and could not
tell them apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only
    from newsreader.ui.app import NewsreaderApp

# How often the reader looks: one indexed read of one row.
LOOK_EVERY_SECONDS = 2.0


class OutsideWrites:
    def __init__(self, app: NewsreaderApp) -> None:
        self.app = app
        self._seen: tuple[int, int] | None = None  # (the store's id, its command writes)

    def seen_now(self) -> None:
        """What the panes are about to read (the start, the sample edition's store)."""
        self._seen = self._now()

    def start(self) -> None:
        self.app.set_interval(LOOK_EVERY_SECONDS, self.look)

    def look(self) -> None:
        app = self.app
        if not app.is_running or not app.ready:
            return
        now = self._now()
        if self._seen is not None and now != self._seen and now[0] == self._seen[0]:
            # A cron refresh's new watch-word matches are told, as the reader's own are.
            app.store_changed(tell_new_matches=True)
        self._seen = now

    def _now(self) -> tuple[int, int]:
        store = self.app.store  # the sample edition swaps it
        return id(store), store.command_writes()
