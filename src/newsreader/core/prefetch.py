"""Offline prefetch for `refresh --full`: new entries' pages, then their top teaser targets,
within a per-run byte and time budget, through the same polite Fetcher as the feeds."""

from __future__ import annotations

import asyncio
import functools
import time
from concurrent.futures import Executor

from newsreader.core.article import fetch_page
from newsreader.core.config import Config
from newsreader.core.fetch import Fetcher, is_web_url
from newsreader.core.ingest import ingest_page
from newsreader.core.models import FetchError
from newsreader.core.store import Store


class _Budget:
    def __init__(self, config: Config) -> None:
        self.deadline = time.monotonic() + config.prefetch.max_seconds_per_run
        self.bytes_left = int(config.prefetch.max_mb_per_run * 1024 * 1024)

    @property
    def spent(self) -> bool:
        return self.bytes_left <= 0 or time.monotonic() >= self.deadline


async def prefetch_pages(
    store: Store, config: Config, *, fetcher: Fetcher, executor: Executor
) -> int:
    """Returns the number of pages fetched and stored. Extraction runs on `executor` (the
    refresh's worker processes), so it uses both cores and never the UI's thread."""
    budget = _Budget(config)
    fetched = 0
    loop = asyncio.get_running_loop()

    async def fetch_one(url: str) -> None:
        nonlocal fetched
        if budget.spent or store.has_page(url):
            return
        try:
            final_url, body = await fetch_page(url, fetcher, config)
        except FetchError:
            # Unavailable offline; the feed text remains, and opening it online tries again.
            await asyncio.to_thread(store.mark_page_failed, url)
            return
        budget.bytes_left -= len(body)
        job = functools.partial(ingest_page, str(store.path), url, final_url, body)
        try:
            await loop.run_in_executor(executor, job)
        except Exception:  # one page the extractor chokes on must not end the prefetch
            await asyncio.to_thread(store.mark_page_failed, url)
            return
        fetched += 1

    entries = await asyncio.to_thread(store.entries_needing_pages)
    await asyncio.gather(*(fetch_one(url) for _, url in entries))
    depth = config.prefetch.teasers_per_article
    targets: dict[str, None] = {}
    for entry_id, _ in entries:
        for teaser in store.entry_teasers(entry_id)[:depth]:
            if is_web_url(teaser.url):
                targets.setdefault(teaser.url, None)
    await asyncio.gather(*(fetch_one(url) for url in targets))
    return fetched
