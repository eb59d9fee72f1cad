"""Watch words in the reader: the header's count of unread matches, and a note (with the
bell and a desktop notification, if config.toml asks) when a refresh brings new ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.app import App

from newsreader.core.config import WatchConfig
from newsreader.core.models import EntryFilter, EntrySummary
from newsreader.core.store.store import Store
from newsreader.ui.desktop_notify import notify_desktop
from newsreader.ui.messages import JobDone
from newsreader.ui.status_bar import StatusBar

if TYPE_CHECKING:  # types only
    from textual.timer import Timer

# Headlines a desktop notification names; more are counted.
_NAMED = 3


@dataclass(frozen=True, slots=True)
class WatchedCounted:
    """The key of a watched count's `JobDone(READ)`."""


@dataclass(frozen=True, slots=True)
class _Wanted:
    store: Store
    watch: WatchConfig
    tell_new_matches: bool


@dataclass(frozen=True, slots=True)
class WatchedCount:
    """A count made on the reader thread, with the newest matches a desktop note names."""

    wanted: _Wanted
    count: int
    newest: tuple[EntrySummary, ...]


def _count(wanted: _Wanted) -> WatchedCount:
    """On the reader thread: the unread matches, and (for a desktop note) the newest few."""
    watched = EntryFilter(unread=True, watch=wanted.watch.words, watched_only=True)
    count = wanted.store.count_entries(watched)
    newest: tuple[EntrySummary, ...] = ()
    if wanted.tell_new_matches and wanted.watch.notifies_desktop and count:
        newest = tuple(wanted.store.entries(watched, limit=_NAMED))
    return WatchedCount(wanted, count, newest)


class WatchCounter:
    """The header's count of unread watched entries. The count checks the text of every unread
    entry the index names for a watch word (a common word names a third of a million cached
    entries: seconds of work), so it is made on the reader thread, like the saved searches'
    counts (saved_searches.SearchCounter): one at a time, each once the reader has been quiet
    for `QUIET_SECONDS` (its checks compete with the UI for the interpreter); asked again while
    one runs, once more after it. The header shows the last count meanwhile."""

    QUIET_SECONDS = 0.5

    def __init__(self, app: App[Any], read: Callable[..., None]) -> None:
        self._app = app
        self._read = read
        self._running = False
        self._timer: Timer | None = None
        self._wanted: _Wanted | None = None

    @property
    def busy(self) -> bool:
        """A count is running or asked for (tests wait on this)."""
        return self._running or self._wanted is not None

    def request(self, store: Store, watch: WatchConfig, *, tell_new_matches: bool = False) -> None:
        if not watch.words:
            return
        telling = tell_new_matches or (self._wanted is not None and self._wanted.tell_new_matches)
        self._wanted = _Wanted(store, watch, telling)
        if self._timer is not None:
            self._timer.stop()
        self._timer = self._app.set_timer(self.QUIET_SECONDS, self._quiet)

    def _quiet(self) -> None:
        self._timer = None
        if not self._running and self._wanted is not None:
            self._start()

    def _start(self) -> None:
        assert self._wanted is not None
        wanted, self._wanted, self._running = self._wanted, None, True
        self._read(lambda: _count(wanted), key=WatchedCounted())

    def arrived(self, job: JobDone) -> None:
        """A count's end: the header shows it, and a refresh's new matches are said."""
        self._running = False
        made = job.result
        # Not after the sample edition replaced the store the count was made in.
        if isinstance(made, WatchedCount) and made.wanted.store is getattr(self._app, "store", 0):
            _show(self._app, made)
        if self._wanted is not None and self._timer is None:
            self._start()


def _show(app: App[Any], made: WatchedCount) -> None:
    status = app.query_one(StatusBar)
    before, status.watched = status.watched, made.count
    watch = made.wanted.watch
    if made.wanted.tell_new_matches and made.count > before:
        new = made.count - before
        app.notify(
            f"{new} new {'article matches' if new == 1 else 'articles match'} your watch words.",
            title="Watch words",
            markup=False,
        )
        if watch.rings_bell:
            app.bell()
        if watch.notifies_desktop:
            notify_desktop(app, "Watch words", _desktop_body(new, list(made.newest[:new])))


def _desktop_body(new: int, newest: list[EntrySummary]) -> str:
    """The newest matching headlines with their feeds, and how many more there are."""
    named = "; ".join(f"{row.title} ({row.feed_title})" for row in newest)
    more = new - len(newest)
    return named + (f"; and {more} more" if more > 0 else "")
