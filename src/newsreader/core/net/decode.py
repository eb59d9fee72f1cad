"""Response bodies read under a cap on *decompressed* bytes.

httpx's own decoders inflate a whole network chunk at once, so a small chunk of a gzip bomb can
become tens of megabytes before any cap is checked; here no step yields more than
_INFLATE_STEP bytes, and reading stops as soon as the cap is passed.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator

from newsreader.core.errors import DecodeError
from newsreader.core.net.http11 import Response

# Inflate in steps this big, so a gzip bomb never allocates much more than the cap.
_INFLATE_STEP = 64 * 1024
_HEAD_END = b"</head"
_SMALL_PIECE = 4096  # pieces below this are gathered (`_Parts`)


class Inflater:
    """gzip/deflate decoding in bounded steps.

    httpx's own decoders inflate a whole network chunk at once, so a 64 KB chunk of a gzip bomb
    could become ~64 MB in memory before any cap is checked; here no step yields more than
    _INFLATE_STEP bytes.
    """

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding in ("gzip", "x-gzip")
        self._d = zlib.decompressobj(zlib.MAX_WBITS | 16 if self._gzip else zlib.MAX_WBITS)
        self._early = b""  # bytes given until the stream's kind is settled (wrapped or raw)
        self._started = False

    @property
    def complete(self) -> bool:
        """Whether the stream got to its end: a body cut off where the server closed the
        connection is data without it (and without its checksum)."""
        return self._d.eof

    def feed(self, data: bytes) -> Iterator[bytes]:
        pending = data
        if not self._started:
            self._early += data
        while True:
            try:
                out = self._d.decompress(pending, _INFLATE_STEP)
            except zlib.error:
                if self._gzip or self._started:
                    raise DecodeError("could not decompress the response (corrupt data)") from None
                # Some servers send raw deflate without the zlib wrapper: all of it again.
                self._d = zlib.decompressobj(-zlib.MAX_WBITS)
                self._started, pending, self._early = True, self._early, b""
                continue
            # The zlib header is two bytes: a first piece of one byte settles nothing.
            if not self._started and (out or len(self._early) >= 2):
                self._started, self._early = True, b""
            if out:
                yield out
            if self._d.eof:
                rest = self._d.unused_data
                if self._gzip and rest.startswith(b"\x1f\x8b"):  # another gzip member
                    self._d = zlib.decompressobj(zlib.MAX_WBITS | 16)
                    pending = rest
                    continue
                return  # trailing garbage after the stream end is ignored, like browsers do
            pending = self._d.unconsumed_tail
            if not pending and len(out) < _INFLATE_STEP:
                return


class _Parts:
    """A body's pieces as they come, joined once at the end. Small pieces are gathered in a
    buffer first: a body sent in chunks of one byte held a bytes object of ~35 bytes for
    each (a helper's review: 47 MB for a body of 0.5 MB). Kept as pieces, not grown in one
    buffer: that cost the refresh's process 0.6 MB more at its peak (bench/tree_memory.py)."""

    def __init__(self) -> None:
        self.pieces: list[bytes] = []
        self.small = bytearray()
        self.size = 0

    def add(self, piece: bytes) -> None:
        self.size += len(piece)
        if len(piece) >= _SMALL_PIECE and not self.small:
            self.pieces.append(piece)
            return
        self.small += piece
        if len(self.small) >= _INFLATE_STEP:
            self.pieces.append(bytes(self.small))
            self.small.clear()

    def joined(self) -> bytes:
        return b"".join([*self.pieces, self.small]) if self.small else b"".join(self.pieces)


def _ends_at_close(resp: Response) -> bool:
    headers = resp.headers
    chunked = "chunked" in headers.get("transfer-encoding", "").lower()
    return "content-length" not in headers and not chunked


def _passthrough(data: bytes) -> Iterator[bytes]:
    yield data


class Oversize(Exception):
    """What a first coding unpacked to passed the cap before the last was undone."""


def _then(
    first: Callable[[bytes], Iterator[bytes]],
    second: Callable[[bytes], Iterator[bytes]],
    cap: int,
) -> Callable[[bytes], Iterator[bytes]]:
    """`second` of each piece `first` gives, a step at a time; what `first` gives counts
    against `cap` too: twice-gzipped empty members unpacked to gigabytes that the body
    never grew by, minutes of CPU on the fetching loop (a helper's review)."""
    given = 0

    def both(data: bytes) -> Iterator[bytes]:
        nonlocal given
        for piece in first(data):
            given += len(piece)
            if given > cap:
                raise Oversize
            yield from second(piece)

    return both


def body_decoder(
    encoding: str, cap: int
) -> tuple[Callable[[bytes], Iterator[bytes]], list[Inflater]]:
    """What undoes a Content-Encoding (raw bytes in, body pieces out), and its inflaters,
    which say whether their streams ended. Codings in the order applied ("gzip, gzip":
    compressed twice; two headers are joined so), undone last first: each was refused as
    one unknown coding (a helper's review). DecodeError for one we cannot undo."""
    codings = [c.strip() for c in encoding.lower().split(",") if c.strip() not in ("", "identity")]
    if len(codings) > 2 or any(c not in ("gzip", "x-gzip", "deflate") for c in codings):
        raise DecodeError(f"unsupported Content-Encoding {encoding.strip()[:40]!r}")
    inflaters = [Inflater(coding) for coding in reversed(codings)]
    decode: Callable[[bytes], Iterator[bytes]] = _passthrough
    for inflater in inflaters:
        decode = inflater.feed if decode is _passthrough else _then(decode, inflater.feed, cap)
    return decode, inflaters


async def read_body(resp: Response, cap: int, head_only: bool) -> bytes | None:
    """The decoded body, or None when it grew past `cap` (head_only: truncated at `cap`)."""
    encoding = resp.headers.get("content-encoding", "identity")
    decode, inflaters = body_decoder(encoding, cap)
    parts = _Parts()
    tail = b""
    received = 0
    async for raw in resp.aiter_raw():
        try:
            # Each piece as it is unpacked, checked against the cap before the next: a
            # 64 KB read of a gzip bomb is 64 MB if unpacked at once.
            for piece in decode(raw):
                if parts.size + len(piece) > cap:
                    if not head_only:
                        return None
                    parts.add(piece[: cap - parts.size])
                    return parts.joined()
                parts.add(piece)
                if head_only:
                    window = (tail + piece).lower()
                    if _HEAD_END in window:
                        return parts.joined()
                    tail = window[-len(_HEAD_END) :]
        except Oversize:
            return parts.joined() if head_only else None
        received += len(raw)
        if received > cap:  # raw bytes too: what follows a gzip stream's end inflates to nothing
            return parts.joined() if head_only else None
    unfinished = any(not inflater.complete for inflater in inflaters)
    if unfinished and received and not head_only and _ends_at_close(resp):
        # Half a feed with the whole one's ETag: the next refresh's 304 would keep it. Only
        # a body that ends where the server closes can be cut off unseen (a length or
        # chunks tell the rest); one whole by those whose stream was flushed and never
        # ended is taken as it comes.
        raise DecodeError("the response was cut off (its compressed data does not end)")
    return parts.joined()
