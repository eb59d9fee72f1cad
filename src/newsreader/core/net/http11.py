"""A small HTTP/1.1 client for the fetcher's GETs, straight on asyncio streams.

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

from newsreader.core.net.urls import DEFAULT_PORTS

if TYPE_CHECKING:
    from http.cookiejar import CookieJar

__all__ = [
    "Client",
    "ConnectError",
    "ConnectTimeout",
    "HttpError",
    "InvalidURL",
    "ProtocolError",
    "ReadError",
    "ReadTimeout",
    "Response",
    "WriteTimeout",
]

# A response's status line and headers together, as httpcore bounds them (h11's event size).
_MAX_HEAD = 100 * 1024
_READ_SIZE = 64 * 1024
# An idle connection older than this is not reused (httpcore's default keep-alive expiry).
_KEEPALIVE_EXPIRY = 5.0


class HttpError(Exception):
    """A transport failure; its cause (`__cause__`) is the OS or TLS error, if any."""


class InvalidURL(HttpError):
    pass


class ConnectError(HttpError):
    pass


class ReadError(HttpError):
    pass


class ProtocolError(HttpError):
    """The server closed the connection early or answered what is not HTTP/1.x."""


class TimeoutFailure(HttpError):
    pass


class ConnectTimeout(TimeoutFailure):
    pass


class ReadTimeout(TimeoutFailure):
    pass


class WriteTimeout(TimeoutFailure):
    pass


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
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# What h11 refuses inside a header value (NUL, CR, VT, FF); other controls pass, as there.
_CONTROL = re.compile(rb"[\x00\x0b\x0c\r]")
_STATUS_LINE = re.compile(rb"HTTP/(\d)\.(\d) (\d{3})(?: [^\r\n]*)?\r?\n")


def _percent_encode(text: str, keep: str) -> str:
    if not text.rstrip(keep):
        return text
    return "".join(c if c in keep else "".join(f"%{b:02X}" for b in c.encode()) for c in text)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4, as httpx normalises a path before sending it."""
    output: list[str] = []
    for segment in path.split("/"):
        if segment == ".":
            continue
        if segment == "..":
            if len(output) > 1:
                output.pop()
            continue
        output.append(segment)
    if path.endswith(("/.", "/..")):
        output.append("")
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
        if scheme not in DEFAULT_PORTS or not host or not url.isprintable():
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
            path = _remove_dot_segments(path)
        target = _percent_encode(path, _PATH_KEEP)
        if parts.query or url.endswith("?"):
            target += "?" + _percent_encode(parts.query, _QUERY_KEEP)
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


