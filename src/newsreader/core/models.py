"""Frozen dataclasses that cross layers: network -> core -> store -> UI.

Times are always timezone-aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
class Enclosure:
    """A file attached to an item (a podcast episode, a video): streamed by a player, never
    cached by us. `duration` is in seconds, from itunes:duration or media:content."""

    url: str
    type: str | None = None
    length: int | None = None
    duration: int | None = None

    @property
    def playable(self) -> bool:
        """Audio or video, or a type we cannot tell (podcast feeds write "mp3"); not images,
        which news feeds attach as thumbnails."""
        kind = (self.type or "").lower()
        return not kind.startswith(("image/", "text/", "application/pdf"))

    @property
    def description(self) -> str:
        """ "audio/mpeg · 1.3 MB · 2:43": what the article pane and `show` print."""
        parts = [self.type or "unknown type"]
        if self.length:
            parts.append(_size(self.length))
        if self.duration:
            minutes, seconds = divmod(self.duration, 60)
            hours, minutes = divmod(minutes, 60)
            parts.append(
                f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"
            )
        return " · ".join(parts)


def _size(length: int) -> str:
    if length < 1000:
        return f"{length} B"
    if length < 1_000_000:
        return f"{length / 1000:.0f} KB"
    return f"{length / 1_000_000:.1f} MB"


@dataclass(frozen=True, slots=True)
class Teaser:
    """A link shown under an article: a related story or an outbound link."""

    url: str
    title: str
    description: str = ""
    kind: TeaserKind = "inline"
    kicker: str = ""  # the Dachzeile / category / place line shown above or before the headline
    block: str = ""  # the label of the page block it came from; "" for links in the article text
    group: TeaserGroup = "related"
    # Filled by the store when read back: is the target page cached for offline reading?
    offline: bool = False


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One feed item as parsed, before it has a database id."""

    key: str  # stable identity within the feed: guid, else link, else hash of title+date
    title: str
    url: str | None = None
    author: str | None = None
    summary: str = ""  # HTML as the feed gave it (sanitized at display time)
    content: str = ""  # HTML of the full content when the feed carries it
    published: datetime | None = None
    updated: datetime | None = None
    categories: tuple[str, ...] = ()
    enclosures: tuple[Enclosure, ...] = ()
    teasers: tuple[Teaser, ...] = ()
    paywalled: bool = False
    # The base URL for the links inside content (else summary). Set by the parser, which
    # leaves those links out of `teasers`: they are read from the stored HTML when shown,
    # so a refresh parses no entry HTML. None: `teasers` already holds every link.
    html_base: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str | None
    site_url: str | None
    entries: tuple[ParsedEntry, ...]
    # Set when the parser hit malformed input but kept what it could.
    warning: str | None = None
    # Seconds between polls the feed asks for (<ttl>, sy:updatePeriod); None: no ask.
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
class StoryVersion:
    """One version of a story (issue 14), as `articles --json` and the article pane list it."""

    id: int
    feed_title: str
    title: str
    paywalled: bool


@dataclass(frozen=True, slots=True)
class Entry:
    """One article with everything needed to show it."""

    id: int
    feed_id: int | None
    feed_title: str
    title: str
    url: str | None
    author: str | None
    published: datetime
    updated: datetime | None
    summary: str
    content: str
    categories: tuple[str, ...]
    enclosures: tuple[Enclosure, ...]
    read: bool
    starred: bool
    paywalled: bool
    # Markdown extracted from the article page, when we have it.
    page_text: str | None = None
    offline: bool = False
    teasers: tuple[Teaser, ...] = ()


@dataclass(frozen=True, slots=True)
class Page:
    """An article page as fetched and extracted; the raw HTML is kept so we can re-extract."""

    url: str
    final_url: str
    fetched_at: datetime
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    description: str | None = None
    image: str | None = None
    language: str | None = None
    text: str | None = None  # Markdown; None when extraction found nothing useful
    paywalled: bool = False
    teasers: tuple[Teaser, ...] = ()


@dataclass(frozen=True, slots=True)
class LinkPreview:
    url: str
    title: str | None
    description: str | None
    fetched_at: datetime


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
class OfferedFeed:
    """A feed an HTML page announces with <link rel="alternate">."""

    url: str
    title: str


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one HTTP fetch produced; `body` is None on 304 and on failure."""

    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int | None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    # Set when a 301/308 chain ended somewhere else: the stored URL should follow.
    permanent_url: str | None = None
    error: str | None = None
    retry_after: float | None = None  # seconds, from a 429/503

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """One feed's refresh result, as progress events and the summary report."""

    feed_id: int
    url: str
    new_entries: int = 0
    updated_entries: int = 0
    unchanged: bool = False
    error: str | None = None


@dataclass(frozen=True, slots=True)
class RefreshReport:
    feeds: int
    new_entries: int
    updated_entries: int
    unchanged: int
    failed: tuple[tuple[str, str], ...]  # (url, error)
    pages_fetched: int
    seconds: float
