"""`add`: subscribe to a feed URL, or find the feeds an HTML page announces."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence

from newsreader.cli import EXIT_OK
from newsreader.core.config import Config
from newsreader.core.feeds import discover_feeds, looks_like_feed, parse_feed
from newsreader.core.fetch import Fetcher, is_web_url
from newsreader.core.models import (
    FeedParseError,
    FetchError,
    FetchResult,
    NewsreaderError,
    ParsedFeed,
)
from newsreader.core.refresh import fetch_config
from newsreader.core.render import one_line
from newsreader.core.store import Store


def _fetch(config: Config, url: str) -> tuple[FetchResult, bytes]:
    async def one() -> FetchResult:
        async with Fetcher(fetch_config(config)) as fetcher:
            return await fetcher.fetch(url)

    result = asyncio.run(one())
    if result.error is not None or result.body is None:
        raise FetchError(f"{url}: {result.error or 'empty response'}", status=result.status)
    return result, result.body


def find_feed(config: Config, url: str, *, pick: int | None) -> tuple[str, ParsedFeed, FetchResult]:
    """Resolve a user's URL to a feed URL and its parsed content, via autodiscovery if needed."""
    if not is_web_url(url):
        raise NewsreaderError(f"{url}: only http and https URLs can be subscribed")
    result, body = _fetch(config, url)
    if looks_like_feed(body, result.headers.get("content-type")):
        return url, parse_feed(body, url=result.final_url, headers=result.headers), result
    found = discover_feeds(body, base_url=result.final_url)
    if not found:
        raise FeedParseError(f"{url} is neither a feed nor a page that links to one")
    if len(found) > 1:
        print(f"{url} offers {len(found)} feeds:", file=sys.stderr)
        for n, (feed_url, title) in enumerate(found, 1):
            print(f"  {n}. {one_line(title or '(untitled)', 80)}  {feed_url}", file=sys.stderr)
    index = (pick or 1) - 1
    if not 0 <= index < len(found):
        raise NewsreaderError(f"--pick {pick}: the page offers feeds 1 to {len(found)}")
    feed_url = found[index][0]
    result, body = _fetch(config, feed_url)
    return feed_url, parse_feed(body, url=result.final_url, headers=result.headers), result


def subscribe(
    store: Store,
    config: Config,
    url: str,
    *,
    title: str | None,
    tags: Sequence[str],
    pick: int | None,
) -> int:
    feed_url, parsed, result = find_feed(config, url, pick=pick)
    feed = store.add_feed(feed_url, title=title, tags=tags)
    # Store what we just fetched so the headlines are there at once; the next refresh
    # does a normal (conditional) fetch.
    outcome = store.record_feed(
        feed.id,
        parsed,
        status=result.status,
        etag=result.etag,
        last_modified=result.last_modified,
    )
    name = title or parsed.title or feed_url
    print(f"subscribed to {one_line(name, 120)} ({feed_url}): {outcome.new_entries} entries")
    return EXIT_OK
