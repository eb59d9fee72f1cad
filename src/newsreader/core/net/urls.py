"""Which URLs may leave the program, and the unit politeness is counted in.

Apart from fetch.py so the reader can check a link before it opens it in a browser or asks for
it, without loading httpx.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

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


def server_name(url: str) -> str:
    """`host_name`, with the port when it is not the scheme's own: "waiting on 127.0.0.1"
    did not say which of two servers on one host was silent (a helper's tour)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return host_name(url)
    host = host_name(url)
    if port is None or port == DEFAULT_PORTS.get(parts.scheme.lower()):
        return host
    return f"{host}:{port}"


def host_key(url: str) -> str:
    """`host:port` — the unit politeness limits are counted in."""
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except ValueError:
        return ""
    return f"{(parts.hostname or '').lower()}:{port}"


def canonical_address(url: str) -> str:
    """`url` spelled as every equivalent spelling is, for a new subscription: scheme and host
    in lower case, no default or zero-padded port, no fragment (never sent), no "." or ".."
    segments, "/" for an empty path (RFC 3986 6.2.2, RFC 9110 4.2.3). "HTTP://Host:080/a/./b#x"
    subscribed a second time what "http://host/a/b" had. An empty query ("?") is kept: HTTP
    does not make it the same. Anything that does not parse stays as it is."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return url
    host = parts.hostname  # lower case already; an IPv6 address without its brackets
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    if parts.username is not None or parts.password is not None:
        netloc = parts.netloc.rpartition("@")[0] + "@" + netloc
    query = "?" if url.strip().split("#", 1)[0].endswith("?") and not parts.query else ""
    canonical = urlunsplit((scheme, netloc, _without_dot_segments(parts.path) or "/", "", ""))
    return canonical + (f"?{parts.query}" if parts.query else query)


def _without_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4, for an absolute path: "/a/./b/../c" is "/a/c"."""
    if "." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        elif segment == ".":
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/".join(out)
