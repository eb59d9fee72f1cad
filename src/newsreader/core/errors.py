"""Every exception newsreader raises on purpose, under one root.

Callers catch `NewsreaderError` to turn any of them into one line for the user (the command
line prints it and exits with exit_codes.USAGE; the reader's dialogs show it). Each message is
one clear line already. This module imports nothing, so any layer can raise these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the annotation only: at run time this module imports nothing
    from newsreader.core.fetch_records import OfferedFeed


class NewsreaderError(Exception):
    """Base of every error the core raises on purpose; its message is one clear line."""


class ConfigError(NewsreaderError):
    """config.toml cannot be read, or sets something that does not exist."""


class QueryError(NewsreaderError):
    """A search that cannot be read: an unclosed quote, a bare OR, a day that is none."""


class StoreError(NewsreaderError):
    """The cache cannot be used: a newer schema, an unreadable file, or SQLite failed."""


class FetchError(NewsreaderError):
    """A network fetch failed (after retries); `status` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class DecodeError(FetchError):
    """A response body could not be decoded: corrupt or unsupported Content-Encoding."""


class FeedParseError(NewsreaderError):
    """Bytes that are neither a feed nor a page with feeds, or an OPML file that is not one."""


class FeedChoiceError(NewsreaderError):
    """`--pick N` named a feed the page does not offer; `offers` lists the ones it does."""

    def __init__(self, message: str, *, offers: tuple[OfferedFeed, ...] = ()) -> None:
        super().__init__(message)
        self.offers = offers


class WorkerDied(NewsreaderError):
    """A worker process ended while running a job (killed, or crashed in native code)."""


class SyncError(NewsreaderError):
    """A sync failed; nothing was applied to the cache. The command exits 1."""


class SyncUnreachable(SyncError):
    """The server is down, timed out or answered with a server error."""


class SyncProtocolError(SyncError):
    """An answer that is not what the API promises: HTML, wrong types, endless paging."""


class SyncAuthError(SyncError):
    """Wrong user or password, or no password to be found. The command exits 2: the user has
    to change something before a retry can help."""
