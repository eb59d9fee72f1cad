"""Between fetching and the workers: how many feeds may be fetched and waiting, how many bodies
are held at once, and how fetched feeds are gathered into the workers' batches (run.py's
refresh uses these; a batch's feeds go to one worker as a `workers.Stream`).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor

from newsreader.core.models import FeedOutcome
from newsreader.core.refresh.ingest import FeedJob, ingest_feeds
from newsreader.core.refresh.workers import Stream

# Fetched feeds go to the workers in batches of up to this many, each batch one transaction.
# Nearly every commit rewrites the pages of the (published, id) indexes, whatever its size: a
# cold refresh of 2,000 farm feeds wrote 13.1 KB per entry in batches of 16, 10.7 KB in batches
# of 32 (500 feeds: 8.9 and 8.1 KB; batches of 8 wrote 10.1 KB). A batch's feeds reach its
# worker one at a time as they are fetched (Batcher), so its size costs no bodies held, only
# the batch's prepared text until its commit: ~5 MB at 32 farm feeds, in each worker (one
# waits for the write lock with its batch while the other writes). At 28, with 512 KiB page
# caches, the tree of a cold refresh of 2,000 farm feeds peaked at 97-98 MB rather than 100
# and wrote 10.9 KB per entry rather than 10.5 (at 24: 97-98 MB, 11.4 KB).
BATCH = 28
# A batch is stored once no feed came for BATCH_WAIT seconds, or BATCH_LONGEST after its
# first: its worker has parsed what came, and the feeds' outcomes (the reader's progress) wait.
BATCH_WAIT = 0.1
BATCH_LONGEST = 1.0
# Feeds fetched and not yet stored, beyond the requests in flight, and the bytes of their
# bodies (a new fetch waits while either is reached): room for a batch in each worker.
WAITING_BODIES = 64
WAITING_BYTES = 32 * 1024 * 1024
# Bodies at once: fetches that will bring one (a feed with no validators: never fetched, or its
# server sends none) and bodies fetched that no worker has read yet. A body's place is free once
# its worker has it, not once it is stored: a worker reads each feed as it parses the batch, so
# fetching goes on while both store, and bodies wait only in this process. With 96 places, held
# until stored, a cold refresh of 2,000 farm feeds peaked at 126 MB for the tree (the refresh
# 45 MB, each worker 41 MB); with 32 freed when read, at 119 MB (the refresh 38 MB), in the
# same wall time. 48 and 64 places cost 2.5 and 5 MB more and were no faster.
# It bounds a raised `concurrency` too. A 304 brings no body: a warm refresh gets the cap.
BODIES_AT_ONCE = 32
GIVE_BACK_EVERY = 0.01


class Backlog:
    """Feeds fetched or being fetched and not yet stored, bounded in number and in bytes."""

    def __init__(self, max_feeds: int, max_bytes: int) -> None:
        self.max_feeds, self.max_bytes = max_feeds, max_bytes
        self.feeds = self.bytes = 0
        self._changed = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[Callable[[int], None]]:
        """A place for one feed; call the yielded function with its body's size once in."""
        async with self._changed:
            # One body may always come in, however big: the cap per body is the Fetcher's.
            await self._changed.wait_for(
                lambda: (
                    self.feeds == 0 or (self.feeds < self.max_feeds and self.bytes < self.max_bytes)
                )
            )
            self.feeds += 1
        size = 0

        def held(nbytes: int) -> None:
            nonlocal size
            size = nbytes
            self.bytes += nbytes

        try:
            yield held
        finally:
            async with self._changed:
                self.feeds -= 1
                self.bytes -= size
                self._changed.notify()  # all wait for the same: waking one is enough


