"""Applying a sync's pull: the server's feeds, items and read/starred state written into the
cache (SyncTables.apply in sync.py is the way in).

One transaction: a kill or a bad answer leaves the cache as it was before the sync. The search
index is kept through its rules (search_index.py).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass

from newsreader.core.store import search_index
from newsreader.core.store.counts import count_new_entries
from newsreader.core.store.db import Database
from newsreader.core.store.packed_text import pack_text, unpack_text
from newsreader.core.sync_records import RemoteFeed, RemoteItem

# Pulled items indexed together, as one FTS5 segment (see `_apply_items`).
_INDEX_EVERY = 1000


@dataclass(frozen=True, slots=True)
class Applied:
    pulled_items: int
    pulled_marks: int
    feeds_added: int
    feeds_removed: int


def apply_pull(
    db: Database,
    *,
    feeds: Sequence[RemoteFeed],
    items: Sequence[RemoteItem],
    unread: set[str],
    starred: set[str],
    state: dict[str, str],
) -> Applied:
    """Everything the server said, in one transaction; the server's read/starred state wins
    except for marks still in the queue."""
    with db.transaction() as conn:
        conn.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES ('applying', '1')")
        added, removed, feed_ids = _apply_feeds(conn, feeds)
        pulled = _apply_items(conn, items, feed_ids, db.pack_level)
        marks = _reconcile(conn, "read", unread, invert=True)
        marks += _reconcile(conn, "starred", starred, invert=False)
        conn.executemany(
            "INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)", state.items()
        )
        conn.execute("DELETE FROM sync_state WHERE key = 'applying'")
    return Applied(pulled, marks, added, removed)


def _apply_feeds(
    conn: sqlite3.Connection, feeds: Sequence[RemoteFeed]
) -> tuple[int, int, dict[str, int]]:
    """Match the server's subscriptions to ours by id, else by URL (or one it had before a
    redirect); add the rest as server-origin feeds; remove server-origin feeds the server no
    longer has."""
    added = 0
    feed_ids: dict[str, int] = {}
    now = int(time.time())
    # Unsubscribed here but not yet on the server (Fever cannot unsubscribe at all): not
    # brought back.
    dropped = {
        r[0] for r in conn.execute("SELECT url FROM sync_feed_queue WHERE action = 'unsubscribe'")
    }
    # Tag changes the server could not take (Fever has no call for them) wait in the queue:
    # those feeds keep their tags here.
    edited = {r[0] for r in conn.execute("SELECT remote_id FROM sync_feed_edits")}
    # Every feed in two lookups up front, not two queries per subscription: a sync with
    # nothing new stays a handful of statements.
    rows = conn.execute("SELECT id, url, origin, tags, title, remote_id FROM feeds").fetchall()
    by_remote = {r["remote_id"]: r for r in rows if r["remote_id"] is not None}
    by_url = {r["url"]: r for r in rows}
    for feed in feeds:
        if feed.url in dropped:
            continue
        row = by_remote.get(feed.remote_id) or by_url.get(feed.url)
        if row is None:
            # An address this feed had before it followed a redirect (schema 11).
            row = conn.execute(
                """SELECT f.id, f.url, f.origin, f.tags, f.title, f.remote_id FROM feed_urls u
                   JOIN feeds f ON f.id = u.feed_id WHERE u.url = ? AND f.remote_id IS NULL""",
                (feed.url,),
            ).fetchone()
        if row is None:
            cur = conn.execute(
                """INSERT INTO feeds (url, title, site_url, tags, added, origin, remote_id)
                   VALUES (?, ?, ?, ?, ?, 'server', ?)""",
                (
                    feed.url,
                    feed.title or None,
                    feed.site_url,
                    json.dumps(list(feed.tags), ensure_ascii=False),
                    now,
                    feed.remote_id,
                ),
            )
            feed_ids[feed.remote_id] = int(cur.lastrowid or 0)
            added += 1
            continue
        tags = list(feed.tags)
        if feed.remote_id in edited:
            tags = json.loads(row["tags"])
        elif row["origin"] != "server":  # a feed subscribed here keeps its own tags too
            tags = list(dict.fromkeys([*json.loads(row["tags"]), *tags]))
        title = row["title"] if row["title"] is not None else (feed.title or None)
        if (row["remote_id"], json.loads(row["tags"]), row["title"]) != (
            feed.remote_id,
            tags,
            title,
        ):
            conn.execute(
                "UPDATE feeds SET remote_id = ?, tags = ?, title = ? WHERE id = ?",
                (feed.remote_id, json.dumps(tags, ensure_ascii=False), title, row["id"]),
            )
        feed_ids[feed.remote_id] = int(row["id"])
    keep = set(feed_ids.values())
    removed = 0
    for row in conn.execute("SELECT id, origin FROM feeds WHERE remote_id IS NOT NULL").fetchall():
        if row["id"] in keep:
            continue
        if row["origin"] == "server":
            _remove_feed(conn, int(row["id"]))
            removed += 1
        else:  # subscribed here: it stays, as a local feed
            conn.execute("UPDATE feeds SET remote_id = NULL WHERE id = ?", (row["id"],))
    return added, removed, feed_ids


def _remove_feed(conn: sqlite3.Connection, feed_id: int) -> None:
    """As Store.remove_feed: entries go, starred ones stay (detached)."""
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM entries WHERE feed_id = ? AND starred = 0", (feed_id,)
        )
    ]
    search_index.unindex(conn, ids)  # while the entries still hold their text
    conn.execute("DELETE FROM entries WHERE feed_id = ? AND starred = 0", (feed_id,))
    conn.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))


def _apply_items(
    conn: sqlite3.Connection,
    items: Sequence[RemoteItem],
    feed_ids: dict[str, int],
    pack_level: int,
) -> int:
    """Store pulled items. One fetched here already is the same entry when its feed matches
    and its key (guid or link) or link is the item's link: it gains the server's id, no copy.

    The index rows are written after the items, _INDEX_EVERY at a time (`IndexWrites`): each
    insert's savepoint made FTS5 write a segment per item, and holding a 10,000-item first
    sync's rows to the end cost 7 MB. An item listed twice among them is indexed once, with
    the text its row ends with."""
    now = int(time.time())
    stored = 0
    index = search_index.IndexWrites()
    written: dict[int, None] = {}  # entries to index at the next flush, in the order written

    def index_written() -> None:
        for entry_id in written:
            title, summary, content = conn.execute(
                "SELECT title, summary, content FROM entries WHERE id = ?", (entry_id,)
            ).fetchone()
            index.index(
                entry_id,
                *search_index.entry_text(title, unpack_text(summary), unpack_text(content)),
            )
        written.clear()
        index.flush(conn)

    for item in items:
        feed_id = feed_ids.get(item.feed_remote_id)
        if feed_id is None:  # an item of a feed we are not subscribed to (any more)
            continue
        digest = _digest(item)
        row = conn.execute(
            "SELECT id, digest FROM entries WHERE remote_id = ?", (item.remote_id,)
        ).fetchone()
        if row is None and item.url:
            match = conn.execute(
                """SELECT id, remote_id FROM entries WHERE feed_id = ? AND (key = ? OR url = ?)
                   ORDER BY remote_id IS NOT NULL LIMIT 1""",
                (feed_id, item.url, item.url),
            ).fetchone()
            if match is not None and match["remote_id"] is None:
                conn.execute(
                    "UPDATE entries SET remote_id = ? WHERE id = ?", (item.remote_id, match["id"])
                )
                stored += 1
                continue
        if row is not None and row["digest"] == digest:
            continue
        if row is None:
            key = item.url or f"sync:{item.remote_id}"
            taken = conn.execute(
                "SELECT 1 FROM entries WHERE feed_id = ? AND key = ?", (feed_id, key)
            ).fetchone()
            if taken:
                key = f"sync:{item.remote_id}"
            feed_title = conn.execute(
                "SELECT COALESCE(title, url) FROM feeds WHERE id = ?", (feed_id,)
            ).fetchone()[0]
            cur = conn.execute(
                """INSERT INTO entries (feed_id, feed_title, key, url, title, author, content,
                   published, first_seen, read, starred, digest, html_base, remote_id)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    feed_id,
                    feed_title,
                    key,
                    item.url,
                    item.title,
                    item.author,
                    pack_text(item.html, level=pack_level),
                    item.published,
                    now,
                    int(item.read),
                    int(item.starred),
                    digest,
                    item.url,
                    item.remote_id,
                ),
            )
            entry_id = int(cur.lastrowid or 0)
            count_new_entries(conn, feed_id, 1, int(not item.read))
        else:
            entry_id = int(row["id"])
            if entry_id not in written:  # indexed before this pull: by what it was, first
                index.unindex(conn, [entry_id])
            conn.execute(
                """UPDATE entries SET url = ?, title = ?, author = ?, content = ?,
                   published = ?, digest = ?, html_base = ? WHERE id = ?""",
                (
                    item.url,
                    item.title,
                    item.author,
                    pack_text(item.html, level=pack_level),
                    item.published,
                    digest,
                    item.url,
                    entry_id,
                ),
            )
        written[entry_id] = None
        stored += 1
        if len(written) >= _INDEX_EVERY:
            index_written()
    index_written()
    return stored


def _reconcile(conn: sqlite3.Connection, column: str, ids: set[str], *, invert: bool) -> int:
    """Set `column` on every entry the server knows from the server's id set, except where a
    local mark still waits in the queue. For `read` the set holds the unread ids."""
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS sync_ids_{column} (id TEXT PRIMARY KEY)")
    conn.execute(f"DELETE FROM temp.sync_ids_{column}")
    conn.executemany(
        f"INSERT OR IGNORE INTO temp.sync_ids_{column} (id) VALUES (?)", ((i,) for i in ids)
    )
    member = f"(remote_id IN (SELECT id FROM temp.sync_ids_{column}))"
    wanted = f"(NOT {member})" if invert else member
    cur = conn.execute(
        f"""UPDATE entries SET {column} = {wanted}
            WHERE remote_id IS NOT NULL AND {column} != {wanted}
            AND remote_id NOT IN (SELECT item_id FROM sync_queue WHERE kind = ?)""",
        (column,),
    )
    conn.execute(f"DELETE FROM temp.sync_ids_{column}")
    return cur.rowcount


def _digest(item: RemoteItem) -> str:
    parts = [item.title, item.url or "", item.author or "", item.html, str(item.published)]
    return hashlib.sha1("\x1d".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
