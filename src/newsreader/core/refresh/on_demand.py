"""Article pages on demand: fetch, extract, cache; and link previews for teasers.

The reader calls these for the article on screen; `show` calls them when online;
`refresh --full` calls them through prefetch. Extraction is CPU work, so it runs in a
thread and never blocks the event loop that serves the UI.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterable

from newsreader.core.article_records import LinkPreview, Page
from newsreader.core.config import Config
from newsreader.core.errors import FetchError
from newsreader.core.extract.metadata import page_preview
from newsreader.core.extract.page import extract_fetched_page
from newsreader.core.fetch_records import FetchResult
from newsreader.core.net.fetch import Fetcher, fetch_config
from newsreader.core.net.fetch_failures import failed_for_the_network
from newsreader.core.net.urls import is_web_url
from newsreader.core.store.store import Store
from newsreader.core.times import utcnow

_HTML_TYPES = ("text/html", "application/xhtml+xml")
PREVIEW_CONCURRENCY = 4


def page_bytes(config: Config) -> int:
    return int(config.network.max_page_mb * 1024 * 1024)


def _check_html(url: str, result: FetchResult) -> bytes:
    if result.error is not None or result.body is None:
        raise FetchError(f"{url}: {result.error or 'empty response'}", status=result.status)
    content_type = result.headers.get("content-type", "text/html").split(";")[0].strip().lower()
    if content_type and content_type not in _HTML_TYPES and not content_type.startswith("text/"):
        raise FetchError(f"{url}: not a web page ({content_type})", status=result.status)
    return result.body


async def fetch_page(url: str, fetcher: Fetcher, config: Config) -> tuple[str, bytes]:
    """(final URL, body) of a web page; raises FetchError with one readable line."""
    if not is_web_url(url):
        raise FetchError(f"{url}: only http and https links are opened")
    result = await fetcher.fetch(url, max_bytes=page_bytes(config))
    return result.final_url, _check_html(url, result)


async def fetch_and_store_page(store: Store, url: str, fetcher: Fetcher, config: Config) -> Page:
    final_url, body = await fetch_page(url, fetcher, config)
    page = await asyncio.to_thread(extract_fetched_page, body, url=url, final_url=final_url)
    await asyncio.to_thread(store.save_page, page, body)
    return page


async def load_page(
    store: Store, url: str, *, config: Config, fetcher: Fetcher | None = None
) -> Page:
    """Fetch, extract and cache one page; raises FetchError with one readable line."""
    if fetcher is not None:
        return await fetch_and_store_page(store, url, fetcher, config)
    async with Fetcher(fetch_config(config, max_bytes_mb=config.network.max_page_mb)) as own:
        return await fetch_and_store_page(store, url, own, config)


async def load_previews(
    store: Store,
    urls: Iterable[str],
    *,
    config: Config,
    on_preview: Callable[[LinkPreview], None] | None = None,
    fetcher: Fetcher | None = None,
) -> list[LinkPreview]:
    """Title and description for teasers we know only by URL, a few at a time, head only."""
    wanted = [u for u in await asyncio.to_thread(store.urls_needing_preview, urls) if is_web_url(u)]
    if not wanted:
        return []
    gate = asyncio.Semaphore(PREVIEW_CONCURRENCY)
    previews: list[LinkPreview] = []

    async def one(active: Fetcher, url: str) -> None:
        async with gate:
            result = await active.fetch_head(url)
        if result.error is not None or result.body is None:
            # No preview; the teaser keeps its anchor text. A link that is dead (a 404) is
            # noted as having none, or every showing of its article asked again (a helper's
            # tour); one the network failed is asked for again next time.
            if not failed_for_the_network(url, result.status):
                empty = LinkPreview(url=url, title=None, description=None, fetched_at=utcnow())
                await asyncio.to_thread(store.save_preview, empty)
            return
        title, description = page_preview(result.body, url=result.final_url)
        preview = LinkPreview(url=url, title=title, description=description, fetched_at=utcnow())
        await asyncio.to_thread(store.save_preview, preview)
        previews.append(preview)
        if on_preview is not None:
            on_preview(preview)

    if fetcher is not None:
        await asyncio.gather(*(one(fetcher, u) for u in wanted))
    else:
        async with Fetcher(fetch_config(config)) as own:
            await asyncio.gather(*(one(own, u) for u in wanted))
    return previews


def reextract_all(store: Store, *, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild every cached page's text and teasers from its stored HTML, with no network."""
    urls = store.page_urls()
    for done, url in enumerate(urls, 1):
        html = store.page_html(url)
        old = store.page(url)
        if html is None or old is None:
            continue
        page = extract_fetched_page(html, url=url, final_url=old.final_url)
        page = dataclasses.replace(page, fetched_at=old.fetched_at)
        store.save_page(page, html)
        if progress is not None:
            progress(done, len(urls))
    return len(urls)
