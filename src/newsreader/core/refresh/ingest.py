"""Parse and store fetched feeds: the jobs refresh hands to its worker processes.

Doing both in the worker keeps the parsed entries out of the pickle channel and the main
process (which serves the network, and in the reader the UI) free of parsing and indexing.
The parsers and the extractor are imported inside the jobs on purpose: the main process only
names the job, the workers run it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from newsreader.core.config import HideRule
from newsreader.core.errors import FeedParseError
from newsreader.core.models import FeedOutcome
from newsreader.core.parse.polling import header_interval, longest
from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.refresh.collecting import collecting_seldom
from newsreader.core.store.feed_writes import FeedUpdate, PreparedFeed
from newsreader.core.store.packed_text import load_packer
from newsreader.core.store.store import Store
from newsreader.core.store.stream_writes import EntryStream

# Feeds from this size on are stored as they are parsed (the fast path's own threshold).
STREAM_FROM = 1024 * 1024
# A worker's SQLite page cache, for the batch it writes. A batch of 28 farm feeds dirties
# about 280 pages of 16 KB (160 of them its new rows); a cache smaller than that writes pages
# out to the WAL before the commit and reads them back, often more than once: 560 farm feeds
# stored in batches by two connections took 64,600 pread and pwrite calls with 512 KiB
# caches, 42,200 with 1 MiB, 33,900 with 1.5 MiB, 25,100 with 3 MiB (the same bytes reach
# the disk: the kernel's cache takes the repeats). Another worker's commit empties it anyway
# (WAL), so a worker lets go of it after each job (`release_page_caches`) and the tree
# holds about one at a time. A cold refresh of 2,000 farm feeds (bench/tree_memory.py, 3
# runs each, interleaved): at 1.5 MiB, 1.66-1.80 s of system time against 1.95-2.06 s at
# 512 KiB, the tree's peak 98.2 MB against 97.6 MB; at 2 MiB the peak was 99.9 MB and at 3
# MiB 100.5 MB, over the 100 MB the refresh keeps to, for little more.
_WORKER_CACHE_KIB = 1536

_stores: dict[str, Store] = {}
_lock = threading.Lock()
_write_gate: AbstractContextManager[object] | None = None


def init_worker(write_gate: AbstractContextManager[object]) -> None:
    """Process-pool initializer: all workers of one refresh share one lock for writes."""
    global _write_gate
    _write_gate = write_gate


def _store(path: str) -> Store:
    """One Store per process and path; it hands each thread its own connection."""
    with _lock:
        store = _stores.get(path)
        if store is None:
            store = _stores[path] = Store(Path(path))
            store.keep_statement_journals_in_memory()
            if _write_gate is not None:  # a worker of a refresh, which checkpoints for us
                store.write_gate = _write_gate
                store.leave_checkpoints_to_others()
                store.limit_page_cache(_WORKER_CACHE_KIB)
        return store


def release_page_caches() -> None:
    """Between a worker's jobs: the page caches of the stores it opened go back to the heap
    (another worker's commit would empty them anyway), so the tree holds about one."""
    with _lock:
        stores = list(_stores.values())
    for store in stores:
        store.release_page_cache()


def close_ended_threads(path: str) -> None:
    """`Database.close_ended_threads` for the store kept here (in the refreshing process, a
    refresh of a few feeds parses on a thread of its own)."""
    with _lock:
        store = _stores.get(path)
    if store is not None:
        store.close_ended_threads()


@dataclass(frozen=True, slots=True)
class FeedJob:
    """One fetched feed body, as the refresh hands it to a worker."""

    feed_id: int
    body: bytes
    url: str
    headers: dict[str, str]
    status: int | None
    etag: str | None
    last_modified: str | None


def warm_up(db_path: str) -> None:
    """Load the parsers and open the store while the first responses are on their way (a
    worker's start-up job). Importing this module loads the store's code, not the parsers
    (imported inside `ingest_feeds`): the first batch waited for them with its body in."""
    # Imported to be loaded now; not at the top, for start-up speed: the refreshing process
    # imports this module and never parses.
    from newsreader.core.parse import feeds  # noqa: F401

    load_packer()
    _store(db_path)


def ingest_feeds(
    db_path: str, jobs: Iterable[FeedJob], sketch_after: int | None = None
) -> list[FeedOutcome]:
    """Parse several fetched feeds and store them in one transaction; one outcome each.
    `jobs` may be a `workers.Stream`: each feed is parsed as it arrives, so a worker holds
    one body at a time, not the batch's. A feed of a megabyte or more is stored on its own as
    it is parsed (`_ingest_streamed`). `sketch_after`: the clustering window's start, whose
    new entries are sketched here, on every worker and while others fetch, rather than all at
    once by the pass at the end."""
    # In a worker (only a worker has a write gate), the collector runs seldom while it parses
    # and stores (collecting.py); not in the refreshing process, whose collector is its own.
    with collecting_seldom() if _write_gate is not None else nullcontext():
        return _ingest_feeds(db_path, jobs, sketch_after)


def _ingest_feeds(
    db_path: str, jobs: Iterable[FeedJob], sketch_after: int | None
) -> list[FeedOutcome]:
    # Imported here, not at the top: the refreshing process only names this job, and a warm
    # refresh (all 304) should not pay for loading the parsers.
    from newsreader.core.parse.feeds import parse_feed

    store = _store(db_path)
    streamed: dict[int, FeedOutcome] = {}
    prepared: list[PreparedFeed] = []
    for job in jobs:
        # Prepared at once, so the batch holds each feed's packed text, not its body or its
        # parsed entries.
        outcome = update = None
        if len(job.body) >= STREAM_FROM:
            try:
                outcome = _ingest_streamed(store, job)
            except _ParserSlipped as slip:  # rolled back; as below, this feed's error alone
                update = _parse_failure(job, slip.error)
        if outcome is not None:
            streamed[len(prepared) + len(streamed)] = outcome
        else:
            if update is None:
                try:
                    update = _update(job, parse_feed(job.body, url=job.url, headers=job.headers))
                except Exception as exc:
                    update = _parse_failure(job, exc)
            prepared.append(store.prepare_feed(update, sketch_after=sketch_after))
            del update
        del job  # the body is let go before the next one is read
    stored = iter(store.record_prepared(prepared) if prepared else ())
    return [streamed.get(n) or next(stored) for n in range(len(prepared) + len(streamed))]


def _ingest_streamed(store: Store, job: FeedJob) -> FeedOutcome | None:
    """A big feed parsed item by item into its transaction: a 10 MB feed's entries are never
    all in memory at once. None when the fast path cannot take it after all."""
    from newsreader.core.parse.feeds import NotFast, feed_stream  # as in ingest_feeds

    stream = feed_stream(job.body, url=job.url, headers=job.headers)
    if stream is None:
        return None
    guarded = _GuardedStream(stream, NotFast)
    try:
        return store.record_streamed_feed(job.feed_id, guarded, lambda parsed: _update(job, parsed))
    except NotFast:
        return None


class _ParserSlipped(Exception):
    """What our parsing raised while a big feed was stored: that feed's error. The store's own
    exceptions, raised between the entries, are not wrapped: they fail the batch, as anywhere."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


class _GuardedStream:
    """A big feed's entry stream whose parsing errors come out as `_ParserSlipped`: told
    apart from the store's, which the transaction around the stream raises itself. `NotFast`
    (store the feed whole instead) passes through."""

    def __init__(self, stream: EntryStream, passes: type[Exception]) -> None:
        self._stream, self._passes = stream, passes

    @property
    def title(self) -> str | None:
        return self._stream.title

    def __iter__(self) -> Iterator[ParsedEntry]:
        entries = iter(self._stream)
        while True:
            try:
                entry = next(entries)
            except StopIteration:
                return
            except self._passes:
                raise
            except Exception as exc:
                raise _ParserSlipped(exc) from exc
            yield entry

    def head(self) -> ParsedFeed:
        try:
            return self._stream.head()
        except self._passes:
            raise
        except Exception as exc:
            raise _ParserSlipped(exc) from exc


def _parse_failure(job: FeedJob, exc: Exception) -> FeedUpdate:
    """The feed's error for its row. Our parsing's slip on hostile bytes (after feedparser) is
    this feed's error too, not its batch's (all of whose feeds it sank)."""
    if isinstance(exc, FeedParseError):
        return FeedUpdate(job.feed_id, None, job.status, error=str(exc))
    error = f"could not parse the feed: {type(exc).__name__}"
    return FeedUpdate(job.feed_id, None, job.status, error=error)


def _update(job: FeedJob, parsed: ParsedFeed) -> FeedUpdate:
    poll = longest(parsed.poll_seconds, header_interval(job.headers))
    return FeedUpdate(
        job.feed_id, parsed, job.status, job.etag, job.last_modified, poll_seconds=poll
    )


def settle_entries(db_path: str, cluster_days: int | None, rules: tuple[HideRule, ...]) -> int:
    """After a refresh stored its entries (issue 14): join new and changed ones to their
    stories (unless `cluster_days` is None) and decide which [[hide]] rules hide. CPU work,
    so it runs where parsing does, not in the process that serves the reader."""
    return settle(_store(db_path), cluster_days, rules)


def settle(store: Store, cluster_days: int | None, rules: tuple[HideRule, ...]) -> int:
    """`settle_entries` on a Store at hand (a refresh that stored nothing: a few pages)."""
    store.apply_hide_rules(rules)
    return store.cluster_recent(window_days=cluster_days) if cluster_days is not None else 0


def ingest_page(db_path: str, url: str, final_url: str, body: bytes) -> None:
    """Extract an article page and cache it (prefetch's job for the worker processes)."""
    # Start-up speed: trafilatura (0.5 s) loads in the workers that extract, never in the
    # process that only hands them pages.
    from newsreader.core.extract.page import extract_fetched_page

    page = extract_fetched_page(body, url=url, final_url=final_url)
    _store(db_path).save_page(page, body)
