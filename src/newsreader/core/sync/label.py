"""How the server is named to the user: service and host, never the user or a password.

Apart from the engine so the reader can name the server in its header at start-up without
importing the network stack."""

from __future__ import annotations

from urllib.parse import urlsplit

from newsreader.core.config import SyncConfig


def server_label(sync: SyncConfig) -> str:
    return f"{sync.service} {urlsplit(sync.url).hostname or '?'}"
