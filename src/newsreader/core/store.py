"""The SQLite cache facade: subscriptions and feed writes here, queries in the mixins.

Every feed's entries and its HTTP validators are committed in one transaction, so a kill
mid-refresh leaves each feed either old or new, never half-written.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from newsreader.core.entries import EntryQueries
from newsreader.core.models import (
    Feed,
    FeedOutcome,
    ParsedEntry,
    ParsedFeed,
)
from newsreader.core.textfold import fold, strip_tags
from newsreader.core.times import from_ts, to_ts

DB_NAME = "newsreader.sqlite3"


class Store(EntryQueries):
    """The facade the CLI, refresh and the UI use; queries live in the mixins by topic."""

    @classmethod
    def in_dir(cls, data_dir: Path | str) -> Store:
        return cls(Path(data_dir) / DB_NAME)

    # --- feeds -------------------------------------------------------------------------------

    def add_feed(self, url: str, *, title: str | None = None, tags: Iterable[str] = ()) -> Feed:
        """Subscribe; adding a known URL merges its tags and keeps everything else."""
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
                    "UPDATE feeds SET tags = ?, title = COALESCE(?, title) WHERE id = ?",
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
            conn.executemany("DELETE FROM entries_fts WHERE rowid = ?", ((i,) for i in ids))
            conn.execute("DELETE FROM entries WHERE feed_id = ? AND starred = 0", (feed_id,))
            conn.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))
        return len(ids)

    def feed(self, id_or_url: int | str) -> Feed | None:
        feeds = self._feeds(
            "WHERE f.id = ?" if isinstance(id_or_url, int) else "WHERE f.url = ?", (id_or_url,)
        )
        return feeds[0] if feeds else None

    def find_feed(self, text: str) -> Feed | None:
        """A feed by URL, or by id when the text is a number."""
        feed = self.feed(text)
        if feed is None and text.isdigit():
            feed = self.feed(int(text))
        return feed

    def has_feeds(self) -> bool:
        """Cheap, for start-up: feeds() also counts every feed's entries."""
        return self.conn.execute("SELECT 1 FROM feeds LIMIT 1").fetchone() is not None

    def feeds(self, *, counts: bool = True) -> list[Feed]:
        """Every subscription; `counts=False` skips the entry counts (refresh needs none)."""
        return self._feeds("", (), counts=counts)

    def _feeds(self, where: str, args: tuple[Any, ...], *, counts: bool = True) -> list[Feed]:
        columns = (
            """(SELECT COUNT(*) FROM entries e WHERE e.feed_id = f.id) AS n_entries,
               (SELECT COUNT(*) FROM entries e WHERE e.feed_id = f.id AND e.read = 0) AS n_unread"""
            if counts
            else "0 AS n_entries, 0 AS n_unread"
        )
        rows = self.conn.execute(
            f"""SELECT f.*, {columns} FROM feeds f {where}
                ORDER BY lower(COALESCE(f.title, f.url)), f.id""",
            args,
        ).fetchall()
        return [_feed_from_row(r) for r in rows]

    def tags(self) -> list[tuple[str, int]]:
        """Every tag with its unread count, for the feed pane."""
        counts: dict[str, int] = {}
        for feed in self.feeds():
            for tag in feed.tags:
                counts[tag] = counts.get(tag, 0) + feed.unread
        return sorted(counts.items(), key=lambda kv: kv[0].lower())

    def set_feed_url(self, feed_id: int, url: str) -> None:
        """Follow a permanent redirect, unless another subscription already has that URL."""
        with self.transaction() as conn:
            taken = conn.execute("SELECT 1 FROM feeds WHERE url = ?", (url,)).fetchone()
            if not taken:
                conn.execute("UPDATE feeds SET url = ? WHERE id = ?", (url, feed_id))

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
            conn.execute(
                """UPDATE feeds SET last_fetched = ?, last_status = ?, last_error = ?,
                   next_fetch_after = ?, gone = ? WHERE id = ?""",
                (int(time.time()), status, error, to_ts(next_fetch_after), int(gone), feed_id),
            )

    def record_not_modified(self, feed_id: int, *, status: int = 304) -> None:
        self.record_not_modified_many([feed_id], status=status)

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
    ) -> FeedOutcome:
        """Store one fetched feed: entries, teasers, index and validators in one transaction.

        The costly per-entry work (digests, index text) happens before the write lock is
        taken, so concurrent writers (two refreshes, parse workers) wait on each other only
        for the inserts themselves.
        """
        now = int(time.time())
        new = updated = 0
        known_digests = {
            r[0]: r[1]
            for r in self.conn.execute(
                "SELECT key, digest FROM entries WHERE feed_id = ?", (feed_id,)
            )
        }
        digests = [_digest(entry) for entry in parsed.entries]
        index_text = {
            entry.key: _index_text(entry)
            for entry, digest in zip(parsed.entries, digests, strict=True)
            if known_digests.get(entry.key) != digest
        }
        with self.transaction() as conn:
            frow = conn.execute("SELECT url, title FROM feeds WHERE id = ?", (feed_id,)).fetchone()
            if frow is None:  # unsubscribed while we were fetching
                return FeedOutcome(feed_id=feed_id, url="", error="feed was removed")
            feed_title = frow["title"] or parsed.title or frow["url"]
            existing = {
                r["key"]: (r["id"], r["digest"])
                for r in conn.execute(
                    "SELECT id, key, digest FROM entries WHERE feed_id = ?", (feed_id,)
                )
            }
            # Entries without a date keep the order the feed lists them in (newest first).
            for offset, (entry, digest) in enumerate(zip(parsed.entries, digests, strict=True)):
                known = existing.get(entry.key)
                if known is not None and known[1] == digest:
                    continue
                published = to_ts(entry.published or entry.updated) or now - offset
                values = (
                    entry.url,
                    entry.title,
                    entry.author,
                    entry.summary,
                    entry.content,
                    published,
                    to_ts(entry.updated),
                    json.dumps(list(entry.categories), ensure_ascii=False),
                    json.dumps([[e.url, e.type, e.length] for e in entry.enclosures]),
                    int(entry.paywalled),
                    digest,
                    feed_title,
                    entry.html_base,
                )
                if known is None:
                    cur = conn.execute(
                        """INSERT INTO entries (url, title, author, summary, content, published,
                           updated, categories, enclosures, paywalled, digest, feed_title,
                           html_base, feed_id, key, first_seen)
                           VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                        (*values, feed_id, entry.key, now),
                    )
                    entry_id = int(cur.lastrowid or 0)
                    new += 1
                else:
                    entry_id = known[0]
                    conn.execute(
                        """UPDATE entries SET url=?, title=?, author=?, summary=?, content=?,
                           published=?, updated=?, categories=?, enclosures=?, paywalled=?,
                           digest=?, feed_title=?, html_base=? WHERE id = ?""",
                        (*values, entry_id),
                    )
                    conn.execute("DELETE FROM teasers WHERE entry_id = ?", (entry_id,))
                    conn.execute("DELETE FROM entries_fts WHERE rowid = ?", (entry_id,))
                    updated += 1
                existing[entry.key] = (entry_id, digest)
                conn.executemany(
                    """INSERT INTO teasers (entry_id, position, url, title, description, kind)
                       VALUES (?, ?, ?, ?, ?, ?)""",
                    (
                        (entry_id, pos, t.url, t.title, t.description, t.kind)
                        for pos, t in enumerate(entry.teasers)
                    ),
                )
                title_text, body_text = index_text.get(entry.key) or _index_text(entry)
                conn.execute(
                    "INSERT INTO entries_fts (rowid, title, body) VALUES (?, ?, ?)",
                    (entry_id, title_text, body_text),
                )
            conn.execute(
                """UPDATE feeds SET title = COALESCE(title, ?), site_url = COALESCE(?, site_url),
                   etag = ?, last_modified = ?, last_fetched = ?, last_status = ?,
                   last_error = ?, next_fetch_after = NULL, gone = 0 WHERE id = ?""",
                (
                    parsed.title,
                    parsed.site_url,
                    etag,
                    last_modified,
                    now,
                    status,
                    parsed.warning,
                    feed_id,
                ),
            )
        return FeedOutcome(
            feed_id=feed_id,
            url=frow["url"],
            new_entries=new,
            updated_entries=updated,
            unchanged=new == 0 and updated == 0,
        )

    def prune(self, *, max_age_days: int, max_entries_per_feed: int) -> int:
        """Drop read, unstarred entries past the age or per-feed limits, with their teasers,
        index rows and pages no remaining entry links to; then give the space back."""
        now = int(time.time())
        with self.transaction() as conn:
            doomed: set[int] = set()
            if max_age_days > 0:
                cutoff = now - max_age_days * 86400
                doomed.update(
                    r[0]
                    for r in conn.execute(
                        "SELECT id FROM entries WHERE read = 1 AND starred = 0 AND published < ?",
                        (cutoff,),
                    )
                )
            if max_entries_per_feed > 0:
                doomed.update(
                    r[0]
                    for r in conn.execute(
                        """SELECT id FROM (SELECT id, read, starred, ROW_NUMBER() OVER (
                               PARTITION BY feed_id ORDER BY published DESC, id DESC) AS rank
                           FROM entries WHERE feed_id IS NOT NULL)
                           WHERE rank > ? AND read = 1 AND starred = 0""",
                        (max_entries_per_feed,),
                    )
                )
            for entry_id in doomed:
                conn.execute("DELETE FROM entries_fts WHERE rowid = ?", (entry_id,))
                conn.execute("DELETE FROM entries WHERE id = ?", (entry_id,))
            if doomed:
                # Pages nobody links to any more: not an entry's, not a kept teaser target.
                orphans = """SELECT url FROM pages p WHERE
                    NOT EXISTS (SELECT 1 FROM entries e WHERE e.url = p.url)
                    AND NOT EXISTS (SELECT 1 FROM teasers t WHERE t.url = p.url
                                    AND t.entry_id IS NOT NULL)
                    AND NOT EXISTS (SELECT 1 FROM teasers t JOIN entries e ON e.url = t.page_url
                                    WHERE t.url = p.url)"""
                urls = [r[0] for r in conn.execute(orphans)]
                for url in urls:
                    conn.execute("DELETE FROM teasers WHERE page_url = ?", (url,))
                    conn.execute("DELETE FROM pages WHERE url = ?", (url,))
        if doomed:
            # executescript steps the pragma to the end; execute() would free one page.
            self.conn.executescript("PRAGMA incremental_vacuum;")
        return len(doomed)


def _clean_tags(tags: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tag in tags:
        tag = tag.strip()
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


def _digest(entry: ParsedEntry) -> str:
    """What makes an entry 'changed': any field a reader would see."""
    parts = [
        entry.title,
        entry.url or "",
        entry.author or "",
        entry.summary,
        entry.content,
        str(to_ts(entry.published)),
        str(to_ts(entry.updated)),
        "\x1f".join(entry.categories),
        str(entry.paywalled),
        entry.html_base or "",
        "\x1f".join(f"{t.url}\x1e{t.title}" for t in entry.teasers),
        "\x1f".join(e.url for e in entry.enclosures),
    ]
    return hashlib.sha1("\x1d".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _index_text(entry: ParsedEntry) -> tuple[str, str]:
    return fold(entry.title), fold(strip_tags(entry.summary + " " + entry.content))


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
    )