class Batcher:
    """Collects fetched feeds into one worker job per few feeds: storing them in one
    transaction writes each index page they share once instead of once per feed.

    A batch's job starts with its first feed and gets the others as they come (a
    `workers.Stream`): its worker parses each on arrival and stores them all when the batch is
    full, or when no feed came for a while. Neither process holds a batch's bodies at once: a
    body waits in the refresh only until its worker reads it."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        ingester: Executor,
        db_path: str,
        sketch_after: int | None = None,
    ) -> None:
        self.loop, self.ingester, self.db_path = loop, ingester, db_path
        self.sketch_after = sketch_after
        self.open: Batch | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.fetching_done = False

    def add(self, job: FeedJob, handed_on: Callable[[], None]) -> asyncio.Future[FeedOutcome]:
        """The feed's outcome, once its batch is stored. `handed_on` runs (in another thread)
        when a worker takes the feed."""
        batch = self.open
        if batch is None or batch.finished:  # finished early: its worker died
            self.flush()
            batch = self.open = self._start()
        future: asyncio.Future[FeedOutcome] = self.loop.create_future()
        batch.futures.append(future)
        batch.feeds.put(job, handed_on)
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        wait = min(BATCH_WAIT, batch.opened + BATCH_LONGEST - self.loop.time())
        if len(batch.futures) >= BATCH or wait <= 0 or self.fetching_done:
            self.flush()
        else:
            self.timer = self.loop.call_later(wait, self.flush)
        return future

    def no_more_fetches(self) -> None:
        """Every fetch is in: what comes now is stored at once. The last batch waited
        BATCH_WAIT for feeds that would never come, with a core idle: a tenth of a second
        of the 1.5 s a cold refresh of 500 farm feeds took."""
        self.fetching_done = True
        self.flush()

    def flush(self) -> None:
        """The open batch gets no more feeds: its worker stores what it has."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.open is not None:
            self.open.feeds.end()
            self.open = None

    def _start(self) -> Batch:
        batch = Batch(self.loop.time())
        # The stream is an argument of the call itself (not inside a partial): the pool sends
        # its feeds after the call.
        done = self.loop.run_in_executor(
            self.ingester, ingest_feeds, self.db_path, batch.feeds, self.sketch_after
        )
        futures = batch.futures

        def deliver(finished: asyncio.Future[list[FeedOutcome]]) -> None:
            batch.finished = True
            error = finished.exception() if not finished.cancelled() else None
            for index, future in enumerate(futures):
                if future.done():
                    continue
                if finished.cancelled():
                    future.cancel()
                elif error is not None:
                    future.set_exception(error)
                else:
                    future.set_result(finished.result()[index])

        done.add_done_callback(deliver)
        return batch


class Batch:
    """The feeds of one worker job: sent as they come, answered together."""

    def __init__(self, opened: float) -> None:
        self.opened = opened
        self.feeds: Stream[FeedJob] = Stream()
        self.futures: list[asyncio.Future[FeedOutcome]] = []
        self.finished = False


class BodyPlaces:
    """Bodies at once: fetches that will bring one, and bodies no worker has taken yet.

    A worker's thread takes a body every few milliseconds; the places it frees go back to the
    loop together, `GIVE_BACK_EVERY` after the first: woken once per body, the loop ran
    about ten times as many rounds as before, each starting one fetch, and the refreshing
    process took 0.4 s more CPU for 2,000 feeds."""

    def __init__(self, loop: asyncio.AbstractEventLoop, places: int) -> None:
        self.loop = loop
        self._free = asyncio.Semaphore(places)
        self._lock = threading.Lock()
        self._handed_on: list[Callable[[], None]] = []

    @contextlib.asynccontextmanager
    async def place(self) -> AsyncIterator[Callable[[], None]]:
        """Held until the yielded function is called (from any thread: a worker took the
        body) or the block ends, whichever comes first."""
        await self._free.acquire()
        held = True

        def give_back() -> None:
            nonlocal held
            if held:
                held = False
                self._free.release()

        def handed_on() -> None:
            with self._lock:
                self._handed_on.append(give_back)
                first = len(self._handed_on) == 1
            if first:
                with contextlib.suppress(RuntimeError):  # the loop closed: nothing to give back
                    self.loop.call_soon_threadsafe(
                        self.loop.call_later, GIVE_BACK_EVERY, self._give_back_handed_on
                    )

        try:
            yield handed_on
        finally:
            give_back()

    def _give_back_handed_on(self) -> None:
        with self._lock:
            handed_on, self._handed_on = self._handed_on, []
        for give_back in handed_on:
            give_back()


@contextlib.asynccontextmanager
async def no_place() -> AsyncIterator[Callable[[], None]]:
    """For a fetch expected to bring no body (a 304): nothing to give back."""
    yield lambda: None
