"""`add`: subscribe to a feed URL, or find the feeds an HTML page announces."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from newsreader import exit_codes
from newsreader.core.config import Config
from newsreader.core.errors import FeedParseError, FetchError, NewsreaderError
from newsreader.core.extract.render import one_line
from newsreader.core.models import Feed, FetchResult, ParsedFeed
from newsreader.core.net.fetch import fetch_config, fetch_sync, is_web_url
from newsreader.core.parse.feeds import discover_feeds, looks_like_feed, parse_feed
from newsreader.core.store.store import Store


def _fetch(config: Config, url: str) -> tuple[FetchResult, bytes]:
    result = fetch_sync(url, config=fetch_config(config))
    if result.error is not None or result.body is None:
        raise FetchError(f"{url}: {result.error or 'empty response'}", status=result.status)
    return result, result.body


Offered = Callable[[str, Sequence[tuple[str, str | None]]], None]
"""Told (page URL, [(feed URL, title)]) when a page offers more than one feed."""


@dataclass(frozen=True, slots=True)
class Subscribed:
    feed: Feed
    name: str
    new_entries: int
    offered: int  # feeds the page offered (1 for a feed URL)


def print_offered(url: str, found: Sequence[tuple[str, str | None]]) -> None:
    print(f"{url} offers {len(found)} feeds:", file=sys.stderr)
    for n, (feed_url, title) in enumerate(found, 1):
        print(f"  {n}. {one_line(title or '(untitled)', 80)}  {feed_url}", file=sys.stderr)


def find_feed(
    config: Config, url: str, *, pick: int | None, on_offered: Offered | None = print_offered
) -> tuple[str, ParsedFeed, FetchResult]:
    """Resolve a user's URL to a feed URL and its parsed content, via autodiscovery if needed."""
    if not is_web_url(url):
        raise NewsreaderError(f"{url}: only http and https URLs can be subscribed")
    result, body = _fetch(config, url)
    if looks_like_feed(body, result.headers.get("content-type")):
        return url, parse_feed(body, url=result.final_url, headers=result.headers), result
    found = discover_feeds(body, base_url=result.final_url)
    if not found:
        raise FeedParseError(f"{url} is neither a feed nor a page that links to one")
    if len(found) > 1 and on_offered is not None:
        on_offered(url, found)
    index = (pick or 1) - 1
    if not 0 <= index < len(found):
        raise NewsreaderError(f"--pick {pick}: the page offers feeds 1 to {len(found)}")
    feed_url = found[index][0]
    result, body = _fetch(config, feed_url)
    return feed_url, parse_feed(body, url=result.final_url, headers=result.headers), result


def add_subscription(
    store: Store,
    config: Config,
    url: str,
    *,
    title: str | None = None,
    tags: Sequence[str] = (),
    pick: int | None = None,
    on_offered: Offered | None = None,
) -> Subscribed:
    """Find, subscribe and store the first fetch: shared by `newsreader add` and the reader."""
    offered = [1]

    def count(page: str, found: Sequence[tuple[str, str | None]]) -> None:
        offered[0] = len(found)
        if on_offered is not None:
            on_offered(page, found)

    feed_url, parsed, result = find_feed(config, url, pick=pick, on_offered=count)
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
    return Subscribed(feed, name, outcome.new_entries, offered[0])


def subscribe(
    store: Store,
    config: Config,
    url: str,
    *,
    title: str | None,
    tags: Sequence[str],
    pick: int | None,
) -> int:
    done = add_subscription(
        store, config, url, title=title, tags=tags, pick=pick, on_offered=print_offered
    )
    print(f"subscribed to {one_line(done.name, 120)} ({done.feed.url}): {done.new_entries} entries")
    return exit_codes.OK
