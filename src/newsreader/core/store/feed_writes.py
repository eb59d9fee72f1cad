"""Storing fetched feeds: entries, their index rows and the feed's HTTP validators.

Every feed's entries and its validators are committed in one transaction, so a kill
mid-refresh leaves each feed either old or new, never half-written. A refresh hands over
several feeds at once (`record_feeds`): one transaction for a batch writes each index page they
share once, which made storing a feed about a third cheaper. A feed of megabytes is stored
as it is parsed instead, by `stream_writes`, with the entry writing here. Retention, which
runs at the end of every refresh, is `retention.py`.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from newsreader.core.models import FeedOutcome
from newsreader.core.store import search_index
from newsreader.core.store.counts import count_new_entries
from newsreader.core.store.db import Database
from newsreader.core.store.entry_rows import (
    EntryBytes,
    EntryText,
    entry_bytes,
    entry_digest,
    entry_text,
    legacy_digests,
)
from newsreader.core.store.left_behind import (
    forget_unlisted,
    forgotten_keys,
    left_behind,
    take_back_starred,
)
from newsreader.core.store.new_rows import NewRows, enclosures_json, json_list
from newsreader.core.times import to_ts

if TYPE_CHECKING:  # types only (the reader's start-up does without them)
    from newsreader.core.article_records import Enclosure, Teaser
    from newsreader.core.parsed import ParsedEntry, ParsedFeed


@dataclass(frozen=True, slots=True)
class FeedUpdate:
    """One fetched feed to store: parsed entries, or the error that stopped parsing."""

    feed_id: int
    parsed: ParsedFeed | None
    status: int | None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    poll_seconds: int | None = None  # what the feed or its server asks; bounds apply later


class EntryHead(NamedTuple):
    """A parsed entry but its text, which `EntryText` holds packed and folded: how a prepared
    feed keeps a new or changed entry while its batch waits (the text as parsed was about
    half a batch's memory). A tuple, made in a tenth of a ParsedEntry's time."""

    key: str
    title: str
    url: str | None
    author: str | None
    published: datetime | None
    updated: datetime | None
    categories: tuple[str, ...]
    enclosures: tuple[Enclosure, ...]
    teasers: tuple[Teaser, ...]
    paywalled: bool
    html_base: str | None


@dataclass(frozen=True, slots=True)
class PreparedFeed:
    """A feed ready to store (`FeedWrites.prepare_feed`): what can be done outside the write
    lock is done. Its entries are in `entries`, not in `update.parsed`: an EntryHead where
    `texts` has the text, the ParsedEntry where it does not (stored unchanged when prepared)."""

    update: FeedUpdate
    entries: tuple[ParsedEntry | EntryHead, ...]
    digests: list[str]
    texts: dict[str, EntryText]
    legacy: dict[str, str] = dataclasses.field(default_factory=dict)  # `legacy_digests`


class FeedWrites(Database):
    """What a refresh writes: fetched feeds, failures, 304 stamps, and retention."""

    def record_failure(
        self,
        feed_id: int,
        *,
        status: int | None,
        error: str,
        next_fetch_after: datetime | None = None,
        gone: bool = False,
    ) -> None:
        with self.transaction() as conn:
            _write_failure(conn, feed_id, status, error, next_fetch_after, gone)

    def record_not_modified_many(self, feed_ids: Iterable[int], *, status: int = 304) -> None:
        now = int(time.time())
        with self.transaction() as conn:
            conn.executemany(
                """UPDATE feeds SET last_fetched = ?, last_status = ?, last_error = NULL,
                   next_fetch_after = NULL WHERE id = ?""",
                ((now, status, feed_id) for feed_id in feed_ids),
            )

    def record_feed(
        self,
        feed_id: int,
        parsed: ParsedFeed,
        *,
        status: int | None,
        etag: str | None,
        last_modified: str | None,
        poll_seconds: int | None = None,
    ) -> FeedOutcome:
        """Store one fetched feed: entries, teasers, index and validators in one transaction;
        `poll_seconds`, how often the feed asks to be polled (its ttl, the max-age)."""
        update = FeedUpdate(feed_id, parsed, status, etag, last_modified, poll_seconds=poll_seconds)
        return self.record_feeds([update])[0]

    def record_feeds(self, updates: Sequence[FeedUpdate]) -> list[FeedOutcome]:
        """Store several fetched feeds in one transaction, one outcome each, in order.

        The costly per-entry work (digests, index text) happens before the write lock is
        taken, so concurrent writers (two refreshes, parse workers) wait on each other only
        for the inserts themselves. Should the batch fail, each feed is tried on its own, so
        one bad feed costs the others nothing.
        """
        return self.record_prepared([self.prepare_feed(u) for u in updates])

    def record_prepared(self, prepared: Sequence[PreparedFeed]) -> list[FeedOutcome]:
        """`record_feeds` of feeds prepared one by one as they were parsed (`prepare_feed`):
        a batch holds their compact prepared text, not every parsed entry's."""
        try:
            with self.transaction() as conn:
                return _write_feeds(conn, prepared, self.pack_level)
        except sqlite3.Error:
            if len(prepared) == 1:
                raise
        outcomes = []
        for item in prepared:
            try:
                with self.transaction() as conn:
                    outcomes.extend(_write_feeds(conn, [item], self.pack_level))
            except sqlite3.Error as exc:
                error = f"could not store the feed: {' '.join(str(exc).split())[:200]}"
                outcomes.append(FeedOutcome(feed_id=item.update.feed_id, url="", error=error))
        return outcomes

    def prepare_feed(self, update: FeedUpdate, *, sketch_after: int | None = None) -> PreparedFeed:
        """Digests and stored text of a feed's entries, ahead of the write lock; with
        `sketch_after`, the clustering sketches of those published since (a timestamp)."""
        if update.parsed is None:
            return PreparedFeed(update, (), [], {})
        known: dict[str, str] = dict(
            self.conn.execute(
                "SELECT key, digest FROM entries WHERE feed_id = ?", (update.feed_id,)
            ).fetchall()
        )
        entries = update.parsed.entries
        legacy = legacy_digests(entries, known)
        forgotten = forgotten_keys(self.conn, update.feed_id)
        digests: list[str] = []
        texts: dict[str, EntryText] = {}
        for entry in entries:
            encoded = entry_bytes(entry)  # once, for the digest and the packed text
            digest = entry_digest(entry, encoded)
            digests.append(digest)
            stored = known.get(entry.key)
            if stored is None and entry.key in forgotten:
                continue  # not written (write_entries): no text to prepare
            if stored != digest and (stored is None or stored != legacy.get(entry.key)):
                texts[entry.key] = entry_text(entry, sketch_after, encoded, self.pack_level)
        kept = tuple(
            EntryHead(
                e.key,
                e.title,
                e.url,
                e.author,
                e.published,
                e.updated,
                e.categories,
                e.enclosures,
                e.teasers,
                e.paywalled,
                e.html_base,
            )
            if e.key in texts
            else e
            for e in entries
        )
        update = dataclasses.replace(update, parsed=dataclasses.replace(update.parsed, entries=()))
        return PreparedFeed(update, kept, digests, texts, legacy)


def stored_outcome(feed_id: int, url: str, new: int, updated: int) -> FeedOutcome:
    return FeedOutcome(
        feed_id=feed_id,
        url=url,
        new_entries=new,
        updated_entries=updated,
        unchanged=new == 0 and updated == 0,
    )


def _write_failure(
    conn: sqlite3.Connection,
    feed_id: int,
    status: int | None,
    error: str,
    next_fetch_after: datetime | None = None,
    gone: bool = False,
) -> None:
    conn.execute(
        """UPDATE feeds SET last_fetched = ?, last_status = ?, last_error = ?,
           next_fetch_after = ?, gone = ? WHERE id = ?""",
        (int(time.time()), status, error, to_ts(next_fetch_after), int(gone), feed_id),
    )


def _pulled_twin(
    conn: sqlite3.Connection,
    feed_id: int,
    entry: ParsedEntry | EntryHead,
    existing: dict[str, tuple[int, str]],
) -> tuple[int, str] | None:
    """The entry a sync pulled for this story, when the feed's guid is not its link: the
    server names items by link, never by guid. It takes the feed's key from now on, so it is
    found by key next time and a second story with the same link is not folded into it."""
    if not entry.url:
        return None
    row = conn.execute(
        """SELECT id, key, digest FROM entries WHERE feed_id = ? AND url = ?
           AND remote_id IS NOT NULL AND (key = url OR key = 'sync:' || remote_id) LIMIT 1""",
        (feed_id, entry.url),
    ).fetchone()
    if row is None:
        return None
    conn.execute("UPDATE entries SET key = ? WHERE id = ?", (entry.key, row["id"]))
    existing.pop(row["key"], None)
    existing[entry.key] = (row["id"], row["digest"])
    return existing[entry.key]


def _write_feeds(
    conn: sqlite3.Connection, prepared: Sequence[PreparedFeed], pack_level: int
) -> list[FeedOutcome]:
    """The feeds' entries and rows, then their index rows at once (`IndexWrites`)."""
    index = search_index.IndexWrites()
    rows = NewRows(index)  # the batch's new entries go in together, by date (new_rows.py)
    detached = left_behind(conn)
    outcomes = []
    seen: set[int] = set()
    for item in prepared:
        if item.update.feed_id in seen:  # its rows of before are looked for in the table
            rows.write(conn)
        seen.add(item.update.feed_id)
        outcomes.append(_write_feed(conn, item, index, rows, pack_level, detached=detached))
    rows.write(conn)
    index.flush(conn)
    return outcomes


def _write_feed(
    conn: sqlite3.Connection,
    prepared: PreparedFeed,
    index: search_index.IndexWrites,
    rows: NewRows,
    pack_level: int,
    *,
    detached: bool,
) -> FeedOutcome:
    update, parsed = prepared.update, prepared.update.parsed
    feed_id, now = update.feed_id, int(time.time())
    frow = conn.execute(
        "SELECT url, title, remote_id FROM feeds WHERE id = ?", (feed_id,)
    ).fetchone()
    if frow is None:  # unsubscribed while we were fetching
        return FeedOutcome(feed_id=feed_id, url="", error="feed was removed")
    if parsed is None:
        error = update.error or "nothing to store"
        _write_failure(conn, feed_id, update.status, error)
        return FeedOutcome(feed_id=feed_id, url=frow["url"], error=error)
    feed_title = frow["title"] or parsed.title or frow["url"]
    existing = {
        r["key"]: (r["id"], r["digest"])
        for r in conn.execute("SELECT id, key, digest FROM entries WHERE feed_id = ?", (feed_id,))
    }
    if detached and not existing and prepared.entries:  # maybe a feed subscribed again
        take_back_starred(conn, feed_id, prepared.entries, existing)
    forgotten = forgotten_keys(conn, feed_id)
    new, updated = write_entries(
        conn,
        feed_id,
        feed_title,
        now,
        prepared.entries,
        prepared.digests,
        existing,
        0,
        prepared.texts,
        synced=frow["remote_id"] is not None,
        index=index,
        rows=rows,
        legacy=prepared.legacy,
        pack_level=pack_level,
        forgotten=forgotten,
    )
    if forgotten:
        listed = {entry.key for entry in prepared.entries}
        forget_unlisted(conn, feed_id, forgotten, listed.__contains__, now)
    write_feed_row(conn, update, parsed, now)
    return stored_outcome(feed_id, frow["url"], new, updated)


def write_entries(
    conn: sqlite3.Connection,
    feed_id: int,
    feed_title: str,
    now: int,
    entries: Sequence[ParsedEntry | EntryHead],
    digests: Sequence[str],
    existing: dict[str, tuple[int, str]],
    first_offset: int,
    texts: dict[str, EntryText] | None = None,
    *,
    synced: bool = False,
    index: search_index.IndexWrites,
    rows: NewRows | None = None,
    legacy: Mapping[str, str] | None = None,
    pack_level: int,
    encoded: Sequence[EntryBytes] | None = None,
    forgotten: Container[str] = frozenset(),
) -> tuple[int, int]:
    """Insert new entries and rewrite changed ones (`existing`: key -> id, digest of those
    stored); (new, updated). Only a feed the server has (`synced`) can hold an entry a sync
    pulled under another key: only there is a new one looked for among them. Their index
    rows go to `index`, which the caller flushes before anything changes them again. An
    entry stored with its `legacy` digest (`legacy_digests`) has not changed: it is given
    the new digest, and nothing else is written. Text not yet packed is packed at
    `pack_level` (the cache's), from `encoded` (`entry_bytes` of each entry, if the digests
    made them). A key retention dropped (`forgotten`) is not stored again. New rows go to
    `rows` (with the batch's), which the caller writes before flushing `index`; without it,
    they are written before this returns."""
    from newsreader.core.parsed import ParsedEntry  # start-up speed: the reader's goes without

    new = updated = 0
    own_rows = rows is None
    if rows is None:
        rows = NewRows(index)
    texts = texts or {}
    # Entries without a date keep the order the feed lists them in (newest first).
    for offset, (entry, digest) in enumerate(zip(entries, digests, strict=True), first_offset):
        known = existing.get(entry.key)
        if known is None and entry.key in forgotten:
            continue
        if known is None and synced:
            known = _pulled_twin(conn, feed_id, entry, existing)
        if known is not None and known[1] == digest:
            continue
        if known is not None:
            rows.write(conn)  # it may be one of them (a key twice in a feed): written first
            known = (rows.final_id(known[0]), known[1])
        if known is not None and legacy and known[1] == legacy.get(entry.key):
            conn.execute("UPDATE entries SET digest = ? WHERE id = ?", (digest, known[0]))
            existing[entry.key] = (known[0], digest)
            continue
        published = to_ts(entry.published or entry.updated) or now - offset
        text = texts.get(entry.key)
        if text is None:
            assert isinstance(entry, ParsedEntry)  # an EntryHead's text is in `texts`
            # packed as a prepared feed's are (in Latin-1 where it fits): the same bytes
            made = entry_bytes(entry) if encoded is None else encoded[offset - first_offset]
            text = entry_text(entry, encoded=made, pack_level=pack_level)
        values = (
            entry.url,
            entry.title,
            entry.author,
            text.summary,
            text.content,
            published,
            to_ts(entry.updated),
            json_list(entry.categories),
            enclosures_json(entry.enclosures),
            int(entry.paywalled),
            digest,
            feed_title,
            entry.html_base,
        )
        if known is None:
            entry_id = rows.add(values, feed_id, entry.key, now)
            new += 1
        else:
            entry_id = known[0]
            index.unindex(conn, [entry_id])  # by what it was indexed with: first
            conn.execute(
                """UPDATE entries SET url=?, title=?, author=?, summary=?, content=?,
                   published=?, updated=?, categories=?, enclosures=?, paywalled=?,
                   digest=?, feed_title=?, html_base=? WHERE id = ?""",
                (*values, entry_id),
            )
            conn.execute("DELETE FROM teasers WHERE entry_id = ?", (entry_id,))
            updated += 1
        existing[entry.key] = (entry_id, digest)
        if entry.teasers:
            rows.add_teasers(entry_id, entry.teasers)
        index.index(entry_id, text.index_title, text.index_body)
        if text.sketch is not None:
            rows.add_sketch(entry_id, published, text.sketch)
    if own_rows:
        rows.write(conn)
    count_new_entries(conn, feed_id, new, new)  # inserted unread, and not yet hidden
    return new, updated


def write_feed_row(
    conn: sqlite3.Connection, update: FeedUpdate, parsed: ParsedFeed, now: int
) -> None:
    conn.execute(
        """UPDATE feeds SET title = COALESCE(title, ?), site_url = COALESCE(?, site_url),
           etag = ?, last_modified = ?, last_fetched = ?, last_status = ?,
           last_error = ?, next_fetch_after = NULL, gone = 0, poll_seconds = ? WHERE id = ?""",
        (
            parsed.title,
            parsed.site_url,
            update.etag,
            update.last_modified,
            now,
            update.status,
            parsed.warning,
            update.poll_seconds,
            update.feed_id,
        ),
    )
