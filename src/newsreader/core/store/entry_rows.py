"""What an entry becomes before the write lock is taken: its digest (whether a stored entry
changed), its text as stored (packed) and as indexed (folded), and, in the clustering window,
its sketch. The refresh's workers make these while another worker writes; feed_writes.py and
stream_writes.py then only insert them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple

from newsreader.core.store.cluster_lookup import feed_sketch
from newsreader.core.store.packed_text import DENSE_LEVEL, pack_text
from newsreader.core.store.textfold import feed_text, fold, fold_utf8
from newsreader.core.times import to_ts

if TYPE_CHECKING:  # types only (the reader's start-up does without them)
    from newsreader.core.parsed import ParsedEntry


class EntryText(NamedTuple):
    """An entry's text as stored (`packed_text`) and as indexed (`search_index.entry_text`),
    made before the write lock is taken. A NamedTuple, not a frozen dataclass: one is made per
    entry, and the dataclass's __init__ (object.__setattr__ per field) cost twice as much."""

    summary: str | bytes
    content: str | bytes
    index_title: str
    index_body: bytes  # UTF-8 (see `IndexWrites.index`)
    # Its clustering sketch (`feed_sketch`) when a refresh asked for one: cluster_pending's.
    sketch: tuple[int, int, str] | None = None


class EntryBytes(NamedTuple):
    """An entry's summary and content encoded once, for its digest and its packing: in
    Latin-1 when both fit in it (most German feed text: one byte a character, encoded in
    a third to two fifths of UTF-8's time, and packed and unpacked that way, `packed_text`),
    else in UTF-8. Text outside Latin-1 (typographic quotes) gains nothing: the try costs
    what the cheaper checksum saves."""

    summary: bytes
    content: bytes
    latin1: bool
    packable: bool  # False: a lone surrogate, which only the digest encodes (surrogatepass)


def entry_bytes(entry: ParsedEntry) -> EntryBytes:
    summary, content = entry.summary, entry.content
    try:
        return EntryBytes(summary.encode("latin-1"), content.encode("latin-1"), True, True)
    except UnicodeEncodeError:  # typographic quotes, a dash, a euro sign: UTF-8
        pass
    try:
        return EntryBytes(summary.encode(), content.encode(), False, True)
    except UnicodeEncodeError:  # the digest as ever; `pack_text` fails on it as ever
        summary_utf8 = summary.encode("utf-8", "surrogatepass")
        return EntryBytes(summary_utf8, content.encode("utf-8", "surrogatepass"), False, False)


# What the digest hashes first: which encoding its summary and content are in, so one text
# in Latin-1 and another whose UTF-8 is the same bytes never share a digest.
_IN_LATIN1, _IN_UTF8 = b"L", b"U"


def entry_digest(entry: ParsedEntry, encoded: EntryBytes | None = None) -> str:
    """What makes an entry 'changed': any field a reader would see. A checksum of its fields
    (`hashes.entry_checksum_hex`, 16 hex characters); `encoded`: `entry_bytes(entry)`, if
    made already."""
    summary, content, latin1, _ = encoded or entry_bytes(entry)
    return _checksum_hex()(_IN_LATIN1 if latin1 else _IN_UTF8, *_fields(entry, summary, content))


@functools.cache
def _checksum_hex() -> Callable[..., str]:
    """`hashes.entry_checksum_hex`, imported on the first digest, not at the top: the reader
    opens the store and never hashes (start-up speed). Not in `entry_digest` itself: an
    import statement runs the import machinery on every call, 2,500 instructions an entry."""
    from newsreader.core.hashes import entry_checksum_hex

    return entry_checksum_hex


# Caches hold the digests of earlier releases, each kind known by its length: the first
# refresh after an upgrade compares an entry stored with one to the digest of that kind
# (`legacy_digests`), rather than take every entry of the cache for changed.
_SHA1_CHARS = 40  # SHA-1 of the fields joined, in hex: releases before issue 15's workers
_BLAKE2_CHARS = 32  # BLAKE2b of the fields in UTF-8: until the checksum (16)
# An entry a sync pulled holds a 40-character SHA-1 too, of the server's fields
# (sync_pull._digest): the SHA-1 of the feed's fields differs, and the feed's version of the
# entry is written once, as it always was.


