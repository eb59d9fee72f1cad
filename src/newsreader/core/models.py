"""Frozen dataclasses that cross layers: network -> core -> store -> UI.

These are the ones the reader's start-up makes (its store's modules name them at import).
Beside them, each made only when first needed: the parse's (parsed.py), a fetch's
(fetch_records.py), an opened article's (article_records.py) and the sync's
(sync_records.py). Times are always timezone-aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

TextSource = Literal["page", "feed"]
# Where a teaser link came from; also its ordering rank (inline first, feed's own last).
TeaserKind = Literal["inline", "related", "feed"]
# What a teaser is to the article (corpus TEASERS.md): tied to its topic or place ("related",
# listed first), or one of the page's other story lists ("more": most read, latest news).
TeaserGroup = Literal["related", "more"]


@dataclass(frozen=True, slots=True)
class Feed:
    id: int
    url: str
    title: str
    site_url: str | None = None
    tags: tuple[str, ...] = ()
    etag: str | None = None
    last_modified: str | None = None
    last_fetched: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None
    next_fetch_after: datetime | None = None
    gone: bool = False
    entries: int = 0
    unread: int = 0
    origin: str = "local"  # "server" when a sync subscribed it
    # Seconds between polls the feed last asked for (ttl, sy:, Cache-Control); None: no ask.
    poll_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class EntrySummary:
    """A headline row: what the list pane and `articles` need, nothing more."""

    id: int
    feed_id: int | None
    feed_title: str
    title: str
    url: str | None
    author: str | None
    published: datetime
    read: bool
    starred: bool
    paywalled: bool
    offline: bool
    # Versions of one story (issue 14) share a cluster id; `versions` counts them (1: alone).
    cluster_id: int | None = None
    versions: int = 1
    watched: str | None = None  # the [watch] word it matches (issue 14)
    hidden: bool = False  # a [[hide]] rule matches it (listed only with show_hidden)


@dataclass(frozen=True, slots=True)
class Cursor:
    """Keyset position in the newest-first headline order."""

    published: datetime
    id: int


@dataclass(frozen=True, slots=True)
class EntryFilter:
    feed_id: int | None = None
    tag: str | None = None
    unread: bool = False
    starred: bool = False
    hide_paywalled: bool = False
    search: str | None = None
    one_per_story: bool = True  # versions of one story listed once ([cluster] enabled)
    watch: tuple[str, ...] = ()  # [watch] words: rows say which one they match
    watched_only: bool = False  # only rows that match one
    show_hidden: bool = False  # also the entries a [[hide]] rule hides


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """One feed's refresh result, as progress events and the summary report."""

    feed_id: int
    url: str
    new_entries: int = 0
    updated_entries: int = 0
    unchanged: bool = False
    error: str | None = None
