"""One HTTP/1.1 connection on an asyncio Protocol, and the response read from it (http11.py
makes the requests).

Not asyncio's StreamReader: Python 3.11's copies every byte of a body three times on its way
through (into its buffer, a slice of it, bytes of the slice), a fifth of the fetcher's CPU per
200 response by cachegrind. Here the chunks the socket gives are queued as they are and handed
on whole; decode.py joins them once.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import AsyncIterator

# A response's status line and headers together, as httpcore bounds them (h11's event size).
MAX_HEAD = 100 * 1024
# Received and not yet read: beyond this the socket is not read until the fetcher catches up.
_HIGH_WATER = 256 * 1024
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_LINE_END = re.compile(rb"\n")
# A chunk's size line as h11 reads it: 1 to 20 hex digits (no sign, no 0x), extensions ignored.
_CHUNK_HEADER = re.compile(rb"([0-9A-Fa-f]{1,20})[ \t]*(?:;.*)?", re.DOTALL)
_STATUS_LINE = re.compile(rb"HTTP/(\d)\.(\d) (\d{3})(?: [^\r\n]*)?")
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# What h11 refuses inside a header value (NUL, CR, VT, FF); other controls pass, as there.
_CONTROL = re.compile(rb"[\x00\x0b\x0c\r]")


class HttpError(Exception):
    """A transport failure; its cause (`__cause__`) is the OS or TLS error, if any."""

    # The proxy from the environment the request went to, when it failed connecting there
    # (proxied.py): error lines name it, or the user looks for the fault at the publisher.
    proxy: str | None = None


class InvalidURL(HttpError):
    pass


class ConnectError(HttpError):
    pass


class ProxyUnusable(HttpError):
    """A proxy the environment names that cannot be used at all (its message says why)."""


class ReadError(HttpError):
    pass


class ProtocolError(HttpError):
    """The server closed the connection early or answered what is not HTTP/1.x."""


class MalformedResponse(ProtocolError):
    """An answer that came whole but breaks HTTP/1.1's rules: told as such, not taken for a
    connection closed early, and not tried again."""


class TimeoutFailure(HttpError):
    pass


class ConnectTimeout(TimeoutFailure):
    pass


class LookupTimeout(ConnectTimeout):
    """The connect timeout ran out before the host's name was looked up: its name servers
    do not answer (or a local resolver hangs), not the host itself."""


class ReadTimeout(TimeoutFailure):
    pass


class NoAnswer(ReadTimeout):
    """The request went out and not one byte came back in time: a server that took the
    connection and hangs (stopped, wedged, or a tarpit), not one that is slow to send."""


class StaleConnection(Exception):
    """A connection closed before the first byte of an answer (a kept-alive one may be)."""


class Connection(asyncio.Protocol):
    """The bytes a socket received, queued as chunks, and whether it has ended."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.ended = False
        self.error: BaseException | None = None
        self.idle_since = 0.0
        self._waiter: asyncio.Future[None] | None = None
        self._paused = False
        self._offset = 0  # how much of the first chunk was read

    # asyncio's calls
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered > _HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.ended = True
        self._wake()
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self.error = exc
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # ours
    def reusable(self, now: float, expiry: float) -> bool:
        """An idle connection with anything pending (data, its end, an error) was closed or
        broken by the server; one idle too long may be closed by the time we write."""
        transport = self.transport
        return not (
            now - self.idle_since > expiry
            or self.ended
            or self.chunks
            or transport is None
            or transport.is_closing()
        )

    def send(self, data: bytes) -> None:
        """The request (small: the transport takes it whole, no flow control needed)."""
        if self.transport is None or self.ended or self.transport.is_closing():
            raise StaleConnection
        self.transport.write(data)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    async def wait(self, timeout: float) -> None:
        """Until bytes or the end arrive, at most `timeout` seconds."""
        if self.ended or self.chunks:
            return
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(timeout):
                await self._waiter
        except TimeoutError as exc:
            raise ReadTimeout("timed out reading") from exc
        finally:
            self._waiter = None

    def take(self, most: int | None = None) -> bytes:
        """The next chunk, or its first `most` bytes; a whole chunk is handed on uncopied."""
        chunk, start = self.chunks[0], self._offset
        end = len(chunk) if most is None else min(len(chunk), start + most)
        piece = chunk if start == 0 and end == len(chunk) else chunk[start:end]
        self._advance(end)
        return piece

    def take_match(self, pattern: re.Pattern[bytes]) -> bytes | None:
        """The bytes up to the end of `pattern`'s first match in the first queued chunk, uncopied
        beyond the answer; None (nothing taken) when that chunk holds no match."""
        chunk, start = self.chunks[0], self._offset
        found = pattern.search(chunk, start)
        if found is None:
            return None
        self._advance(found.end())
        return chunk[start : found.end()]

    def put_back(self, data: bytes) -> None:
        """`data` first in line again (taken too far ahead)."""
        if not data:
            return
        if self._offset:  # the offset belongs to the chunk now second in line
            self.chunks[0] = self.chunks[0][self._offset :]
            self._offset = 0
        self.chunks.appendleft(data)
        self.buffered += len(data)

    def _advance(self, end: int) -> None:
        chunk = self.chunks[0]
        self.buffered -= end - self._offset
        if end == len(chunk):
            self.chunks.popleft()
            self._offset = 0
        else:
            self._offset = end
        if self._paused and self.buffered <= _HIGH_WATER // 4 and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()

    def failure(self, what: str) -> HttpError:
        """The error for a stream that ended early; its cause is the OS error, if any."""
        error = ProtocolError(f"server closed the connection {what}")
        error.__cause__ = self.error
        return error


