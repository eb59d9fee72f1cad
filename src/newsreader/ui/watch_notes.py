"""Watch words in the reader: the header's count of unread matches, and a note (with the
bell and a desktop notification, if config.toml asks) when a refresh brings new ones."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.app import App
from textual.timer import Timer

from newsreader.core.config import WatchConfig
from newsreader.core.models import EntryFilter, EntrySummary
from newsreader.core.store.store import Store
from newsreader.ui.desktop_notify import notify_desktop
from newsreader.ui.messages import JobDone
from newsreader.ui.quiet_rounds import QuietRounds
from newsreader.ui.status_bar import StatusBar

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
    during_refresh: bool  # a refresh was storing when the count's snapshot was taken


def _count(
    wanted: _Wanted,
    busy: Callable[[], bool] | None,
    refreshing: Callable[[], bool],
    snapshot_taken: Callable[[], None],
) -> WatchedCount:
    """On the reader thread: the unread matches, and (for a desktop note) the newest few;
    the counting pauses while `busy()` (someone at the keys) says so."""
    store = wanted.store
    watched = EntryFilter(unread=True, watch=wanted.watch.words, watched_only=True)
    newest: tuple[EntrySummary, ...] = ()
    # One snapshot, taken before any pause: the first count must not see what a refresh
    # stores while it gives way, or the refresh's own count would find nothing new to tell.
    with store.snapshot():
        snapshot_taken()
        during_refresh = refreshing()
        store.give_way_while(busy)
        count = store.count_entries(watched)
        if wanted.tell_new_matches and wanted.watch.notifies_desktop and count:
            newest = tuple(store.entries(watched, limit=_NAMED))
    return WatchedCount(wanted, count, newest, during_refresh)


class WatchCounter:
    """The header's count of unread watched entries. The count checks the text of every unread
    entry the index names for a watch word (a common word names a third of a million cached
    entries: seconds of work), so it is made on the reader thread in `QuietRounds`, like the
    saved searches' counts. The header shows the last count meanwhile."""

    QUIET_SECONDS = 0.5

    def __init__(self, app: App[Any], read: Callable[..., None]) -> None:
        self._app = app
        self._read = read
        self._rounds: QuietRounds[_Wanted] = QuietRounds(self._schedule, self._run)
        self._baseline: int | None = None  # what a refresh's new matches are counted from
        self._first_snapshot = threading.Event()  # set on the reader thread

    def _schedule(self, seconds: float, callback: Callable[[], None]) -> Timer:
        return self._app.set_timer(seconds, callback)

    @property
    def busy(self) -> bool:
        """A count is running or asked for (tests wait on this)."""
        return self._rounds.running or self._rounds.wanted is not None

    def request(
        self,
        store: Store,
        watch: WatchConfig,
        *,
        tell_new_matches: bool = False,
        at_once: bool = False,
    ) -> None:
        """`at_once`: the reader's first count, started before any refresh can store new
        matches (its snapshot of the cache is taken at its first step), so that a refresh's
        telling count has that to compare with; it gives way until the first frame is up."""
        if not watch.words:
            return
        asked = self._rounds.wanted
        telling = tell_new_matches or (asked is not None and asked.tell_new_matches)
        self._rounds.ask(_Wanted(store, watch, telling), self.QUIET_SECONDS, at_once=at_once)

    def _run(self, wanted: _Wanted) -> None:
        app, busy = self._app, getattr(self._app, "user_busy", None)

        def refreshing() -> bool:  # asked on the reader thread: a plain read
            return bool(getattr(app, "refreshing", False))

        taken = self._first_snapshot.set
        self._read(lambda: _count(wanted, busy, refreshing, taken), key=WatchedCounted())

    def first_snapshot_pending(self, store: Store, watch: WatchConfig) -> threading.Event | None:
        """What a refresh waits for before it fetches: the reader's first count taking its
        snapshot (asked for now if the first frame has not asked yet). A refresh that stored
        first (`r` at once, or the start's own refresh while the reader thread was busy) had
        its new matches counted into the baseline, and no note told of them. None when there
        is nothing to wait for."""
        if not watch.words or self._first_snapshot.is_set():
            return None
        if not self.busy:  # no count asked yet: none has taken its snapshot
            self.request(store, watch, at_once=True)
        return self._first_snapshot

    def _new_matches(self, made: WatchedCount) -> int | None:
        """How many matches a refresh's count tells as new: those over the baseline, the
        count before the refresh. A count that may have seen the refresh's entries before
        the refresh's own count came (its snapshot taken while the refresh stored, or with
        the refresh's count already asked for) only lowers the baseline (matches read
        meanwhile), and is not shown when it is higher: None (the refresh's count shows it,
        with its note)."""
        baseline = self._baseline
        if made.wanted.tell_new_matches:
            self._baseline = made.count
            return max(0, made.count - baseline) if baseline is not None else 0
        asked = self._rounds.wanted is not None and self._rounds.wanted.tell_new_matches
        if baseline is None or not (made.during_refresh or asked):
            self._baseline = made.count
        elif made.count > baseline:
            return None
        else:
            self._baseline = made.count
        return 0

    def arrived(self, job: JobDone) -> None:
        """A count's end: the header shows it, and a refresh's new matches are said."""
        made = job.result
        # Not after the sample edition replaced the store the count was made in.
        if isinstance(made, WatchedCount) and made.wanted.store is getattr(self._app, "store", 0):
            new = self._new_matches(made)
            if new is not None:
                # None as the reader quits: its widgets go before the messages already posted.
                for bar in self._app.query(StatusBar):
                    bar.watched = made.count
            if new:
                _tell(self._app, made, new)
        self._rounds.ended()


def _tell(app: App[Any], made: WatchedCount, new: int) -> None:
    """A refresh brought `new` matches: a note, and the bell or a desktop note if asked."""
    app.notify(
        f"{new} new {'article matches' if new == 1 else 'articles match'} your watch words.",
        title="Watch words",
        markup=False,
    )
    watch = made.wanted.watch
    if watch.rings_bell:
        app.bell()
    if watch.notifies_desktop:
        notify_desktop(app, "Watch words", _desktop_body(new, list(made.newest[:new])))


def _desktop_body(new: int, newest: list[EntrySummary]) -> str:
    """The newest matching headlines with their feeds, and how many more there are."""
    named = "; ".join(f"{row.title} ({row.feed_title})" for row in newest)
    more = new - len(newest)
    return named + (f"; and {more} more" if more > 0 else "")
