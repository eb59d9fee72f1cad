"""A feed's new entries, written with one statement per table instead of one per entry.

A cold refresh inserts every entry it sees, and a statement per entry cost a cursor, a look
into the statement cache and the row id read back, each time: written together, storing
48 farm feeds took 4 % fewer instructions (8.94 -> 8.61 M a feed for the SQL, with the
encoding below, counted under cachegrind). The rows wait here (`add`), each under
the id SQLite would have given it (the highest one plus one: the table has no
AUTOINCREMENT), so the index rows and sketches can name their entries before they exist.
Their teasers and sketches follow their rows, as the foreign keys and triggers want.

Nothing but these rows may be inserted into `entries` between `add` and `write`, and
nothing may change a row still waiting: a writer that updates an entry writes first.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

from newsreader.core.store.pages import TEASER_COLUMNS, teaser_columns

if TYPE_CHECKING:  # types only (the reader's start-up does without them)
    from newsreader.core.article_records import Enclosure, Teaser

_INSERT_ENTRY = """INSERT INTO entries (url, title, author, summary, content, published,
    updated, categories, enclosures, paywalled, digest, feed_title, html_base, feed_id, key,
    first_seen, id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"""
_INSERT_TEASER = f"""INSERT INTO teasers (entry_id, position, {TEASER_COLUMNS})
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"""
# After the row: the update of an entry's text drops an older sketch by trigger.
_INSERT_SKETCH = """INSERT OR REPLACE INTO cluster_pending
    (entry_id, published, shingles, sampled, samples) VALUES (?, ?, ?, ?, ?)"""


class NewRows:
    """New entries of one feed (and the teasers and sketches of any entry), to `write`."""

    def __init__(self) -> None:
        self._entries: list[tuple[Any, ...]] = []
        self._teasers: list[tuple[Any, ...]] = []
        self._sketches: list[tuple[int, int, int, int, str]] = []
        self._next_id: int | None = None

    def add(
        self, conn: sqlite3.Connection, values: tuple[Any, ...], feed_id: int, key: str, now: int
    ) -> int:
        """Note a new entry's row: `values` are its columns as `_INSERT_ENTRY` names them up
        to the feed's id. Its id, the one SQLite would give it."""
        if self._next_id is None:
            self._next_id = (
                int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM entries").fetchone()[0]) + 1
            )
        entry_id = self._next_id
        self._next_id += 1
        self._entries.append((*values, feed_id, key, now, entry_id))
        return entry_id

    def add_teasers(self, entry_id: int, teasers: Sequence[Teaser]) -> None:
        self._teasers += [(entry_id, pos, *teaser_columns(t)) for pos, t in enumerate(teasers)]

    def add_sketch(self, entry_id: int, published: int, sketch: tuple[int, int, str]) -> None:
        self._sketches.append((entry_id, published, *sketch))

    def write(self, conn: sqlite3.Connection) -> None:
        """Insert what was noted: the rows, then their teasers and sketches."""
        if self._entries:
            conn.executemany(_INSERT_ENTRY, self._entries)
            self._entries.clear()
        if self._teasers:
            conn.executemany(_INSERT_TEASER, self._teasers)
            self._teasers.clear()
        if self._sketches:
            conn.executemany(_INSERT_SKETCH, self._sketches)
            self._sketches.clear()


def json_list(items: Sequence[str]) -> str:
    """What json.dumps(list(items), ensure_ascii=False) writes, without an encoder's Python
    frames (a cold refresh encodes two lists per entry)."""
    if not items:
        return "[]"
    return "[" + ", ".join(map(encode_basestring, items)) + "]"


def enclosures_json(enclosures: Sequence[Enclosure]) -> str:
    if not enclosures:
        return "[]"
    return json.dumps([[e.url, e.type, e.length, e.duration] for e in enclosures])
