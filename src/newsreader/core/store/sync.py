"""The cache's side of sync: the account, the queues of local marks and feed changes waiting
for the server, and (in sync_pull.py) applying what the server has.

Kept beside the Store rather than in it: it works on any Database (the Store is one) and
touches only the columns and tables of schema 4.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from newsreader.core.store.db import Database
from newsreader.core.store.sync_pull import Applied, apply_pull
from newsreader.core.sync_records import (
    MarkAction,
    QueuedFeedChange,
    QueuedFeedEdit,
    QueuedMark,
    RemoteFeed,
    RemoteItem,
)

_ACTIONS: dict[tuple[str, int], MarkAction] = {
    ("read", 1): "read",
    ("read", 0): "unread",
    ("starred", 1): "star",
    ("starred", 0): "unstar",
}


class SyncTables:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- state -------------------------------------------------------------------------------

    def state(self, key: str) -> str | None:
        row = self.db.conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def use_account(self, account: str, *same: str) -> int:
        """Ids from one server mean nothing on another: a new account starts from scratch
        (feeds and entries stay, as local ones; queued marks for the old server are dropped:
        how many, the caller says). `same`: keys of this account as stored before."""
        held = self.state("account")
        if held == account:
            return 0
        if held is not None and held in same:
            with self.db.transaction() as conn:
                conn.execute("UPDATE sync_state SET value = ? WHERE key = 'account'", (account,))
            return 0
        dropped = 0
        if held is not None:  # a first sync has no server before it to speak of
            dropped = self.queued_count() + len(self.queued_feed_changes())
            dropped += len(self.queued_feed_edits())
        with self.db.transaction() as conn:
            conn.execute("UPDATE entries SET remote_id = NULL WHERE remote_id IS NOT NULL")
            conn.execute("UPDATE feeds SET remote_id = NULL, origin = 'local'")
            conn.execute("DELETE FROM sync_queue")
            conn.execute("DELETE FROM sync_feed_queue")
            conn.execute("DELETE FROM sync_feed_edits")
            conn.execute("DELETE FROM sync_state")
            conn.execute("INSERT INTO sync_state (key, value) VALUES ('account', ?)", (account,))
        return dropped

    # --- the queue ---------------------------------------------------------------------------

    def queued(self) -> list[QueuedMark]:
        rows = self.db.conn.execute(
            "SELECT id, item_id, kind, value FROM sync_queue ORDER BY id"
        ).fetchall()
        return [QueuedMark(r[0], r[1], _ACTIONS[(r[2], int(r[3]))]) for r in rows]

    def queued_count(self) -> int:
        return int(self.db.conn.execute("SELECT COUNT(*) FROM sync_queue").fetchone()[0])

    def forget(self, rows: Iterable[int]) -> None:
        """Drop marks the server has taken. By row: a mark made again while the push was on
        its way has a new row and stays for the next sync."""
        with self.db.transaction() as conn:
            conn.executemany("DELETE FROM sync_queue WHERE id = ?", ((r,) for r in rows))

    def queued_feed_changes(self) -> list[QueuedFeedChange]:
        rows = self.db.conn.execute(
            "SELECT id, action, url, remote_id, title, tags FROM sync_feed_queue ORDER BY id"
        ).fetchall()
        return [
            QueuedFeedChange(r[0], r[1], r[2], r[3], r[4], tuple(json.loads(r[5]))) for r in rows
        ]

    def forget_feed_changes(self, rows: Iterable[int]) -> None:
        with self.db.transaction() as conn:
            conn.executemany("DELETE FROM sync_feed_queue WHERE id = ?", ((r,) for r in rows))

    def queued_feed_edits(self) -> list[QueuedFeedEdit]:
        """Renames and tag changes of synced feeds, as what to send: tags added and removed
        against those the server had."""
        rows = self.db.conn.execute(
            """SELECT id, remote_id, title, renamed, tags, server_tags
               FROM sync_feed_edits ORDER BY id"""
        ).fetchall()
        edits = []
        for row in rows:
            tags, server_tags = json.loads(row["tags"]), json.loads(row["server_tags"])
            edits.append(
                QueuedFeedEdit(
                    row["id"],
                    row["remote_id"],
                    row["title"] if row["renamed"] else None,
                    tuple(t for t in tags if t not in server_tags),
                    tuple(t for t in server_tags if t not in tags),
                )
            )
        return edits

    def forget_feed_edits(self, rows: Iterable[int]) -> None:
        """By row, like the marks: a feed edited again while the push was on its way has a
        new row (the trigger replaces the old one), which stays for the next sync."""
        with self.db.transaction() as conn:
            conn.executemany("DELETE FROM sync_feed_edits WHERE id = ?", ((r,) for r in rows))

    def mark(self, entry_ids: Sequence[int], action: MarkAction) -> int:
        """Mark entries locally; the schema's triggers queue the marks of entries the server
        knows, in this same transaction. Returns how many marks are now queued for them."""
        column = "read" if action in ("read", "unread") else "starred"
        value = int(action in ("read", "star"))
        # Read or unread: every version of the story alike (issue 14).
        versions = " OR cluster_id = (SELECT cluster_id FROM entries WHERE id = ?)"
        where = "id = ?" + (versions if column == "read" else "")
        args = (lambda i: (value, i, i)) if column == "read" else (lambda i: (value, i))
        with self.db.transaction() as conn:
            conn.executemany(
                f"UPDATE entries SET {column} = ? WHERE {where}", (args(i) for i in entry_ids)
            )
            return sum(
                int(
                    conn.execute(
                        """SELECT COUNT(*) FROM sync_queue q JOIN entries e
                           ON e.remote_id = q.item_id WHERE e.id = ? AND q.kind = ?""",
                        (i, column),
                    ).fetchone()[0]
                )
                for i in entry_ids
            )

    def missing_entries(self, entry_ids: Iterable[int]) -> list[int]:
        """The ids among these that name no entry."""
        conn = self.db.conn
        return [
            i
            for i in entry_ids
            if conn.execute("SELECT 1 FROM entries WHERE id = ?", (i,)).fetchone() is None
        ]

    def known_item_ids(self) -> set[str]:
        return {
            r[0]
            for r in self.db.conn.execute("SELECT remote_id FROM entries WHERE remote_id NOT NULL")
        }

    def synced_feed_ids(self) -> set[int]:
        return {
            int(r[0])
            for r in self.db.conn.execute("SELECT id FROM feeds WHERE remote_id IS NOT NULL")
        }

    # --- applying a pull ---------------------------------------------------------------------

    def apply(
        self,
        *,
        feeds: Sequence[RemoteFeed],
        items: Sequence[RemoteItem],
        unread: set[str],
        starred: set[str],
        state: dict[str, str],
    ) -> Applied:
        """Everything the server said, in one transaction (sync_pull.py); the server's
        read/starred state wins except for marks still in the queue."""
        return apply_pull(
            self.db, feeds=feeds, items=items, unread=unread, starred=starred, state=state
        )
