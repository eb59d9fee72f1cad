"""What parsing a feed gives the store: its entries as the feed tells them.

Apart from models.py because only the refresh, the subscribing and the store's writers make
or read them: the reader's first frame does without their two frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only
    from newsreader.core.article_records import Enclosure, Teaser


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
