"""What an opened article shows: the entry with its attachments and teaser links, its
page as extracted, a teaser link's preview, the other versions of its story.

Apart from models.py because the reader needs them only once an article is open (the parse
and the page loads make some of them): its first frame does without these six frozen
dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only
    from newsreader.core.models import TeaserGroup, TeaserKind


def _size(length: int) -> str:
    if length < 1000:
        return f"{length} B"
    if length < 1_000_000:
        return f"{length / 1000:.0f} KB"
    return f"{length / 1_000_000:.1f} MB"


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
