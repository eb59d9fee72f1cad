"""The reader's sync with the [sync] server: before a refresh of all feeds (`R`, the start-up
refresh, the timer) and before `r` on a synced feed, on the background loop. One SyncSession
serves the whole reader session, so its login token stays in memory. The header names the
server and says how its last sync went; a failure is one notification, and the refresh of the
local feeds goes on regardless."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from textual.message import Message

from newsreader.core.config import Config
from newsreader.core.store.store import Store
from newsreader.core.store.sync import SyncTables
from newsreader.core.sync.label import server_label
from newsreader.core.sync_records import SyncReport
from newsreader.core.times import from_ts
from newsreader.ui.background import BackgroundLoop
from newsreader.ui.status_bar import StatusBar
from newsreader.ui.text import one_line

if TYPE_CHECKING:  # types only
    from newsreader.core.sync.session import SyncSession
    from newsreader.ui.app import NewsreaderApp


@dataclass
class SyncFinished(Message):
    """A sync ended: its report, or its error as one inert line."""

    report: SyncReport | None
    error: str | None


_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[SyncFinished]"]


class ReaderSync:
    """Syncs run on a daemon thread of their own (one SQLite connection for all of them): a
    sync blocks on the network for up to its timeout, and quitting the reader must not wait
    for a server that does not answer, as the loop's executor threads would make it."""

    def __init__(self, store: Store, config: Config, net: BackgroundLoop) -> None:
        self.store = store
        self.config = config
        self.net = net
        self.server = server_label(config.sync)
        self._session: SyncSession | None = None
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def last_sync(self) -> datetime | None:
        value = SyncTables(self.store).state("last_sync")
        return from_ts(int(value)) if value and value.isdigit() else None

    def wanted(self, feed_ids: Collection[int] | None) -> bool:
        """A refresh of every feed syncs; one of some feeds only when one of them is synced."""
        return feed_ids is None or bool(set(feed_ids) & SyncTables(self.store).synced_feed_ids())

    async def before_refresh(
        self, feed_ids: Collection[int] | None, post: Callable[[Message], object]
    ) -> Collection[int] | None:
        """Sync, then say which feeds the refresh fetches here: the server fetches the synced
        ones unless fetch_feeds_locally is set."""
        await self.net.after_writes()  # the marks just made go out with this sync
        post(await self._on_sync_thread())
        synced = SyncTables(self.store).synced_feed_ids()
        if self.config.sync.fetch_feeds_locally:
            return feed_ids
        if feed_ids is None:
            return [f.id for f in self.store.feeds(counts=False) if f.id not in synced]
        return [i for i in feed_ids if i not in synced]

    async def _on_sync_thread(self) -> SyncFinished:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[SyncFinished] = loop.create_future()
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name="newsreader-sync", daemon=True)
            self._thread.start()
        self._jobs.put((loop, future))
        return await future

    def _serve(self) -> None:
        try:
            while (job := self._jobs.get()) is not None:
                loop, future = job
                outcome = self._sync()
                with contextlib.suppress(RuntimeError):  # the loop is gone: the reader quit
                    loop.call_soon_threadsafe(_deliver, future, outcome)
        finally:
            if self._session is not None:
                self._session.close()

    def _sync(self) -> SyncFinished:
        """Whatever goes wrong is one line: reading goes on."""
        try:
            if self._session is None:
                # The network stack (httpx) is imported by the first sync, not at start-up.
                from newsreader.core.sync.session import SyncSession

                self._session = SyncSession(self.store, self.config.sync)
            return SyncFinished(self._session.sync(), None)
        except Exception as exc:
            return SyncFinished(None, one_line(str(exc) or type(exc).__name__, 300))

    def close(self) -> None:
        """The sync thread ends after the sync it may be in, and closes the session itself;
        nobody waits for it."""
        if self._thread is not None:
            self._jobs.put(None)


def _deliver(future: asyncio.Future[SyncFinished], outcome: SyncFinished) -> None:
    if not future.done():  # not cancelled meanwhile (the reader quitting)
        future.set_result(outcome)


def reader_sync(app: NewsreaderApp) -> ReaderSync | None:
    """The sync that goes with the reader's store: none without [sync], for the sample
    edition, or on a read-only cache."""
    sync = app.sync
    if sync is None or app.demo is not None or app.store.read_only:
        return None
    return sync


def show_server(app: NewsreaderApp) -> None:
    """The header's server and last sync, as the cache remembers it."""
    sync = reader_sync(app)
    status = app.query_one(StatusBar)
    status.sync_server = sync.server if sync is not None else ""
    status.last_sync = sync.last_sync() if sync is not None else None


def sync_started(app: NewsreaderApp) -> None:
    app.query_one(StatusBar).sync_state = "syncing"


def sync_finished(app: NewsreaderApp, message: SyncFinished) -> None:
    status = app.query_one(StatusBar)
    if message.error is not None or message.report is None:
        status.sync_state = "failed"
        app.notify_error(f"Sync failed: {message.error}")
        return
    status.sync_state = ""
    status.now = app.clock()
    sync = reader_sync(app)
    status.last_sync = sync.last_sync() if sync is not None else None
    report = message.report
    if report.dropped:
        app.notify_error(
            f"{report.dropped} queued changes for the server before were dropped: "
            "[sync] names another server or user now"
        )
    changed = report.pulled_items or report.pulled_marks or report.feeds_added
    app.store_changed(reload=bool(changed or report.feeds_removed))
