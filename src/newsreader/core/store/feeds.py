"""Subscriptions in the cache: add, remove, look up and list feeds, with their tags."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from typing import Any

from newsreader.core.models import Feed, FeedOutcome
from newsreader.core.net.urls import canonical_address
from newsreader.core.store import search_index
from newsreader.core.store.db import Database
from newsreader.core.store.saved_searches import retitle_saved_searches
from newsreader.core.store.textfold import fold
from newsreader.core.times import from_ts


class FeedQueries(Database):
    def add_feed(self, url: str, *, title: str | None = None, tags: Iterable[str] = ()) -> Feed:
        """Subscribe; adding a known URL merges its tags and keeps everything else, its title
        too (an import renamed the feeds it listed, a name of the user's among them); a feed
        without a title takes this one."""
        tag_list = _clean_tags(tags)
        with self.transaction() as conn:
            row = conn.execute("SELECT id, tags, title FROM feeds WHERE url = ?", (url,)).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO feeds (url, title, tags, added) VALUES (?, ?, ?, ?)",
                    (url, title, json.dumps(tag_list), int(time.time())),
                )
            else:
                merged = _clean_tags([*json.loads(row["tags"]), *tag_list])
                conn.execute(
                    "UPDATE feeds SET tags = ?, title = COALESCE(title, ?) WHERE id = ?",
                    (json.dumps(merged), title, row["id"]),
                )
        feed = self.feed(url)
        assert feed is not None
        return feed

    def remove_feed(self, feed_id: int) -> int:
        """Unsubscribe. Its entries go, starred ones stay (detached). Returns entries removed."""
        with self.transaction() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM entries WHERE feed_id = ? AND starred = 0", (feed_id,)
                )
            ]
            search_index.unindex(conn, ids)
            conn.execute("DELETE FROM entries WHERE feed_id = ? AND starred = 0", (feed_id,))
            conn.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))
        return len(ids)

    def feed(self, id_or_url: int | str) -> Feed | None:
        feeds = self._feeds(
            "WHERE f.id = ?" if isinstance(id_or_url, int) else "WHERE f.url = ?", (id_or_url,)
        )
        return feeds[0] if feeds else None

    def find_feed(self, text: str) -> Feed | None:
        """A feed by URL (as typed, or as `add` stored it), by id when the text is a number,
        or by its title when one feed's title is that (case and umlaut spelling aside:
        "baeder-ticker" is "Bäder-Ticker").
        Search's `feed:` took titles where `--feed` and `remove` did not (a helper's tour)."""
        text = text.strip()
        feed = self.feed(text) or self.feed(canonical_address(text))  # as `add` stored it
        if feed is None and text.isascii() and text.isdigit() and len(text) <= 18:
            feed = self.feed(int(text))  # within SQLite's 64 bits
        if feed is None and text:
            wanted = fold(text)
            titled = [f for f in self.feeds(counts=False) if f.title and fold(f.title) == wanted]
            feed = titled[0] if len(titled) == 1 else None
        return feed

    def has_feeds(self) -> bool:
        """Cheap, for start-up: feeds() also counts every feed's entries."""
        return self.conn.execute("SELECT 1 FROM feeds LIMIT 1").fetchone() is not None

    def feeds(self, *, counts: bool = True) -> list[Feed]:
        """Every subscription; `counts=False` skips the entry counts (refresh needs none)."""
        return self._feeds("", (), counts=counts)

    def _feeds(self, where: str, args: tuple[Any, ...], *, counts: bool = True) -> list[Feed]:
        # The counts are kept by triggers (schemas 6 and 9, hidden entries left out): a
        # lookup, never a count of entries.
        columns, join = (
            (
                "COALESCE(c.entries, 0) AS n_entries, COALESCE(c.unread, 0) AS n_unread",
                "LEFT JOIN feed_counts c ON c.feed_id = f.id",
            )
            if counts
            else ("0 AS n_entries, 0 AS n_unread", "")
        )
        rows = self.conn.execute(
            f"""SELECT f.*, {columns} FROM feeds f {join} {where}
                ORDER BY lower(COALESCE(f.title, f.url)), f.id""",
            args,
        ).fetchall()
        return [_feed_from_row(r) for r in rows]

    def feed_titles(self) -> list[str]:
        """Every feed's title as `feeds()` gives it, and nothing else: the headline list sizes
        its source column from them at start, where reading 2,000 whole feeds took 34 ms."""
        rows = self.conn.execute("SELECT COALESCE(NULLIF(title, ''), url) FROM feeds")
        return [row[0] for row in rows]

    def tags(self) -> list[tuple[str, int]]:
        """Every tag with its unread count, for the feed pane."""
        return tag_counts(self.feeds())

    def feed_counts(self) -> dict[int, tuple[int, int]]:
        """(entries, unread) per feed id from the triggers' counters: what a read mark
        changes, without reading 2,000 feeds again."""
        rows = self.conn.execute("SELECT feed_id, entries, unread FROM feed_counts")
        return {row[0]: (row[1], row[2]) for row in rows}

    def stored_since(
        self, feed_id: int, url: str, since: int, before: int | None
    ) -> FeedOutcome | None:
        """The feed's outcome if this refresh stored it, else None: a worker killed after its
        batch's commit took the outcomes with it, not the feeds. Stored means stamped at or
        after `since` (the refresh's start, in whole seconds) and not with the stamp `before`
        it had then (a refresh that stored it earlier in that second). Its new entries are
        those first seen since; what it updated is not known any more. A stored feed may
        carry a warning (recovered from malformed XML), so with nothing new the note stands
        as its error; one that brought entries went in."""
        row = self.conn.execute(
            "SELECT last_fetched, last_error FROM feeds WHERE id = ?", (feed_id,)
        ).fetchone()
        if row is None or row[0] is None or row[0] < since or row[0] == before:
            return None
        (new,) = self.conn.execute(
            "SELECT COUNT(*) FROM entries WHERE feed_id = ? AND first_seen >= ?", (feed_id, since)
        ).fetchone()
        if not new and row[1] is not None:
            return FeedOutcome(feed_id=feed_id, url=url, error=row[1])
        return FeedOutcome(feed_id=feed_id, url=url, new_entries=new, unchanged=not new)

    def set_feed_url(self, feed_id: int, url: str) -> None:
        """Follow a permanent redirect, unless another subscription already has that URL."""
        with self.transaction() as conn:
            taken = conn.execute("SELECT 1 FROM feeds WHERE url = ?", (url,)).fetchone()
            if not taken:
                conn.execute("UPDATE feeds SET url = ? WHERE id = ?", (url, feed_id))

    def edit_feed(self, feed_id: int, *, title: str, url: str) -> None:
        """The user renamed a feed or gave it a new address (the reader's feed pane). A new
        address is a new server: its validators, failure and back-off are forgotten."""
        with self.transaction() as conn:
            before = conn.execute(
                "SELECT coalesce(title, url) FROM feeds WHERE id = ?", (feed_id,)
            ).fetchone()
            conn.execute("UPDATE feeds SET title = ? WHERE id = ?", (title, feed_id))
            if before is not None and before[0] != title:
                retitle_saved_searches(conn, feed_id, before[0], title)
            # Headlines carry their feed's name (it outlives a removed feed): rename them too.
            conn.execute(
                "UPDATE entries SET feed_title = ? WHERE feed_id = ? AND feed_title != ?",
                (title, feed_id, title),
            )
            conn.execute(
                """UPDATE feeds SET url = ?, etag = NULL, last_modified = NULL,
                   last_error = NULL, next_fetch_after = NULL, gone = 0
                   WHERE id = ? AND url != ?""",
                (url, feed_id, url),
            )


def _clean_tags(tags: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tag in tags:
        tag = tag.strip()
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


def _feed_from_row(row: sqlite3.Row) -> Feed:
    return Feed(
        id=row["id"],
        url=row["url"],
        title=row["title"] or row["url"],
        site_url=row["site_url"],
        tags=tuple(json.loads(row["tags"])),
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_fetched=from_ts(row["last_fetched"]),
        last_status=row["last_status"],
        last_error=row["last_error"],
        next_fetch_after=from_ts(row["next_fetch_after"]),
        gone=bool(row["gone"]),
        entries=row["n_entries"],
        unread=row["n_unread"],
        origin=row["origin"],
        poll_seconds=row["poll_seconds"],
    )


def tag_counts(feeds: Iterable[Feed]) -> list[tuple[str, int]]:
    """Every tag of these feeds with its unread count, by name."""
    counts: dict[str, int] = {}
    for feed in feeds:
        for tag in feed.tags:
            counts[tag] = counts.get(tag, 0) + feed.unread
    return sorted(counts.items(), key=lambda kv: kv[0].lower())
