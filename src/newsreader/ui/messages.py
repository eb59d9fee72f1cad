"""Messages the background loop posts to the App; small dataclasses. A refresh's progress
is in refresh_job.py, the previews' in detail_pane.py: made when those are first imported,
after the first frame."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from textual.message import Message

from newsreader.ui.text import one_line

# The groups of background jobs: one refresh at a time, one page load (a new one supersedes
# it), the previews of one article, the reader's store writes (in order) and its slow reads.
REFRESH = "refresh"
PAGE = "page"
PREVIEWS = "previews"
WRITE = "write"
READ = "read"
DETAIL_GROUPS = (PAGE, PREVIEWS)  # reported to the detail pane that asked for them
FAILED = {
    WRITE: "Could not save",
    READ: "Could not count",
    PREVIEWS: "Link previews failed",
    PAGE: "Page failed",
}


@dataclass
class JobDone(Message):
    """A background job finished: its result, its error, or it was cancelled (superseded).

    Every job reports through this one message and the App's one handler routes it by `group`
    (harlequin's worker-state handler is the model); `key` says what it was for (a URL, an
    entry id, the kind of write).
    """

    group: str
    key: Hashable = None
    result: object = None
    error: BaseException | None = None
    cancelled: bool = False

    @property
    def error_text(self) -> str | None:
        """The error as one inert line, or None."""
        if self.error is None:
            return None
        return one_line(str(self.error) or type(self.error).__name__)

    @property
    def failure(self) -> str:
        """The error as a notification says it."""
        return f"{FAILED.get(self.group, self.group)}: {self.error_text}"


@dataclass
class TeaserOpened(Message):
    """A teaser's page opened in the detail pane: if a feed carries it too, it is read."""

    url: str