def sha1_digest(entry: ParsedEntry) -> str:
    """The first digest caches stored: SHA-1 of the fields joined, 40 hex characters."""
    from newsreader.core.hashes import sha1_hex  # start-up speed, as in `_checksum_hex`

    return sha1_hex(b"".join(_fields(entry, _encoded(entry.summary), _encoded(entry.content))))


def blake2_digest(entry: ParsedEntry) -> str:
    """The second digest caches stored: BLAKE2b of the same bytes as `sha1_digest`'s, taken
    in parts, 32 hex characters."""
    from newsreader.core.hashes import entry_digest_hex  # start-up speed

    return entry_digest_hex(*_fields(entry, _encoded(entry.summary), _encoded(entry.content)))


_LEGACY_KINDS = {_SHA1_CHARS: sha1_digest, _BLAKE2_CHARS: blake2_digest}


def legacy_digests(entries: Iterable[ParsedEntry], stored: Mapping[str, str]) -> dict[str, str]:
    """The digest of the kind stored (`_LEGACY_KINDS`) of those `entries` whose key is
    `stored` (key -> its digest) with a digest of an older kind: the first refresh after the
    upgrade tells by it which of them did not change, and gives those the new digest alone
    (`feed_writes.write_entries`), not a rewrite of their text and index rows. Later
    refreshes find none to make, but for entries a sync pulled and no feed has brought yet."""
    older = {}
    for entry in entries:
        kind = _LEGACY_KINDS.get(len(stored.get(entry.key) or ""))
        if kind is not None:
            older[entry.key] = kind(entry)
    return older


def _fields(entry: ParsedEntry, summary: bytes, content: bytes) -> tuple[bytes, ...]:
    """The bytes every kind of digest hashes, in this order, `summary` and `content` as the
    caller encoded them: the long ones are not copied into one string."""
    head, tail = _short_fields(entry)
    return _encoded(head), summary, b"\x1d", content, _encoded(tail)


def _short_fields(entry: ParsedEntry) -> tuple[str, str]:
    """The fields digested before the summary and after the content, "\\x1d" between all."""
    teasers, enclosures = entry.teasers, entry.enclosures
    head = f"{entry.title}\x1d{entry.url or ''}\x1d{entry.author or ''}\x1d"
    tail = "\x1d".join(
        (
            "",
            str(to_ts(entry.published)),
            str(to_ts(entry.updated)),
            "\x1f".join(entry.categories),
            str(entry.paywalled),
            entry.html_base or "",
            # Most entries have neither: no generator is made for them.
            "\x1f".join([f"{t.url}\x1e{t.title}" for t in teasers]) if teasers else "",
            # a duration joins only where there is one: entries without keep their old digest
            "\x1f".join([e.url + (f"\x1e{e.duration}" if e.duration else "") for e in enclosures])
            if enclosures
            else "",
        )
    )
    return head, tail


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def entry_text(
    entry: ParsedEntry,
    sketch_after: int | None = None,
    encoded: EntryBytes | None = None,
    pack_level: int = DENSE_LEVEL,
) -> EntryText:
    """`encoded`: `entry_bytes(entry)`, if the digest made it; `pack_level`, the cache's."""
    plain = feed_text(entry.summary, entry.content)  # once, for the index and the sketch
    # search_index.entry_text's, the body folded straight to UTF-8
    title, body = fold(entry.title), fold_utf8(plain)
    sketched = False
    if sketch_after is not None:  # the timestamp only then: 1 % of an entry's preparing
        published = to_ts(entry.published or entry.updated)
        # An entry without a date is stored as just seen: inside any window.
        sketched = published is None or published >= sketch_after
    if encoded is not None and encoded.packable:
        summary = pack_text(entry.summary, encoded.summary, pack_level, latin1=encoded.latin1)
        content = pack_text(entry.content, encoded.content, pack_level, latin1=encoded.latin1)
    else:
        summary = pack_text(entry.summary, None, pack_level)
        content = pack_text(entry.content, None, pack_level)
    return EntryText(
        summary,
        content,
        title,
        body,
        feed_sketch(plain) if sketched else None,
    )
