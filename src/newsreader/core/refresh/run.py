"""Refresh orchestration: fetch -> parse -> store, with progress events.

Fetching is async (politeness caps live in the Fetcher); parsing and storing fetched feeds run
in worker processes (`workers.py`), a few feeds per transaction, so they use both cores and
never the thread that serves the reader's UI; the main process writes only feed stamps.
What may wait between fetching and the workers, and how feeds are batched: handover.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import time
from collections.abc import Callable, Collection
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from datetime import timedelta

from newsreader.core.config import Config, NetworkConfig
from newsreader.core.errors import StoreError, WorkerDied
from newsreader.core.fetch_records import FetchResult, RefreshReport
from newsreader.core.models import Feed, FeedOutcome
from newsreader.core.net.fetch import Fetcher, fetch_config
from newsreader.core.net.urls import host_key
from newsreader.core.refresh.handover import (
    BODIES_AT_ONCE,
    WAITING_BODIES,
    WAITING_BYTES,
    Backlog,
    Batcher,
    BodyPlaces,
    no_place,
)
from newsreader.core.refresh.ingest import (
    FeedJob,
    close_ended_threads,
    settle,
    settle_entries,
    warm_up,
)
from newsreader.core.refresh.waiting import InFlight, Waiting, tell_done, tell_waits
from newsreader.core.refresh.workers import WorkerPool
from newsreader.core.store.store import Store
from newsreader.core.times import to_ts, utcnow

Progress = Callable[[FeedOutcome, int, int], None]

# Below this many feeds a process pool costs more to start than it saves.
_POOL_THRESHOLD = 8
# Processes that parse and store (fewer on a one-core machine).
_WORKERS = 2
# While workers store, the refresh copies the WAL into the database each time they have stored
# this many entries since the last copy. A copy writes every page the WAL holds, among them the
# (published, id) index pages that nearly every batch's commit rewrites: copying each second
# (the rule before) wrote those again each second, more often the slower the machine, and 30 %
# of the bytes a cold refresh of 500 farm feeds wrote. Every 8,000 rather than 4,000 entries:
# 3.5 % fewer bytes written (8,379 -> 8,087 an entry for 500 farm feeds), with the WAL near
# 60 MB rather than 30.
_CHECKPOINT_ENTRIES = 8000


# A timer or cron tick a little early still counts: without this, a feed polled every 15
# minutes by a 15-minute cron job would be skipped every other time.
_DUE_SLACK = timedelta(seconds=60)


def due_feeds(
    store: Store,
    feed_ids: Collection[int] | None = None,
    *,
    polling: NetworkConfig | None = None,
) -> list[Feed]:
    """Feeds to fetch now: not gone (410), not inside a server's Retry-After window.
    Feeds named explicitly are fetched regardless. With `polling` (`refresh --due`, the
    reader's timer), only the feeds whose poll interval has passed since their last fetch."""
    now = utcnow()
    feeds = store.feeds(counts=False)
    if feed_ids is not None:
        return [f for f in feeds if f.id in feed_ids]
    return [
        f
        for f in feeds
        if not f.gone
        and (f.next_fetch_after is None or f.next_fetch_after <= now)
        and (
            polling is None
            or f.last_fetched is None
            or f.last_fetched + poll_interval(f, polling) - _DUE_SLACK <= now
        )
    ]


def poll_interval(feed: Feed, network: NetworkConfig) -> timedelta:
    """How long to leave a feed alone after a fetch: what it asks, within the user's bounds
    (a feed that asks nothing gets the minimum)."""
    low, high = network.min_poll_minutes * 60, network.max_poll_minutes * 60
    return timedelta(seconds=min(max(feed.poll_seconds or 0, low), high))


def interleave_hosts(feeds: list[Feed]) -> list[Feed]:
    """One feed per host in turn. The backlog admits feeds in this order, and ten feeds of one
    host first in line would hold ten slots while its cap of four lets only four through."""
    by_host: dict[str, list[Feed]] = {}
    for feed in feeds:
        by_host.setdefault(host_key(feed.url), []).append(feed)
    queues = list(by_host.values())
    return [q[i] for i in range(max(map(len, queues), default=0)) for q in queues if i < len(q)]


async def refresh(
    store: Store,
    config: Config,
    *,
    full: bool = False,
    feed_ids: Collection[int] | None = None,
    progress: Progress | None = None,
    due_only: bool = False,
    waiting: Callable[[Waiting | None], None] | None = None,
) -> RefreshReport:
    """Fetch, parse and store the feeds (all of them, or `feed_ids`). `due_only` fetches
    only those whose poll interval has passed: `refresh --due` and the reader's timer.
    `waiting` hears which hosts the refresh waits on once no fetch has ended for a while
    (waiting.py), and None when that is over."""
    started = time.monotonic()
    # The clustering window ends here, and a feed stamped since was stored by this refresh
    # (stored_since: its worker may die after the commit).
    started_at = int(time.time())
    feeds = due_feeds(store, feed_ids, polling=config.network if due_only else None)
    loop = asyncio.get_running_loop()
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsreader-store")
    # Parses and stores fetched feeds, and extracts and stores pages for --full.
    ingester: Executor
    warming: list[Future[None]] = []
    if len(feeds) >= _POOL_THRESHOLD or full:
        workers = max(1, min(_WORKERS, os.cpu_count() or 1))
        ingester = WorkerPool(workers)
        # Feeds never fetched will all need parsing: start the workers (0.3 s of imports each)
        # while the first responses are on their way. A refresh of known feeds, mostly 304,
        # starts them only if a body arrives.
        if sum(1 for f in feeds if not (f.etag or f.last_modified)) * 2 >= len(feeds):
            warming = [ingester.submit(warm_up, str(store.path)) for _ in range(workers)]
    else:
        ingester = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsreader-ingest")
    outcomes: list[FeedOutcome] = []
    done = 0
    fetches_left = len(feeds)
    # New entries inside the clustering window are sketched as they are stored (ingest_feeds).
    cluster = config.cluster
    sketch_after = started_at - cluster.window_days * 86400 if cluster.enabled else None
    batcher = Batcher(loop, ingester, str(store.path), sketch_after)

    # A fetch holds one of the Fetcher's slots only while its bytes come in; its body then
    # waits here for the workers, so storing never holds fetching back until this backlog
    # (bodies fetched or on their way, and their bytes) is full: memory stays flat.
    backlog = Backlog(config.network.concurrency + WAITING_BODIES, WAITING_BYTES)
    bodies = BodyPlaces(loop, BODIES_AT_ONCE)

    # A 304 only stamps the feed: all of them in one UPDATE batch once the fetching is done,
    # not a transaction per hundred that made a fetch wait for the writer. A refresh cut short
    # leaves these feeds unstamped, so the next one asks them again: no harm, a 304 is cheap.
    unchanged_ids: list[int] = []
    checkpoints = _Checkpoints(loop, writer, store) if isinstance(ingester, WorkerPool) else None
    in_flight = InFlight()

    async def one(fetcher: Fetcher, feed: Feed) -> None:
        nonlocal done, fetches_left
        expects_body = not (feed.etag or feed.last_modified)
        place = bodies.place() if expects_body else no_place()
        async with place as handed_on, backlog.slot() as held:
            host = in_flight.start(feed.url)
            try:
                result = await fetcher.fetch(
                    feed.url, etag=feed.etag, last_modified=feed.last_modified
                )
            finally:
                in_flight.end(host)
            held(len(result.body or b""))
            fetches_left -= 1
            if not fetches_left:  # the last body, if any, goes to the workers at once
                batcher.no_more_fetches()
            not_modified = result.not_modified
            storing = _store_result(
                loop, writer, batcher, store, feed, result, handed_on, started_at
            )
            del result  # the body is let go once a worker has it (see _store_result)
            outcome = await storing
            if checkpoints is not None:
                checkpoints.stored(outcome.new_entries + outcome.updated_entries)
            if outcome.unchanged and not outcome.error and not_modified:
                unchanged_ids.append(feed.id)
        outcomes.append(outcome)
        done += 1
        if progress is not None:
            progress(outcome, done, len(feeds))

    try:
        async with Fetcher(fetch_config(config)) as fetcher:
            # As many runners as the backlog admits feeds, each taking the next in line: not a
            # task per feed (2,000 waiting tasks held ~5 MB), and the same order of admission.
            queue = iter(interleave_hosts(feeds))

            async def runner() -> None:
                for feed in queue:
                    await one(fetcher, feed)

            telling = None
            if waiting is not None and feeds:
                telling = asyncio.ensure_future(tell_waits(in_flight, waiting))
            try:
                runners = min(len(feeds), backlog.max_feeds)
                await asyncio.gather(*(runner() for _ in range(runners)))
            finally:
                if telling is not None:
                    telling.cancel()
                    if waiting is not None:
                        tell_done(waiting)
            if unchanged_ids:
                await loop.run_in_executor(writer, store.record_not_modified_many, unchanged_ids)
            retention = config.retention
            pruned = await loop.run_in_executor(
                writer,
                lambda: store.prune(
                    max_age_days=retention.max_age_days,
                    max_entries_per_feed=retention.max_entries_per_feed,
                ),
            )
            pages = 0
            pages_failed: tuple[tuple[str, str], ...] = ()
            if full:
                # Start-up speed: prefetch loads trafilatura (0.5 s more), which the reader's own
                # refreshes (never --full) do not need in the UI's process.
                from newsreader.core.refresh.prefetch import prefetch_pages

                prefetched = await prefetch_pages(
                    store, config, fetcher=fetcher, executor=ingester, feed_ids=feed_ids
                )
                pages, pages_failed = prefetched.fetched, prefetched.failed
            # After prefetch, so the pages' texts it brought are compared at once. With
            # nothing stored, only pages read since (a few) wait: not worth a worker's start.
            days = config.cluster.window_days if config.cluster.enabled else None
            if pages or any(o.new_entries or o.updated_entries for o in outcomes):
                job = functools.partial(settle_entries, str(store.path), days, config.hide)
                try:
                    regrouped = await loop.run_in_executor(ingester, job)
                except WorkerDied:
                    # Everything is stored; the settling only decides and compares, and
                    # starts again from what is stored: done here instead of failing a
                    # refresh whose feeds all went in.
                    regrouped = await loop.run_in_executor(writer, settle, store, days, config.hide)
            else:
                regrouped = await loop.run_in_executor(writer, settle, store, days, config.hide)
            if not config.cluster.enabled:
                await loop.run_in_executor(writer, store.clear_clusters)
        if checkpoints is not None:
            # A worker that started late (a loaded machine) may still be opening the cache
            # for a refresh that is done. Its reads began before the last writes, and a
            # checkpoint beside them stops short of those: 16-32 frames stayed in the WAL,
            # in 5 of 1,350 runs of a small refresh (six at once on two cores). The pool's
            # shutdown below waits for that worker anyway; the last copy now comes after it.
            await _finished(warming)
            await checkpoints.last()
    except BaseException:
        if isinstance(ingester, WorkerPool):
            ingester.kill()
        raise
    finally:
        batcher.flush()  # a worker waiting for the open batch's next feed stops waiting
        # Waiting reaps the workers, so their CPU time counts as this process's children.
        ingester.shutdown(wait=True, cancel_futures=True)
        writer.shutdown(wait=True)
        # Their threads have ended: so has the use of the connections they opened.
        store.close_ended_threads()
        close_ended_threads(str(store.path))
    failed = tuple((o.url, o.error) for o in outcomes if o.error)
    return RefreshReport(
        feeds=len(outcomes),
        new_entries=sum(o.new_entries for o in outcomes),
        updated_entries=sum(o.updated_entries for o in outcomes),
        unchanged=sum(1 for o in outcomes if o.unchanged and not o.error),
        failed=failed,
        pages_fetched=pages,
        seconds=round(time.monotonic() - started, 3),
        pages_failed=pages_failed,
        pruned=pruned,
        regrouped=regrouped,
    )


async def _finished(jobs: list[Future[None]]) -> None:
    """Wait for `jobs` to end, however they end: a warm-up that failed takes nothing from
    the refresh (the batch sent to its worker learns of the failure)."""
    if jobs:
        await asyncio.gather(*(asyncio.wrap_future(job) for job in jobs), return_exceptions=True)


class _Checkpoints:
    """The workers leave the WAL to the refresh: copying it in here, on the writer thread,
    keeps the copy out of their write lock. One copy at a time, each `_CHECKPOINT_ENTRIES`
    stored entries, and a last one when all is stored."""

    def __init__(self, loop: asyncio.AbstractEventLoop, writer: Executor, store: Store) -> None:
        self.loop, self.writer, self.store = loop, writer, store
        self.since = 0
        self.running: asyncio.Future[None] | None = None

    def stored(self, entries: int) -> None:
        self.since += entries
        if self.since >= _CHECKPOINT_ENTRIES and (self.running is None or self.running.done()):
            self.since = 0
            self.running = self.loop.run_in_executor(self.writer, self._copy)

    async def last(self) -> None:
        if self.running is not None:
            await self.running
        await self.loop.run_in_executor(self.writer, self._copy)

    def _copy(self) -> None:
        with contextlib.suppress(StoreError):  # the next one, or the next commit, will do
            self.store.checkpoint()


async def _store_result(
    loop: asyncio.AbstractEventLoop,
    writer: Executor,
    batcher: Batcher,
    store: Store,
    feed: Feed,
    result: FetchResult,
    handed_on: Callable[[], None],
    started_at: int,
) -> FeedOutcome:
    url, status = feed.url, result.status
    # A feed moved for good is followed once its new address answered with the feed: sites
    # retire a feed by a 301 to their home page, and the address the user gave was lost for
    # one that fails "not a feed" (a helper's review).
    moved = result.permanent_url if result.permanent_url != feed.url else None
    if result.not_modified:  # recorded by the caller, in batches
        if moved:
            await loop.run_in_executor(writer, store.set_feed_url, feed.id, moved)
        return FeedOutcome(feed_id=feed.id, url=moved or url, unchanged=True)
    if result.error is not None or result.body is None:
        error = result.error or "empty response"
        gone = status == 410
        if gone:
            error = "HTTP 410 Gone: the publisher removed this feed; no longer polled"
        retry_at = utcnow() + timedelta(seconds=result.retry_after) if result.retry_after else None
        await loop.run_in_executor(
            writer,
            lambda: store.record_failure(
                feed.id, status=status, error=error, next_fetch_after=retry_at, gone=gone
            ),
        )
        return FeedOutcome(feed_id=feed.id, url=url, error=error)
    stored = batcher.add(
        FeedJob(
            feed.id,
            result.body,
            url=result.final_url,
            headers=result.headers,
            status=status,
            etag=result.etag,
            last_modified=result.last_modified,
        ),
        handed_on,
    )
    # Once a worker has the feed (pickled and sent), nothing here holds the body any more.
    del result
    try:
        outcome = await stored
    except Exception as exc:  # a crashed worker must not sink the other feeds
        if isinstance(exc, WorkerDied):  # it may have died after its batch's commit
            stamped = to_ts(feed.last_fetched)
            found = await loop.run_in_executor(
                writer, store.stored_since, feed.id, url, started_at, stamped
            )
            if found is not None:
                return found
        # Say what went wrong ("database is locked" after the 60 s wait), in one line.
        detail = " ".join(str(exc).split())[:200]
        error = f"could not parse or store the feed: {type(exc).__name__}" + (
            f": {detail}" if detail else ""
        )
        await loop.run_in_executor(
            writer, lambda: store.record_failure(feed.id, status=status, error=error)
        )
        return FeedOutcome(feed_id=feed.id, url=url, error=error)
    if moved and outcome.error is None:
        await loop.run_in_executor(writer, store.set_feed_url, feed.id, moved)
        url = moved
    return FeedOutcome(
        feed_id=outcome.feed_id,
        url=url,
        new_entries=outcome.new_entries,
        updated_entries=outcome.updated_entries,
        unchanged=outcome.unchanged,
        error=outcome.error,
    )
