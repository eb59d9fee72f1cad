"""Storing a big feed as it is parsed: a chunk of entries at a time, in the feed's one
transaction, so only a chunk is ever held (issue 15: a 100,000-entry feed in 73 MB, not 297).
Whatever the stream cannot tell before its end (a guid reused for other links, a title after
the items) rolls back, and the feed is stored whole by `feed_writes` instead.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Protocol

from newsreader.core.models import FeedOutcome
from newsreader.core.store import search_index
from newsreader.core.store.db import Database
from newsreader.core.store.entry_rows import entry_bytes, entry_digest, legacy_digests
from newsreader.core.store.feed_writes import (
    FeedUpdate,
    stored_outcome,
    write_entries,
    write_feed_row,
)
from newsreader.core.store.left_behind import (
    forget_unlisted,
    forgotten_keys,
    left_behind,
    take_back_starred,
)

if TYPE_CHECKING:  # types only (the reader's start-up does without them)
    from newsreader.core.parsed import ParsedEntry, ParsedFeed


class StreamWrites(Database):
    def record_streamed_feed(
        self, feed_id: int, stream: EntryStream, finish: Callable[[ParsedFeed], FeedUpdate]
    ) -> FeedOutcome | None:
        """Store a big feed as its entries are parsed, a chunk at a time, in one transaction.

        Only a chunk of entries is ever held, not the feed's whole list. The write lock is
        held while the rest is parsed: that is the price, paid only by feeds of megabytes.
        `finish` turns the parsed head into the update for the feed's row. None (and
        nothing written) when the feed cannot be stored this way; store it whole instead.
        Whatever the stream raises rolls the transaction back and reaches the caller.
        """
        try:
            with self.transaction() as conn:
                return write_stream(conn, feed_id, stream, finish, self.pack_level)
        except _StoreWhole:
            return None


class EntryStream(Protocol):
    """A feed parsed as it is read (the parser's FastStream): entries first, then the rest."""

    @property
    def title(self) -> str | None:
        """The feed's title as far as read."""

    def __iter__(self) -> Iterator[ParsedEntry]: ...

    def head(self) -> ParsedFeed:
        """The feed without its entries, once they were all read."""


class _StoreWhole(Exception):
    """The streamed feed needs what only the whole list gives (see `write_stream`)."""


_STREAM_CHUNK = 500


def write_stream(
    conn: sqlite3.Connection,
    feed_id: int,
    stream: EntryStream,
    finish: Callable[[ParsedFeed], FeedUpdate],
    pack_level: int,
) -> FeedOutcome:
    now = int(time.time())
    frow = conn.execute(
        "SELECT url, title, remote_id FROM feeds WHERE id = ?", (feed_id,)
    ).fetchone()
    if frow is None:  # unsubscribed while we were fetching
        return FeedOutcome(feed_id=feed_id, url="", error="feed was removed")
    new = updated = kept = 0
    first_title: str | None = None
    forgotten = forgotten_keys(conn, feed_id)
    # A feed subscribed again takes back its starred entries (take_back_starred).
    first_store = (
        left_behind(conn)
        and not conn.execute(
            "SELECT 1 FROM entries WHERE feed_id = ? LIMIT 1", (feed_id,)
        ).fetchone()
    )
    # unique_keys, as the entries come: a repeated guid with the same link is dropped; one
    # reused for other links renames every entry that has it, written ones included.
    links: dict[int, int] = {}
    chunk: list[ParsedEntry] = []

    def flush() -> None:
        nonlocal new, updated, kept, first_title
        if kept == 0:
            first_title = stream.title
        feed_title = frow["title"] or first_title or frow["url"]
        keys = [entry.key for entry in chunk]
        existing = {
            r["key"]: (r["id"], r["digest"])
            for r in conn.execute(
                f"""SELECT id, key, digest FROM entries WHERE feed_id = ?
                    AND key IN ({",".join("?" * len(keys))})""",
                (feed_id, *keys),
            )
        }
        encoded = [entry_bytes(entry) for entry in chunk]  # once, for digest and packing
        digests = [entry_digest(entry, text) for entry, text in zip(chunk, encoded, strict=True)]
        if first_store:
            take_back_starred(conn, feed_id, chunk, existing)
        legacy = legacy_digests(chunk, {key: digest for key, (_, digest) in existing.items()})
        index = search_index.IndexWrites()
        added, changed = write_entries(
            conn,
            feed_id,
            feed_title,
            now,
            chunk,
            digests,
            existing,
            kept,
            synced=frow["remote_id"] is not None,
            index=index,
            legacy=legacy,
            pack_level=pack_level,
            encoded=encoded,
            forgotten=forgotten,
        )
        index.flush(conn)
        new, updated, kept = new + added, updated + changed, kept + len(chunk)
        chunk.clear()

    for entry in stream:
        key, link = hash(entry.key), hash(entry.url)  # hashes: a fraction of the strings' size
        seen = links.get(key)
        if seen == link:
            continue
        if seen is not None:
            raise _StoreWhole("a guid reused for different links")
        links[key] = link
        chunk.append(entry)
        if len(chunk) >= _STREAM_CHUNK:
            flush()
    if chunk:
        flush()
    if forgotten:  # `links` holds the hash of every key the feed lists
        forget_unlisted(conn, feed_id, forgotten, lambda key: hash(key) in links, now)
    parsed = stream.head()
    if kept and not frow["title"] and parsed.title != first_title:
        raise _StoreWhole("the feed's title came after its first entries")
    update = finish(parsed)
    write_feed_row(conn, update, parsed, now)
    return stored_outcome(feed_id, frow["url"], new, updated)