class Response:
    """One response on a connection; its body is read at most once, through aiter_raw."""

    def __init__(self, connection: Connection, read_timeout: float) -> None:
        self.connection, self.read_timeout = connection, read_timeout
        self.status = 0
        self.headers: dict[str, str] = {}
        self.cookie_lines: list[tuple[str, str]] = []
        self.keep_alive = False
        self.finished = False
        self._length: int | None = None  # None: chunked or to the end of the stream
        self._chunked = False

    async def read_head(self) -> None:
        """Status and headers; 1xx answers before the real one are skipped."""
        first = True
        while True:
            head = await self._head(first)
            first = False
            lines = head.split(b"\n")
            match = _STATUS_LINE.fullmatch(lines[0].rstrip(b"\r"))
            if match is None:
                raise MalformedResponse("not an HTTP/1.x response")
            status = int(match[3])
            if status == 101:  # never asked for: what follows is no HTTP of ours
                raise MalformedResponse("switched protocols unasked (101)")
            if not 100 <= status < 200:
                break
        self.status = status
        self._parse_headers([line.rstrip(b"\r") for line in lines[1:]])
        version = (int(match[1]), int(match[2]))
        self.keep_alive = (
            version >= (1, 1) and "close" not in self.headers.get("connection", "").lower()
        )
        self._framing(status)

    async def _head(self, first: bool) -> bytes:
        """The bytes up to the blank line that ends a head (without it)."""
        try:
            await self.connection.wait(self.read_timeout)
        except ReadTimeout as exc:
            if first:  # nothing at all came back: no answer, rather than a slow one
                raise NoAnswer("no answer") from exc
            raise
        if first and not self.connection.chunks:
            raise StaleConnection
        head = await self._until(_HEAD_END, "before the end of the response's head")
        return head.rstrip(b"\r\n")

    async def _until(self, pattern: re.Pattern[bytes], what: str) -> bytes:
        """The bytes up to the end of `pattern`'s first match, at most MAX_HEAD of them."""
        conn = self.connection
        await conn.wait(self.read_timeout)
        if conn.chunks and (found := conn.take_match(pattern)) is not None:
            return found  # the usual case: all in the first chunk
        # Spread over chunks (a slow server's head may come a byte at a time): gathered in
        # one buffer, so each byte is copied once, not once per chunk after it.
        got = bytearray()
        while True:
            if conn.chunks:
                searched = max(0, len(got) - 3)  # a match may straddle two chunks
                got += conn.take()
                match = pattern.search(got, searched)
                if match is not None:
                    conn.put_back(bytes(got[match.end() :]))
                    return bytes(got[: match.end()])
                if len(got) > MAX_HEAD:
                    raise MalformedResponse("response head or framing line too long")
            elif conn.ended:
                raise conn.failure(what)
            else:
                await conn.wait(self.read_timeout)

    def _parse_headers(self, raw: list[bytes]) -> None:
        names: list[str] = []
        values: list[bytes] = []
        for line in raw:
            if line[:1] in (b" ", b"\t") and values:  # obsolete line folding
                values[-1] = (values[-1] + b" " + line.strip(b" \t")).strip(b" ")
                continue
            name, colon, value = line.partition(b":")
            if not colon or not _TOKEN.fullmatch(name):
                raise MalformedResponse("malformed header line")
            names.append(name.decode("ascii").lower())
            values.append(value.strip(b" \t"))
        block = b"\n".join(values)  # \n cannot be inside a value: the lines were split at it
        if _CONTROL.search(block):
            raise MalformedResponse("NUL or CR in a header")
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
        length = None
        if "content-length" in headers:  # both checked even where unused, as h11 does
            lengths = {v.strip() for v in headers["content-length"].split(",")}
            only = lengths.pop()
            # '²'.isdigit() is True; int() refuses over 4,300 digits, SQLite over 18
            if lengths or not (only.isascii() and only.isdigit()) or len(only) > 18:
                raise MalformedResponse("invalid Content-Length")
            length = int(only)
        chunked = "transfer-encoding" in headers
        if chunked and headers["transfer-encoding"].strip().lower() != "chunked":
            raise MalformedResponse("unsupported Transfer-Encoding")
        if status < 200 or status in (204, 304):
            self._length = 0
        elif chunked:
            self._chunked = True
        elif length is not None:
            self._length = length
        else:
            self.keep_alive = False  # the body ends when the server closes
        if self._length == 0:
            self.finished = True

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        """The body as it arrives (still compressed, if it was sent so)."""
        if self.finished:
            return
        conn, timeout = self.connection, self.read_timeout
        if self._chunked:
            async for piece in self._chunks():
                yield piece
        elif self._length is not None:
            async for piece in self._exactly(self._length, "before the body's end"):
                yield piece
        else:
            while True:
                await conn.wait(timeout)
                if not conn.chunks:
                    if conn.error is not None:
                        raise ReadError(str(conn.error)) from conn.error
                    break
                yield conn.take()
        self.finished = True

    async def _chunks(self) -> AsyncIterator[bytes]:
        while True:
            header = _CHUNK_HEADER.fullmatch(await self._line())
            if header is None:
                raise MalformedResponse("malformed chunk size")
            size = int(header[1], 16)
            if size == 0:
                while await self._line():  # trailers, ignored, up to the blank line
                    pass
                return
            async for piece in self._exactly(size, "inside a chunk"):
                yield piece
            if await self._line():
                raise MalformedResponse("malformed chunk end")

    async def _exactly(self, size: int, where: str) -> AsyncIterator[bytes]:
        """The next `size` bytes, as they arrive; the connection failing `where` if it ends."""
        conn, timeout = self.connection, self.read_timeout
        while size:
            await conn.wait(timeout)
            if not conn.chunks:
                raise conn.failure(where)
            piece = conn.take(size)
            size -= len(piece)
            yield piece

    async def _line(self) -> bytes:
        """One line of a chunked body's framing, without its line end."""
        line = await self._until(_LINE_END, "inside the chunked framing")
        return line.rstrip(b"\r\n")
