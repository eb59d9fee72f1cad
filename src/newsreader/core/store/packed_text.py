"""An entry's summary and content as stored: deflated when that saves space.

The feed's text was about 60 % of the cache and of what a refresh writes, and a row of about
3 KB took a 4 KB page of its own. Deflated, the text is about half as long. A stored value is
either TEXT (short text, text that deflate does not shrink, and every row written before
schema 13) or a BLOB: a format byte, then the text as raw deflate, in UTF-8 (format 1) or,
since schema 17, in Latin-1 when all of it fits there (format 2: most German feed text, which
a refresh's worker encodes that way for the entry's digest anyway, `entry_rows.entry_bytes`).
Nothing else stores a BLOB in these columns, so the type alone tells them apart, in SQL too.

Whoever reads `entries.summary` or `entries.content` reads them through `unpack_text` (or the
SQL function `newsreader_body`, see search_index.py); whoever writes them, through `pack_text`.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable

# Shorter text is stored as it is: deflate's gain would not pay for the work.
MIN_PACKED_CHARS = 200
_DEFLATED = 1  # format byte: raw deflate (no header, no checksum: SQLite checks the page)
_DEFLATED_LATIN1 = 2  # the same, of the text in Latin-1
# ISA-L writes the same deflate format in a third of zlib's time: zlib's level 1 took 40 % of
# the CPU a worker spends storing a farm feed (bench/refresh_stages.py). Its level 1 packs the
# farm's and the corpus's text as small as zlib's level 1 did (46 % and 63 % of the UTF-8);
# its level 0 is four times faster still but leaves a fifth more bytes. Which a cache gets
# follows its page size (`pack_level`); any level unpacks the same way.
DENSE_LEVEL = 1
QUICK_LEVEL = 0
QUICK_FROM_PAGE_SIZE = 16384
_RAW = -15  # wbits for a raw deflate stream (zlib)
_DEFLATE_FLAG = 0  # igzip_lib.COMP_DEFLATE: the same raw stream
_HIST_BITS = 15  # a 32 KiB window, as zlib's wbits=-15
# ISA-L's one-shot deflate takes a working buffer per call: 276 KiB at its default size, which
# a refresh worker maps and unmaps on every call (it maps blocks from 96 KiB up on their own,
# refresh/worker_memory.py): a third of packing's CPU went to those page faults. Its "small"
# size (84 KiB) comes from the heap. Up to 16,000 bytes of input it holds every token (at most
# one per byte) of a single block, so the output is the same bytes as the default size's;
# longer text keeps the default size, where deflating costs far more than the mapping.
_MEM_SMALL, _MEM_DEFAULT = 2, 0  # igzip_lib.MEM_LEVEL_SMALL, MEM_LEVEL_DEFAULT
SMALL_BUFFER_BYTES = 16_000
_FORMAT = bytes((_DEFLATED,))
_FORMAT_LATIN1 = bytes((_DEFLATED_LATIN1,))

_Deflate = Callable[[bytes, int, int, int, int], bytes]


def pack_level(page_size: int) -> int:
    """The deflate level for a cache of `page_size` bytes a page. Level 0 spares a tenth of a
    cold refresh's CPU, but its longer rows cost 4 KB pages more than their bytes: a farm
    entry of about 1.4 KB packed left two rows a page and much of it empty, and the file grew
    27 % (2,952 to 3,754 B an entry). In 16 KB pages (caches made since) the rows fill the
    pages, and level 0's file is still smaller than 4 KB pages with level 1 (2,899 B)."""
    return QUICK_LEVEL if page_size >= QUICK_FROM_PAGE_SIZE else DENSE_LEVEL


def pack_text(
    text: str, encoded: bytes | None = None, level: int = DENSE_LEVEL, *, latin1: bool = False
) -> str | bytes:
    """The value to store for `text`; `encoded`, its bytes if already made (the digest's):
    its Latin-1 if `latin1`, else its UTF-8; `level`, the cache's (`pack_level`)."""
    if len(text) < MIN_PACKED_CHARS:
        return text
    if encoded is None:
        raw, latin1 = text.encode("utf-8"), False
    else:
        raw = encoded
    buffer = _MEM_SMALL if len(raw) <= SMALL_BUFFER_BYTES else _MEM_DEFAULT
    packed = _deflate()(raw, level, _DEFLATE_FLAG, buffer, _HIST_BITS)
    if len(packed) + 1 >= len(raw):
        return text
    return (_FORMAT_LATIN1 if latin1 else _FORMAT) + packed


def load_packer() -> None:
    """Load ISA-L now, ahead of the first text to pack (a refresh worker's start-up)."""
    _deflate()


@functools.cache
def _deflate() -> _Deflate:
    """ISA-L's deflate, loaded on the first text packed. Start-up/memory: 0.4 MB that the
    reader and a refresh's own process, which read stored text but store none, go without."""
    from isal import igzip_lib

    compress: _Deflate = igzip_lib.compress
    return compress


def unpack_text(value: str | bytes | None) -> str:
    """The text a stored value holds ('' for NULL)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    kind = value[:1]
    if kind == _FORMAT:
        # The stdlib reads it: a cache stays readable wherever zlib is, ISA-L or not.
        return zlib.decompress(value[1:], _RAW).decode("utf-8")
    if kind == _FORMAT_LATIN1:
        return zlib.decompress(value[1:], _RAW).decode("latin-1")
    # Not written by pack_text: show what can be read rather than fail the whole listing.
    return bytes(value).decode("utf-8", "replace")
