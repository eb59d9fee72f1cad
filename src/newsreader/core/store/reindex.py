"""Migration 10's move of the search index to a contentless table, fast on a large cache.

The old table and the new one index the same words the same way (same tokenizer, detail=none,
columnsize=0); only the old one's copy of the text goes. So the index itself is carried over as
it is, page by page, instead of being tokenized again (two thirds of the time on a million
entries). What must still be read row by row is which entries were indexed with anything but
`entry_text` of their own columns: those keep an exact copy for their delete. That pass goes by
id in batches and says how far it got, so a first start after the upgrade is never silent.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from newsreader.core.store.search_index import entry_text

Progress = Callable[[str], None]

BATCH = 5000
# Below this many entries the move takes a moment and says nothing.
SAY_FROM = 20_000
SAY_EVERY = 3.0  # seconds


def move_to_contentless(conn: sqlite3.Connection, say: Progress | None) -> None:
    """Fill `entries_fts_new` (contentless, just created and not yet used) and
    `entries_fts_exact` from `entries_fts` (with its own copy of the text)."""
    total = int(conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0])
    if total < SAY_FROM:
        say = None
    if say is not None:
        say(f"re-indexing {total:,} entries for the new search index…")
    _carry_over_index(conn)
    done, last_id, said = 0, 0, time.monotonic()
    while True:
        rows = conn.execute(
            "SELECT id, title, summary, content FROM entries WHERE id > ? ORDER BY id LIMIT ?",
            (last_id, BATCH),
        ).fetchall()
        upper = rows[-1][0] if len(rows) == BATCH else None  # None: to the end of the index
        _move_batch(conn, rows, last_id, upper)
        done += len(rows)
        if upper is None:
            break
        last_id = upper
        if say is not None and time.monotonic() - said >= SAY_EVERY:
            say(f"re-indexing: {done:,} of {total:,} entries ({100 * done // total} %)")
            said = time.monotonic()
    if say is not None:
        say(f"re-indexed {total:,} entries; letting the old index go…")


def _carry_over_index(conn: sqlite3.Connection) -> None:
    """The old index's pages become the new table's. Right after the new table's CREATE, before
    anything reads it: FTS5 keeps the structure it read for the rest of a transaction."""
    try:
        conn.execute("DELETE FROM entries_fts_new_data")
        conn.execute(
            "INSERT INTO entries_fts_new_data (id, block) SELECT id, block FROM entries_fts_data"
        )
        conn.execute("DELETE FROM entries_fts_new_idx")
        conn.execute(
            "INSERT INTO entries_fts_new_idx (segid, term, pgno)"
            " SELECT segid, term, pgno FROM entries_fts_idx"
        )
    except sqlite3.OperationalError as exc:
        # SQLite run "defensive" keeps FTS5's own tables read-only (the first DELETE fails,
        # nothing changed yet): tokenize it all again.
        if "may not be modified" not in str(exc):
            raise
        conn.execute(
            "INSERT INTO entries_fts_new (rowid, title, body)"
            " SELECT rowid, title, body FROM entries_fts"
        )


def _move_batch(
    conn: sqlite3.Connection,
    rows: list[tuple[int, str, str, str]],
    after: int,
    upper: int | None,
) -> None:
    """Entries `after` < id <= `upper`: an exact copy where the old text is not what
    `entry_text` gives now; entries the old index lacked are indexed; old rows of entries
    that are gone leave the new index (with the text they were indexed with)."""
    bounds = "rowid > ?" + ("" if upper is None else " AND rowid <= ?")
    args = (after,) if upper is None else (after, upper)
    old = {
        rowid: (title, body)
        for rowid, title, body in conn.execute(
            f"SELECT rowid, title, body FROM entries_fts WHERE {bounds}", args
        )
    }
    exact, missing = [], []
    for entry_id, title, summary, content in rows:
        now = entry_text(title, summary, content)
        was = old.pop(entry_id, None)
        if was is None:
            missing.append((entry_id, *now))
        elif was != now:
            exact.append((entry_id, *was))
    conn.executemany("INSERT INTO entries_fts_exact (rowid, title, body) VALUES (?, ?, ?)", exact)
    conn.executemany("INSERT INTO entries_fts_new (rowid, title, body) VALUES (?, ?, ?)", missing)
    conn.executemany(
        "INSERT INTO entries_fts_new (entries_fts_new, rowid, title, body)"
        " VALUES ('delete', ?, ?, ?)",
        ((rowid, title, body) for rowid, (title, body) in old.items()),
    )
