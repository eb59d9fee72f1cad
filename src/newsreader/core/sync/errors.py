"""What a sync can fail with. Messages are one line and never carry a password or a token."""

from __future__ import annotations

from newsreader.core.models import NewsreaderError


class SyncError(NewsreaderError):
    """A sync failed; nothing was applied to the cache. The command exits 1."""


class SyncUnreachable(SyncError):
    """The server is down, timed out or answered with a server error."""


class SyncProtocolError(SyncError):
    """An answer that is not what the API promises: HTML, wrong types, endless paging."""


class SyncAuthError(SyncError):
    """Wrong user or password, or no password to be found. The command exits 2: the user has
    to change something before a retry can help."""
