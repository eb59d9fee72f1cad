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


class EntryUtf8(NamedTuple):
    """An entry's summary and content in UTF-8, made once for its digest and its packing."""

    summary: bytes
    content: bytes
    packable: bool  # False: a lone surrogate, which only the digest encodes (surrogatepass)


def entry_utf8(entry: ParsedEntry) -> EntryUtf8:
    try:
        return EntryUtf8(entry.summary.encode(), entry.content.encode(), True)
    except UnicodeEncodeError:  # the digest as ever; `pack_text` fails on it as ever
        summary = entry.summary.encode("utf-8", "surrogatepass")
        return EntryUtf8(summary, entry.content.encode("utf-8", "surrogatepass"), False)


def entry_digest(entry: ParsedEntry, utf8: EntryUtf8 | None = None) -> str:
    """What makes an entry 'changed': any field a reader would see. A BLAKE2b of the bytes
    `legacy_digest` hashes, taken in parts: the long ones are not copied into one string."""
    summary, content, _ = utf8 or entry_utf8(entry)
    head, tail = _short_fields(entry)
    return _digest_hex()(_encoded(head), summary, b"\x1d", content, _encoded(tail))


@functools.cache
def _digest_hex() -> Callable[..., str]:
    """`hashes.entry_digest_hex`, imported on the first digest, not at the top: the reader
    opens the store and never hashes (start-up speed). Not in `entry_digest` itself: an
    import statement runs the import machinery on every call, 2,500 instructions an entry."""
    from newsreader.core.hashes import entry_digest_hex

    return entry_digest_hex


def legacy_digest(entry: ParsedEntry) -> str:
    """The digest releases before the BLAKE2 one stored: SHA-1 of the same bytes, 40 hex
    characters (see `legacy_digests`)."""
    from newsreader.core.hashes import sha1_hex  # start-up speed, as in `_digest_hex`

    head, tail = _short_fields(entry)
    return sha1_hex(_encoded(f"{head}{entry.summary}\x1d{entry.content}{tail}"))


def legacy_digests(entries: Iterable[ParsedEntry], stored: Mapping[str, str]) -> dict[str, str]:
    """`legacy_digest` of those `entries` whose key is `stored` (key -> its digest) with a
    digest of the old kind: the first refresh after the upgrade tells by it which of them
    did not change, and gives those the new digest alone (`feed_writes.write_entries`), not
    a rewrite of their text and index rows. Later refreshes find none to make."""
    return {
        entry.key: legacy_digest(entry)
        for entry in entries
        if len(stored.get(entry.key) or "") == _LEGACY_DIGEST_CHARS
    }


_LEGACY_DIGEST_CHARS = 40  # SHA-1 in hex; `entry_digest` gives 32


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
    utf8: EntryUtf8 | None = None,
    pack_level: int = DENSE_LEVEL,
) -> EntryText:
    """`utf8`: `entry_utf8(entry)`, if the digest made it; `pack_level`, the cache's."""
    plain = feed_text(entry.summary, entry.content)  # once, for the index and the sketch
    # search_index.entry_text's, the body folded straight to UTF-8
    title, body = fold(entry.title), fold_utf8(plain)
    sketched = False
    if sketch_after is not None:  # the timestamp only then: 1 % of an entry's preparing
        published = to_ts(entry.published or entry.updated)
        # An entry without a date is stored as just seen: inside any window.
        sketched = published is None or published >= sketch_after
    summary_utf8 = content_utf8 = None
    if utf8 is not None and utf8.packable:
        summary_utf8, content_utf8 = utf8.summary, utf8.content
    return EntryText(
        pack_text(entry.summary, summary_utf8, pack_level),
        pack_text(entry.content, content_utf8, pack_level),
        title,
        body,
        feed_sketch(plain) if sketched else None,
    )
