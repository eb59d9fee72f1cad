"""What the sync clients hand to the engine and the store (service-neutral): frozen
dataclasses that cross layers, as in models.py. Apart from it because only a sync needs them:
the reader without [sync] does not make these classes (about a millisecond each) at start."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MarkAction = Literal["read", "unread", "star", "unstar"]


@dataclass(frozen=True, slots=True)
class QueuedMark:
    """One local change waiting for the server; `row` is its queue row, deleted once sent."""

    row: int
    item_id: str
    action: MarkAction


@dataclass(frozen=True, slots=True)
class QueuedFeedChange:
    """A subscription made or removed here, waiting for the server."""

    row: int
    action: Literal["subscribe", "unsubscribe"]
    url: str
    remote_id: str | None
    title: str | None
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class QueuedFeedEdit:
    """A synced feed renamed or re-tagged here, waiting for the server: the title when it was
    renamed, and the tags to add and remove against those the server last had."""

    row: int
    remote_id: str
    title: str | None
    add_tags: tuple[str, ...]
    remove_tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RemoteFeed:
    remote_id: str
    url: str
    title: str
    site_url: str | None
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RemoteItem:
    """One item as the server has it; text fields are untrusted like feed text."""

    remote_id: str
    feed_remote_id: str
    title: str
    url: str | None
    author: str | None
    html: str
    published: int  # Unix seconds
    read: bool
    starred: bool


@dataclass(frozen=True, slots=True)
class SyncReport:
    server: str
    pushed: int
    pulled_items: int
    pulled_marks: int
    feeds_added: int
    feeds_removed: int
    seconds: float
    # changes queued for the server before that were dropped: [sync] names another one now
    dropped: int = 0
