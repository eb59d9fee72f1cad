"""Offline prefetch for `refresh --full`: new entries' pages, then their top teaser targets,
within a per-run byte and time budget, through the same polite Fetcher as the feeds."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Collection
from concurrent.futures import Executor
from dataclasses import dataclass

from newsreader.core.config import Config
from newsreader.core.errors import FetchError
from newsreader.core.net.fetch import Fetcher
from newsreader.core.net.fetch_failures import failed_for_the_network
from newsreader.core.net.urls import is_web_url
from newsreader.core.refresh.ingest import ingest_page
from newsreader.core.refresh.on_demand import fetch_page
from newsreader.core.store.store import Store

# Pages fetched at once. Not the global cap (96, for a warm refresh's 304s): every page has a
# body of up to max_page_mb, and two workers extract pages far slower than 32 arrive.
_PAGES_AT_ONCE = 32
# Unread articles whose page is cached already, newest first, whose teasers a run looks at
# too (after those whose pages it fetched itself): it fetches only targets not yet cached.
_CACHED_ARTICLES = 300


class _Budget:
    def __init__(self, config: Config) -> None:
        self.deadline = time.monotonic() + config.prefetch.max_seconds_per_run
        self.bytes_left = int(config.prefetch.max_mb_per_run * 1024 * 1024)

    @property
    def spent(self) -> bool:
        return self.bytes_left <= 0 or time.monotonic() >= self.deadline


@dataclass(frozen=True, slots=True)
class Prefetched:
    fetched: int  # pages fetched and stored
    failed: tuple[tuple[str, str], ...]  # (url, error) of the pages that could not be


async def prefetch_pages(
    store: Store,
    config: Config,
    *,
    fetcher: Fetcher,
    executor: Executor,
    feed_ids: Collection[int] | None = None,
) -> Prefetched:
    """Fetch and store the pages of unread entries (of `feed_ids`: `refresh --full --feed`
    fetched every feed's), then their first teasers. Extraction
    runs on `executor` (the refresh's worker processes), so it uses both cores and never the
    UI's thread."""
    budget = _Budget(config)
    fetched = 0
    failed: dict[str, str] = {}
    loop = asyncio.get_running_loop()
    # The budget is checked when a fetch gets its turn, not when it is queued: started all at
    # once, every fetch would pass the check before the first byte was counted.
    turns = asyncio.Semaphore(min(config.network.concurrency, _PAGES_AT_ONCE))

    async def fetch_one(url: str, *, article: bool = True) -> None:
        """`article`: an unread entry's own page, whose failure the run reports; a teaser's
        target is an extra (dead related links are common), whose failure it does not."""
        nonlocal fetched
        async with turns:
            if budget.spent:
                return
            wanted, known = store.prefetch_state(url)  # known: reported then, not again
            if not wanted:
                return
            try:
                final_url, body = await asyncio.wait_for(
                    fetch_page(url, fetcher, config), budget.deadline - time.monotonic()
                )
            except TimeoutError:
                return  # the run's time is up; this page is not at fault
            except FetchError as exc:
                # Unavailable offline; the feed text remains, and opening it online tries
                # again. One that failed for the network (no connection, a timeout, a 5xx)
                # is asked for again by the next run; any other answer would come again (a
                # 404, a PDF, a page over the size cap), so the runs of the next week leave
                # it be. Marked failed once, a page was never asked for again. Each is
                # reported once: a dead link made every cron run exit 1 until it was read.
                if article and not known:
                    failed[url] = str(exc).removeprefix(f"{url}: ")  # named beside it
                lasting = not failed_for_the_network(url, exc.status)
                await asyncio.to_thread(store.mark_page_failed, url, lasting=lasting)
                return
            budget.bytes_left -= len(body)
        job = functools.partial(ingest_page, str(store.path), url, final_url, body)
        try:
            await loop.run_in_executor(executor, job)
        except Exception as exc:  # one page the extractor chokes on must not end the prefetch
            if article and not known:
                failed[url] = f"could not read the page: {type(exc).__name__}"
            await asyncio.to_thread(store.mark_page_failed, url, lasting=True)
            return
        fetched += 1

    entries = await asyncio.to_thread(store.entries_needing_pages, feed_ids=feed_ids)
    await asyncio.gather(*(fetch_one(url) for _, url in entries))
    if not budget.spent:
        cached = await asyncio.to_thread(
            store.unread_entries_with_pages, _CACHED_ARTICLES, feed_ids=feed_ids
        )
        articles = list(dict.fromkeys([*(e for e, _ in entries), *cached]))
        targets = await asyncio.to_thread(
            _teaser_targets, store, articles, config.prefetch.teasers_per_article
        )
        await asyncio.gather(*(fetch_one(url, article=False) for url in targets))
    return Prefetched(fetched, tuple(failed.items()))


def _teaser_targets(store: Store, entry_ids: list[int], depth: int) -> list[str]:
    """Each entry's first teasers, once each. The store lists related before "more", so the
    first `depth` are the ones a reader opens next (reading an entry's HTML links parses it)."""
    targets: dict[str, None] = {}
    for entry_id in entry_ids:
        for teaser in store.entry_teasers(entry_id)[:depth]:
            if is_web_url(teaser.url):
                targets.setdefault(teaser.url, None)
    return list(targets)
