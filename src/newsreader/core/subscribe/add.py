"""Subscribe to what a user typed: find the feed, add it, store its first fetch.

Shared by `newsreader add` and the reader's `a` dialog; each shows the `Subscribed` it gets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from newsreader.core.config import Config
from newsreader.core.fetch_records import OfferedFeed
from newsreader.core.models import Feed
from newsreader.core.net.urls import canonical_address
from newsreader.core.parse.polling import header_interval, longest
from newsreader.core.store.store import Store
from newsreader.core.subscribe.discovery import find_feed


@dataclass(frozen=True, slots=True)
class Subscribed:
    feed: Feed
    name: str  # the title to show: the user's, the feed's, or its URL
    new_entries: int
    offers: tuple[OfferedFeed, ...] = ()  # the feeds the page offered; empty for a feed URL
    already: bool = False  # the feed was subscribed before: nothing was changed

    @property
    def offered(self) -> int:
        """How many feeds the URL offered (1 for a feed URL)."""
        return max(1, len(self.offers))


def add_subscription(
    store: Store,
    config: Config,
    url: str,
    *,
    title: str | None = None,
    tags: Sequence[str] = (),
    pick: int | None = None,
    before_storing: Callable[[], None] | None = None,
) -> Subscribed:
    """Find, subscribe and store the first fetch, so the headlines are there at once.

    A feed already subscribed (by the URL typed, or the one a page leads to) is left as it
    is, and the answer says so. `before_storing` runs once the network part is done and may
    raise to store nothing: the reader's dialog, escaped while it fetched.
    """
    known = store.feed(url) or store.feed(url := canonical_address(url))
    if known is not None:
        return Subscribed(known, known.title, 0, already=True)
    found = find_feed(config, url, pick=pick)
    # The page's spelling too: a subscription stored so before, or by sync or an import.
    known = store.feed(found.url)
    found = replace(found, url=canonical_address(found.url))
    known = known or store.feed(found.url)
    if known is not None:
        return Subscribed(known, known.title, 0, found.offers, already=True)
    if before_storing is not None:
        before_storing()
    feed = store.add_feed(found.url, title=title, tags=tags)
    # The next refresh does a normal (conditional) fetch from these validators.
    outcome = store.record_feed(
        feed.id,
        found.parsed,
        status=found.fetched.status,
        etag=found.fetched.etag,
        last_modified=found.fetched.last_modified,
        # As a refresh stores it: else a feed that answers 304 from then on kept no ttl, and
        # `refresh --due` polled it more often than it asks.
        poll_seconds=longest(found.parsed.poll_seconds, header_interval(found.fetched.headers)),
    )
    name = title or found.parsed.title or found.url
    return Subscribed(feed, name, outcome.new_entries, found.offers)