class _Connection:
    __slots__ = ("idle_since", "reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.idle_since = 0.0

    def reusable(self, now: float) -> bool:
        """An idle connection with anything pending (data, its end, an error) was closed or
        broken by the server; one idle too long may be closed by the time we write."""
        reader = self.reader
        return not (
            now - self.idle_since > _KEEPALIVE_EXPIRY
            or self.writer.is_closing()
            or reader.at_eof()
            or reader.exception() is not None
            or _buffered(reader)
        )

    def close(self) -> None:
        self.writer.close()


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
        self._idle: dict[str, list[_Connection]] = {}
        self._fixed = (
            f"User-Agent: {user_agent}\r\nAccept-Encoding: gzip, deflate\r\n"
            "Connection: keep-alive\r\n"
        )

    async def aclose(self) -> None:
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
            except _StaleConnection:
                if not reused:
                    raise
                # A kept-alive connection the server dropped before answering: a GET is safe
                # to send again, once, on a new connection.
                connection.close()
                connection = await self._connect(where)
                response = await self._exchange(connection, request)
        except _StaleConnection as exc:
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
        return "".join(lines).encode("latin-1", "replace")

    async def _connection(self, where: _Target) -> tuple[_Connection, bool]:
        idle = self._idle.get(where.origin)
        if idle:
            now = time.monotonic()
            while idle:
                connection = idle.pop()
                if connection.reusable(now):
                    return connection, True
                connection.close()
        return await self._connect(where), False

    async def _connect(self, where: _Target) -> _Connection:
        context = self._tls() if where.secure else None
        try:
            async with asyncio.timeout(self.connect_timeout):
                reader, writer = await asyncio.open_connection(
                    where.host,
                    where.port,
                    ssl=context,
                    server_hostname=where.host if context is not None else None,
                    limit=_MAX_HEAD,
                    # A host with a dead IPv6 route still answers on IPv4 in time (what anyio,
                    # under httpx, did): the next address is tried after 0.25 s, not at timeout.
                    happy_eyeballs_delay=0.25,
                )
        except TimeoutError as exc:
            raise ConnectTimeout("timed out connecting") from exc
        except OSError as exc:  # ssl.SSLError is one
            raise ConnectError(str(exc) or type(exc).__name__) from exc
        return _Connection(reader, writer)

    def _release(self, origin: str, connection: _Connection) -> None:
        idle = self._idle.setdefault(origin, [])
        if len(idle) >= self.max_idle:
            connection.close()
            return
        connection.idle_since = time.monotonic()
        idle.append(connection)

    async def _exchange(self, connection: _Connection, request: bytes) -> _Response:
        writer = connection.writer
        try:
            writer.write(request)
            if writer.transport.get_write_buffer_size():
                async with asyncio.timeout(self.read_timeout):
                    await writer.drain()
        except TimeoutError as exc:
            raise WriteTimeout("timed out writing") from exc
        except OSError as exc:
            raise _StaleConnection from exc
        response = _Response(connection.reader, self.read_timeout)
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


def _buffered(reader: asyncio.StreamReader) -> bytes | bytearray:
    """What the stream has received and not handed out (no public way to peek at it)."""
    buffer: bytes | bytearray = getattr(reader, "_buffer", b"")
    return buffer


class _StaleConnection(Exception):
    """A reused connection failed before the first byte of an answer."""


# --- responses ------------------------------------------------------------------------------


class _Response:
    """One response on a connection; its body is read at most once, through aiter_raw."""

    def __init__(self, reader: asyncio.StreamReader, read_timeout: float) -> None:
        self.reader, self.read_timeout = reader, read_timeout
        self.status = 0
        self.headers: dict[str, str] = {}
        self.cookie_lines: list[tuple[str, str]] = []
        self.keep_alive = False
        self.finished = False
        self._length: int | None = None  # None: chunked or to the end of the stream
        self._chunked = False

    async def _line(self, first: bool = False) -> bytes:
        reader = self.reader
        try:
            if _buffered(reader).find(b"\n", 0, _MAX_HEAD) >= 0:  # in already: no timer to arm
                line = await reader.readline()
            else:
                async with asyncio.timeout(self.read_timeout):
                    line = await reader.readline()
        except TimeoutError as exc:
            raise ReadTimeout("timed out reading") from exc
        except ValueError as exc:  # a line over the stream's limit
            raise ProtocolError("response head too long") from exc
        except OSError as exc:
            if first:
                raise _StaleConnection from exc
            raise ReadError(str(exc) or type(exc).__name__) from exc
        if not line.endswith(b"\n"):
            if first and not line:
                raise _StaleConnection
            raise ProtocolError("server closed the connection before the end of the response")
        return line

    async def read_head(self) -> None:
        size = 0
        while True:  # 1xx answers come before the real one
            line = await self._line(first=size == 0)
            size += len(line)
            match = _STATUS_LINE.fullmatch(line)
            if match is None:
                raise ProtocolError("not an HTTP/1.x response")
            raw: list[bytes] = []
            while True:
                line = await self._line()
                size += len(line)
                if size > _MAX_HEAD:
                    raise ProtocolError("response head too long")
                if line in (b"\r\n", b"\n"):
                    break
                raw.append(line.rstrip(b"\r\n"))
            status = int(match[3])
            if not 100 <= status < 200 or status == 101:
                break
        self.status = status
        self._parse_headers(raw)
        version = (int(match[1]), int(match[2]))
        connection = self.headers.get("connection", "").lower()
        self.keep_alive = version >= (1, 1) and "close" not in connection
        self._framing(status)

    def _parse_headers(self, raw: list[bytes]) -> None:
        names: list[str] = []
        values: list[bytes] = []
        for line in raw:
            if line[:1] in (b" ", b"\t") and values:  # obsolete line folding
                values[-1] += b" " + line.strip(b" \t")
                continue
            name, colon, value = line.partition(b":")
            if not colon or not _TOKEN.fullmatch(name):
                raise ProtocolError("malformed header line")
            names.append(name.decode("ascii").lower())
            values.append(value.strip(b" \t"))
        block = b"\n".join(values)
        if _CONTROL.search(block):
            raise ProtocolError("NUL or CR in a header")
        # One encoding for all values, as httpx decides it: ASCII, else UTF-8, else Latin-1.
        try:
            text = block.decode("ascii")
        except UnicodeDecodeError:
            try:
                text = block.decode("utf-8")
            except UnicodeDecodeError:
                text = block.decode("latin-1")
        headers = self.headers
        for key, decoded in zip(names, text.split("\n") if values else (), strict=True):
            if key in headers:
                headers[key] += ", " + decoded
            else:
                headers[key] = decoded
            if key == "set-cookie":
                self.cookie_lines.append((key, decoded))

    def _framing(self, status: int) -> None:
        headers = self.headers
        if status < 200 or status in (204, 304):
            self._length = 0
        elif "transfer-encoding" in headers:
            if headers["transfer-encoding"].strip().lower() != "chunked":
                raise ProtocolError("unsupported Transfer-Encoding")
            self._chunked = True
        elif "content-length" in headers:
            lengths = {v.strip() for v in headers["content-length"].split(",")}
            length = lengths.pop()
            if lengths or not length.isdigit():
                raise ProtocolError("invalid Content-Length")
            self._length = int(length)
        else:
            self.keep_alive = False  # the body ends when the server closes
        if self._length == 0:
            self.finished = True

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        if self.finished:
            return
        if self._chunked:
            async for piece in self._chunks():
                yield piece
        elif self._length is not None:
            left = self._length
            while left:
                data = await self._data(min(left, _READ_SIZE))
                if not data:
                    raise ProtocolError("server closed the connection before the body's end")
                left -= len(data)
                yield data
        else:
            while data := await self._data(_READ_SIZE):
                yield data
        self.finished = True

    async def _chunks(self) -> AsyncIterator[bytes]:
        while True:
            line = await self._line()
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise ProtocolError("malformed chunk size") from None
            if size < 0:
                raise ProtocolError("malformed chunk size")
            if size == 0:
                while (await self._line()) not in (b"\r\n", b"\n"):  # trailers, ignored
                    pass
                return
            while size:
                data = await self._data(min(size, _READ_SIZE))
                if not data:
                    raise ProtocolError("server closed the connection inside a chunk")
                size -= len(data)
                yield data
            if (await self._line()) not in (b"\r\n", b"\n"):
                raise ProtocolError("malformed chunk end")

    async def _data(self, most: int) -> bytes:
        try:
            async with asyncio.timeout(self.read_timeout):
                return await self.reader.read(most)
        except TimeoutError as exc:
            raise ReadTimeout("timed out reading") from exc
        except OSError as exc:
            raise ReadError(str(exc) or type(exc).__name__) from exc
