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


class _Inflater:
    """gzip/deflate decoding in bounded steps.

    httpx's own decoders inflate a whole network chunk at once, so a 64 KB chunk of a gzip bomb
    could become ~64 MB in memory before any cap is checked; here no step yields more than
    _INFLATE_STEP bytes.
    """

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding in ("gzip", "x-gzip")
        self._d = zlib.decompressobj(zlib.MAX_WBITS | 16 if self._gzip else zlib.MAX_WBITS)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        pending = data
        while True:
            try:
                out = self._d.decompress(pending, _INFLATE_STEP)
            except zlib.error:
                if self._gzip or self._started:
                    raise DecodeError("could not decompress the response (corrupt data)") from None
                # Some servers send raw deflate without the zlib wrapper.
                self._d = zlib.decompressobj(-zlib.MAX_WBITS)
                self._started = True
                continue
            self._started = True
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


def _passthrough(data: bytes) -> Iterator[bytes]:
    yield data


async def read_body(resp: Response, cap: int, head_only: bool) -> bytes | None:
    """The decoded body, or None when it grew past `cap` (head_only: truncated at `cap`)."""
    encoding = resp.headers.get("content-encoding", "identity").strip().lower()
    decode: Callable[[bytes], Iterator[bytes]]
    if encoding in ("", "identity"):
        decode = _passthrough
    elif encoding in ("gzip", "x-gzip", "deflate"):
        decode = _Inflater(encoding).feed
    else:
        raise DecodeError(f"unsupported Content-Encoding {encoding[:40]!r}")
    parts: list[bytes] = []
    total = 0
    tail = b""
    received = 0
    async for raw in resp.aiter_raw():
        for piece in decode(raw):
            if total + len(piece) > cap:
                if not head_only:
                    return None
                parts.append(piece[: cap - total])
                return b"".join(parts)
            parts.append(piece)
            total += len(piece)
            if head_only:
                window = (tail + piece).lower()
                if _HEAD_END in window:
                    return b"".join(parts)
                tail = window[-len(_HEAD_END) :]
        received += len(raw)
        if received > cap:  # raw bytes too: what follows a gzip stream's end inflates to nothing
            return b"".join(parts) if head_only else None
    return b"".join(parts)
