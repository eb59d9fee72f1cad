"""Which URLs may leave the program, and the unit politeness is counted in.

Apart from fetch.py so the reader can check a link before it opens it in a browser or asks for
it, without loading httpx.
"""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def is_web_url(url: str | None) -> bool:
    """Only http(s) URLs with a host are ever fetched or opened in a browser."""
    if not url:
        return False
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in DEFAULT_PORTS and bool(parts.hostname)
    except ValueError:
        return False


def host_name(url: str) -> str:
    """The host a person would name for `url` (lower case, no port), or the URL itself
    when it has none to give."""
    try:
        return urlsplit(url).hostname or url
    except ValueError:
        return url


def host_key(url: str) -> str:
    """`host:port` — the unit politeness limits are counted in."""
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except ValueError:
        return ""
    return f"{(parts.hostname or '').lower()}:{port}"
