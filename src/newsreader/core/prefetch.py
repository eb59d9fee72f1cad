"""Offline prefetch for `refresh --full`: new entries' pages, then their top teaser targets,
within a per-run byte and time budget, through the same polite Fetcher as the feeds."""

from __future__ import annotations

import asyncio
import time

from newsreader.core.article import fetch_and_store_page
from newsreader.core.config import Config
from newsreader.core.fetch import Fetcher, is_web_url
from newsreader.core.models import FetchError
from newsreader.core.store import Store


class _Budget:
    def __init__(self, config: Config) -> None:
        self.deadline = time.monotonic() + config.prefetch.max_seconds_per_run
        self.bytes_left = int(config.prefetch.max_mb_per_run * 1024 * 1024)

    @property
    def spent(self) -> bool:
        return self.bytes_left <= 0 or time.monotonic() >= self.deadline


async def prefetch_pages(store: Store, config: Config, *, fetcher: Fetcher) -> int:
    """Returns the number of pages fetched and stored."""
    budget = _Budget(config)
    fetched = 0

    async def fetch_one(url: str) -> None:
        nonlocal fetched
        if budget.spent or store.has_page(url):
            return
        try:
            page = await fetch_and_store_page(store, url, fetcher, config)
        except FetchError:
            # Unavailable offline; the feed text remains, and opening it online tries again.
            await asyncio.to_thread(store.mark_page_failed, url)
            return
        html = store.page_html(page.url)
        budget.bytes_left -= len(html or b"")
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
