"""The feed pane's counters (`feed_counts`) for entries a writer inserts.

Deletes and updates keep the counters by trigger; inserts did too, until a cold refresh was
measured: the insert trigger's upsert ran once per entry, about a tenth of a worker's insert
time (1.72 -> 1.58 ms per farm feed in-process; 0.37 M of 23.9 M instructions to store a
feed, bench/store_instructions.py). Each writer that inserts entries now adds what it
inserted, once per feed, in the same transaction. Whoever inserts into `entries` calls this.
"""

from __future__ import annotations

import sqlite3


def count_new_entries(conn: sqlite3.Connection, feed_id: int, entries: int, unread: int) -> None:
    """Add `entries` inserted entries of `feed_id`, `unread` of them unread, none hidden (a new
    entry is hidden only later, by the hide rules, whose update keeps the counters)."""
    if entries:
        conn.execute(
            """INSERT INTO feed_counts (feed_id, entries, unread) VALUES (?, ?, ?)
               ON CONFLICT (feed_id) DO UPDATE
               SET entries = entries + excluded.entries, unread = unread + excluded.unread""",
            (feed_id, entries, unread),
        )
