"""The reader's refresh: `R`, `r` and the timer start it on the background loop; its end is
said in the status bar and as a note, and redraws the panes. With [sync] on, it syncs first
(see sync_job.py) and fetches here only the feeds the server does not fetch."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from textual.message import Message

from newsreader.core.config import Config
from newsreader.core.fetch_records import RefreshReport
from newsreader.core.models import FeedOutcome
from newsreader.core.refresh.waiting import Waiting
from newsreader.core.store.store import Store
from newsreader.ui.background import BackgroundLoop
from newsreader.ui.messages import REFRESH, JobDone
from newsreader.ui.status_bar import StatusBar
from newsreader.ui.sync_job import ReaderSync, reader_sync, sync_started
from newsreader.ui.text import one_line

if TYPE_CHECKING:  # types only
    from newsreader.ui.app import NewsreaderApp

# The header's count is told at most this often (and at the end). Told for every feed, a
# refresh of 2,000 farm feeds woke the reader's loop 2,000 times and drew 106-113 frames
# (41-43 now), and the UI thread spent 0.23-0.38 s of CPU during it (0.12-0.15 s now).
PROGRESS_EVERY = 0.1
# How long a refresh waits for the reader's first watched count to take its snapshot (it is
# queued on the reader thread at the first frame: milliseconds, unless that thread is busy).
_AFTER_AT_MOST = 5.0


@dataclass
class RefreshProgress(Message):
    outcome: FeedOutcome
    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        # Hundreds of feeds report in a burst; only the latest count matters on screen.
        return isinstance(message, RefreshProgress)

    def show(self, status: StatusBar) -> None:
        status.progress = f"refreshing {self.done}/{self.total}"
        status.waiting = ""  # a fetch ended: the refresh says again if it still waits


@dataclass
class RefreshWaiting(Message):
    """The hosts a refresh waits on, or None once it no longer waits (core/refresh/waiting.py)."""

    waiting: Waiting | None

    def show(self, status: StatusBar) -> None:
        status.waiting = self.waiting.describe() if self.waiting is not None else ""


def refresh_now(app: NewsreaderApp, feed_ids: list[int] | None = None) -> None:
    """`R`: every feed; with ids, those feeds only. One refresh at a time."""
    if app.offline:
        app.notify("Offline: not refreshing.", markup=False)
    elif not app.refreshing:
        _begin(app, feed_ids)


def refresh_when_due(app: NewsreaderApp) -> None:
    """The timer's refresh while the reader stays open: only the feeds whose own poll
    interval (ttl, sy:updatePeriod, max-age; bounded by config) has passed."""
    if not app.refreshing and not app.store.read_only and app.store.has_feeds():
        _begin(app, due_only=True)


def _begin(
    app: NewsreaderApp, feed_ids: list[int] | None = None, *, due_only: bool = False
) -> None:
    app.refreshing = True
    app.query_one(StatusBar).progress = "refreshing…"
    # `r` on local feeds only needs no server: none of its feeds is the server's to fetch.
    sync = reader_sync(app)
    sync = sync if sync is not None and sync.wanted(feed_ids) else None
    if sync is not None:
        sync_started(app)
    watch = app.config.watch
    first_count = (
        app.watch_counter.first_snapshot_pending(app.store, watch) if watch.words else None
    )
    start_refresh(
        app.net,
        app.store,
        app.config,
        app.post_message,
        feed_ids,
        due_only=due_only,
        sync=sync,
        after=first_count,
    )


def feeds_in_view(app: NewsreaderApp) -> list[int] | None:
    """What `r` refreshes: the feed (or tag) highlighted in the feed pane, else the one on
    screen."""
    from newsreader.ui.feed_pane import FeedPane, Scope  # start-up speed: mounted after paint

    pane = app.query(FeedPane).first() if app.ready else None
    scope = pane.highlighted_scope if pane is not None and pane.has_focus else None
    scope = scope or Scope(app.filters.feed_id, app.filters.tag)
    return feed_ids_of(app.store, scope.feed_id, scope.tag)


def refresh_finished(app: NewsreaderApp, job: JobDone) -> None:
    """The note (a network failure once per session), the new counts, the panes reloaded
    when something came in."""
    app.refreshing = False
    status = app.query_one(StatusBar)
    status.progress = status.waiting = ""
    status.now = app.clock()
    report = job.result if isinstance(job.result, RefreshReport) else None
    note = refresh_note(report, job.error_text)
    if note is not None and note.network_down:
        app.notify_error(note.text, once="network")
    elif note is not None:
        app.notify(note.text, severity=note.severity, markup=False)
    # The panes and the counts in one pass, the panes first: their feeds read again come
    # with their counts (counts first, 2,000 new feeds had every row redrawn for its count,
    # then made again).
    # Entries retention dropped too: their rows stayed, and opening one said "Gone". And
    # entries stored before that the end joined to a story: two rows stayed, one marked read
    # with the story and the other not (a helper's tour).
    reload = bool(
        report
        and (report.new_entries or report.updated_entries or report.pruned or report.regrouped)
    )
    app.store_changed(reload=reload, tell_new_matches=True)


def start_refresh(
    net: BackgroundLoop,
    store: Store,
    config: Config,
    post: Callable[[Message], object],
    feed_ids: list[int] | None = None,
    *,
    due_only: bool = False,
    sync: ReaderSync | None = None,
    after: threading.Event | None = None,
) -> None:
    """Every feed (or those of `feed_ids`; with `due_only`, those whose poll interval has
    passed), on the background loop: progress as `RefreshProgress`, the end as `JobDone`.
    With `sync`, a sync runs first and its end comes as `SyncFinished`. With `after`, it
    starts once that is set (the watched count's baseline), or after _AFTER_AT_MOST."""
    from newsreader.core.refresh.run import refresh  # the network stack: lazily

    teller = _CountTeller(post)

    def waiting(waits: Waiting | None) -> None:
        post(RefreshWaiting(waits))

    async def job() -> RefreshReport:
        if after is not None:
            await asyncio.to_thread(after.wait, _AFTER_AT_MOST)
        ids: Collection[int] | None = feed_ids
        if sync is not None:
            ids = await sync.before_refresh(feed_ids, post)
        try:
            return await refresh(
                store,
                config,
                feed_ids=ids,
                progress=teller.progress,
                due_only=due_only,
                waiting=waiting,
            )
        finally:
            teller.end()

    net.submit(job, group=REFRESH)


class _CountTeller:
    """A refresh's count for the header, told at most every PROGRESS_EVERY and at the end. A
    count held back is told once that time is up, unless a later one came first: the header
    must not stay at 1/3 while the last feed's slow host is waited on. Used on the refresh's
    loop only; nothing is told after `end` (the JobDone that follows clears the header)."""

    def __init__(self, post: Callable[[Message], object]) -> None:
        self.post = post
        self.told_at = -PROGRESS_EVERY
        self.held: RefreshProgress | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.over = False

    def progress(self, outcome: FeedOutcome, done: int, total: int) -> None:
        if self.over:
            return
        self.held = RefreshProgress(outcome, done, total)
        wait = self.told_at + PROGRESS_EVERY - time.monotonic()
        if done == total or wait <= 0:
            self._tell()
        elif self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(wait, self._tell)

    def _tell(self) -> None:
        self._stop_timer()
        if self.held is not None and not self.over:
            self.post(self.held)
            self.held = None
            self.told_at = time.monotonic()

    def end(self) -> None:
        self.over = True
        self._stop_timer()

    def _stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


def feed_ids_of(store: Store, feed_id: int | None, tag: str | None) -> list[int] | None:
    """What `r` refreshes: one feed, a tag's feeds, or (None) every feed."""
    if feed_id is not None:
        return [feed_id]
    if tag is not None:
        return [f.id for f in store.feeds(counts=False) if tag in f.tags]
    return None


@dataclass(frozen=True, slots=True)
class RefreshNote:
    text: str
    severity: Literal["warning", "error"]
    # Nothing could be fetched: said once per session, everything cached stays browsable.
    network_down: bool


def refresh_note(report: RefreshReport | None, error: str | None) -> RefreshNote | None:
    if error is not None:
        return RefreshNote(f"Refresh failed: {error}", "error", network_down=True)
    if report is None or not report.failed:
        return None
    url, reason = report.failed[0]
    if len(report.failed) == report.feeds:
        text = f"No feed could be fetched: {one_line(reason, 200)}"
        return RefreshNote(text, "error", network_down=True)
    text = (
        f"{len(report.failed)} of {report.feeds} feeds failed; "
        f"first: {one_line(url, 100)}: {one_line(reason, 200)}"
    )
    return RefreshNote(text, "warning", network_down=False)
