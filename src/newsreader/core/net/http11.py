"""A small HTTP/1.1 client for the fetcher's GETs, on asyncio (the connection and the
response's framing are in wire.py).

httpx (over httpcore and h11) cost the refresh's main process 0.8 ms of CPU per 200 response
and 0.6 ms per 304 (bench/http_clients.py), two thirds of that process's work in a cold refresh
and nearly all of it in a warm one, and 13 MB of its memory. A feed fetch needs a small part of
that: one GET, keep-alive, Content-Length or chunked or read-to-close framing. This client does
only that; the rules of issue 2 stay where they were (fetch.py: deadline, redirects, caps;
decode.py: capped inflate) and httpx still serves the URLs a proxy from the environment
applies to (proxied.py).

Errors are `HttpError`s raised from the OS error behind them, so the fetcher can name the
cause (refused, unresolvable, certificate) as before.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import ssl
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote, urlsplit

from newsreader.core.net.resolve import AddressInfo, Resolver, first_to_connect
from newsreader.core.net.urls import DEFAULT_PORTS
from newsreader.core.net.wire import (
    ConnectError,
    Connection,
    ConnectTimeout,
    HttpError,
    InvalidURL,
    LookupTimeout,
    MalformedResponse,
    NoAnswer,
    ProtocolError,
    ProxyUnusable,
    ReadError,
    ReadTimeout,
    StaleConnection,
    TimeoutFailure,
)
from newsreader.core.net.wire import Response as _Response

if TYPE_CHECKING:
    from http.cookiejar import CookieJar

__all__ = [
    "Client",
    "ConnectError",
    "ConnectTimeout",
    "HttpError",
    "InvalidURL",
    "LookupTimeout",
    "MalformedResponse",
    "NoAnswer",
    "ProtocolError",
    "ProxyUnusable",
    "ReadError",
    "ReadTimeout",
    "Response",
    "TimeoutFailure",
]

# An idle connection older than this is not reused (httpcore's default keep-alive expiry).
_KEEPALIVE_EXPIRY = 5.0


class Response(Protocol):
    """What the fetcher reads of a response, from this client or from httpx (proxied.py)."""

    status: int
    headers: dict[str, str]  # lower-cased names; a repeated header's values joined by ", "

    def aiter_raw(self) -> AsyncIterator[bytes]: ...


# --- URLs ----------------------------------------------------------------------------------

_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
# What httpx leaves alone in a path and in a query (the WHATWG percent-encode sets).
_QUERY_KEEP = _UNRESERVED + "".join(
    chr(i) for i in range(0x20, 0x7F) if i not in (0x20, 0x22, 0x23, 0x3C, 0x3E)
)
_PATH_KEEP = "".join(c for c in _QUERY_KEEP if c not in "?`{}")
# httpx refuses a URL with these; other characters outside ASCII are percent-encoded.
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _percent_encode(text: str, keep: str) -> str:
    if not text.rstrip(keep):
        return text
    return "".join(c if c in keep else "".join(f"%{b:02X}" for b in c.encode()) for c in text)


def _remove_dot_segments(path: str) -> str:
    """The `.` and `..` segments resolved, as httpx normalises a path before sending it."""
    output: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if len(output) > 1:
                output.pop()
        elif segment != ".":
            output.append(segment)
    return "/".join(output)


class _Target:
    """Where one URL's request goes, and its request line's parts."""

    __slots__ = ("auth", "host", "host_header", "origin", "port", "secure", "target")

    def __init__(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise InvalidURL("invalid URL") from exc
        scheme = parts.scheme.lower()
        host = parts.hostname or ""
        if scheme not in DEFAULT_PORTS or not host or _ASCII_CONTROL.search(url):
            raise InvalidURL("invalid URL")
        if not host.isascii():
            host = _idna(host)
        self.secure = scheme == "https"
        self.host = host
        self.port = port if port is not None else DEFAULT_PORTS[scheme]
        shown = f"[{host}]" if ":" in host else host
        default = port is None or port == DEFAULT_PORTS[scheme]
        self.host_header = shown if default else f"{shown}:{port}"
        self.origin = f"{scheme}://{shown}:{self.port}"
        path = parts.path or "/"
        if "/." in path:
            path = _remove_dot_segments(path) or "/"
        try:
            target = _percent_encode(path, _PATH_KEEP)
            if parts.query or "?" in url.partition("#")[0]:  # "a?" keeps its empty query
                target += "?" + _percent_encode(parts.query, _QUERY_KEEP)
        except UnicodeEncodeError as exc:  # a lone surrogate has no UTF-8 bytes
            raise InvalidURL("invalid URL") from exc
        self.target = target
        self.auth: str | None = None
        if parts.username is not None or parts.password is not None:
            # httpx sends the URL's user info as Basic credentials; so does this client.
            pair = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
            self.auth = "Basic " + base64.b64encode(pair.encode()).decode("ascii")


def _idna(host: str) -> str:
    import idna  # start-up speed: only a host outside ASCII needs it (httpx uses the same)

    try:
        return str(idna.encode(host.lower()).decode("ascii"))
    except idna.IDNAError as exc:
        raise InvalidURL("invalid URL") from exc


# --- connections ----------------------------------------------------------------------------


class Client:
    """Keep-alive connections per origin, up to `max_idle` idle ones each. The caller bounds
    how many requests go to one host at once (the fetcher's per-host slots)."""

    def __init__(
        self,
        *,
        connect_timeout: float,
        read_timeout: float,
        user_agent: str,
        max_idle: int,
        tls: Callable[[], ssl.SSLContext],
    ) -> None:
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self._cookies: CookieJar | None = None  # made when a server first sets a cookie
        self.max_idle = max_idle
        self._tls = tls
        self._resolver = Resolver()
        self._idle: dict[str, list[Connection]] = {}
        self._fixed = (
            f"User-Agent: {user_agent}\r\nAccept-Encoding: gzip, deflate\r\n"
            "Connection: keep-alive\r\n"
        )

    async def aclose(self) -> None:
        self._resolver.close()
        idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    @contextlib.asynccontextmanager
    async def stream(self, url: str, headers: dict[str, str]) -> AsyncIterator[Response]:
        """GET `url`; the response's body is read through `aiter_raw` inside the block."""
        where = _Target(url)
        request = self._request(url, where, headers)
        connection, reused = await self._connection(where)
        try:
            try:
                response = await self._exchange(connection, request)
            except (StaleConnection, MalformedResponse):
                if not reused:
                    raise
                # A kept-alive connection the server dropped before answering, or one where
                # stray bytes of the last answer wait (a body sent after a 304): a GET is
                # safe to send again, once, on a new connection.
                connection.close()
                connection = await self._connect(where)
                response = await self._exchange(connection, request)
        except StaleConnection as exc:
            connection.close()
            raise ProtocolError("server closed the connection without answering") from exc
        except BaseException:
            connection.close()
            raise
        try:
            yield response
        finally:
            if response.finished and response.keep_alive:
                self._release(where.origin, connection)
            else:
                connection.close()
        if "set-cookie" in response.headers:
            self._take_cookies(url, response.cookie_lines)

    def _request(self, url: str, where: _Target, headers: dict[str, str]) -> bytes:
        lines = [f"GET {where.target} HTTP/1.1\r\nHost: {where.host_header}\r\n"]
        for name, value in headers.items():
            lines.append(f"{name}: {value}\r\n")
        lines.append(self._fixed)
        if where.auth is not None:
            lines.append(f"Authorization: {where.auth}\r\n")
        if self._cookies:  # CookieJar's truth is its length: no work while it is empty
            cookie = _cookie_header(self._cookies, url)
            if cookie:
                lines.append(f"Cookie: {cookie}\r\n")
        lines.append("\r\n")
        # All ASCII but a validator a server sent outside it, which goes back as it came (wire.py
        # reads header values as UTF-8 when they are).
        return "".join(lines).encode("utf-8", "replace")

    async def _connection(self, where: _Target) -> tuple[Connection, bool]:
        idle = self._idle.get(where.origin)
        if idle:
            now = time.monotonic()
            while idle:
                connection = idle.pop()
                if connection.reusable(now, _KEEPALIVE_EXPIRY):
                    return connection, True
                connection.close()
        return await self._connect(where), False

    async def _connect(self, where: _Target) -> Connection:
        context = self._tls() if where.secure else None
        loop = asyncio.get_running_loop()
        infos: list[AddressInfo] | None = None
        try:
            async with asyncio.timeout(self.connect_timeout):
                # Looked up here, not by create_connection: in the loop's shared pool a few
                # hanging names held every other lookup up (resolve.py).
                infos = await self._resolver.addresses(where.host, where.port)
                sock = await first_to_connect(infos)
                _, connection = await loop.create_connection(
                    Connection,
                    sock=sock,
                    ssl=context,
                    server_hostname=where.host if context is not None else None,
                )
        except TimeoutError as exc:
            if infos is None:
                raise LookupTimeout("timed out looking up the host's name") from exc
            raise ConnectTimeout("timed out connecting") from exc
        except OSError as exc:  # ssl.SSLError is one
            raise ConnectError(str(exc) or type(exc).__name__) from exc
        except UnicodeError as exc:  # getaddrinfo's idna codec: an empty or over-long label
            raise InvalidURL("invalid URL") from exc
        return connection

    def _release(self, origin: str, connection: Connection) -> None:
        idle = self._idle.setdefault(origin, [])
        if len(idle) >= self.max_idle:
            connection.close()
            return
        connection.idle_since = time.monotonic()
        idle.append(connection)

    async def _exchange(self, connection: Connection, request: bytes) -> _Response:
        connection.send(request)
        response = _Response(connection, self.read_timeout)
        await response.read_head()
        return response

    def cookie_jar(self) -> CookieJar:
        """The client's cookies (made now if none came yet), to share with another client."""
        if self._cookies is None:
            # Start-up speed: http.cookiejar and urllib.request (7 ms) load with the first cookie.
            from http.cookiejar import CookieJar

            self._cookies = CookieJar()
        return self._cookies

    def _take_cookies(self, url: str, lines: list[tuple[str, str]]) -> None:
        import urllib.request  # start-up speed: only a response that sets a cookie needs it

        jar = self.cookie_jar()
        jar.extract_cookies(_CookieSource(lines), urllib.request.Request(url))  # type: ignore[arg-type]


def _cookie_header(jar: CookieJar, url: str) -> str | None:
    import urllib.request  # start-up speed: only a run that was sent a cookie needs it

    request = urllib.request.Request(url)
    jar.add_cookie_header(request)
    return request.get_header("Cookie")


class _CookieSource:
    """The response as http.cookiejar reads it: `info().get_all(name, default)`."""

    def __init__(self, lines: list[tuple[str, str]]) -> None:
        self.lines = lines

    def info(self) -> _CookieSource:
        return self

    def get_all(self, name: str, default: list[str]) -> list[str]:
        name = name.lower()
        found = [value for key, value in self.lines if key == name]
        return found or default
