"""Messages the background loop posts to the App; small dataclasses."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from newsreader.core.models import FeedOutcome, Page, RefreshReport


@dataclass
class RefreshProgress(Message):
    outcome: FeedOutcome
    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        # Hundreds of feeds report in a burst; only the latest count matters on screen.
        return isinstance(message, RefreshProgress)


@dataclass
class RefreshFinished(Message):
    report: RefreshReport | None
    error: str | None


@dataclass
class PageLoaded(Message):
    url: str
    page: Page | None
    error: str | None


@dataclass
class PreviewsArrived(Message):
    entry_id: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PreviewsArrived) and message.entry_id == self.entry_id
