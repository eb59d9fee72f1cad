"""What the sync clients hand to the engine: frozen, validated, service-neutral."""

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
