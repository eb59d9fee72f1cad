"""New entries, written with one statement per table instead of one per entry.

A cold refresh inserts every entry it sees, and a statement per entry cost a cursor, a look
into the statement cache and the row id read back, each time: written together, storing
48 farm feeds took 4 % fewer instructions (8.94 -> 8.61 M a feed for the SQL, with the
encoding below, counted under cachegrind). Their teasers and sketches follow their rows, as
the foreign keys and triggers want.

The rows of a whole batch of feeds wait here and go in by date, taking their ids in that
order (the highest one plus one, as SQLite would: the table has no AUTOINCREMENT). Each row
also enters the two (published, id) indexes, where a cold refresh's dates fall all over: in
the order of their feeds, every insert landed on another page of those indexes, more pages
than a worker's page cache holds, and each was read back and written out again. Storing
2,000 farm feeds in batches of 28 with a worker's 1.5 MiB cache wrote 20.3 KB and read
22.6 KB an entry; in date order, 6.4 and 8.4 KB (bench/write_amplification.py's batches).
Until `write`, an entry is named by a provisional id, above every real one, which the index
rows and sketches take (`final_id` tells the real one after): `write` renumbers the batch's
`IndexWrites` with its own.

Nothing but these rows may be inserted into `entries` between `add` and `write`, and
nothing may change a row still waiting: a writer that updates an entry writes first.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from json.encoder import encode_basestring
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from newsreader.core.store.pages import TEASER_COLUMNS, teaser_columns

if TYPE_CHECKING:  # types only (the reader's start-up does without them)
    from newsreader.core.article_records import Enclosure, Teaser
    from newsreader.core.store.search_index import IndexWrites

_INSERT_ENTRY = """INSERT INTO entries (url, title, author, summary, content, published,
    updated, categories, enclosures, paywalled, digest, feed_title, html_base, feed_id, key,
    first_seen, id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"""
_INSERT_TEASER = f"""INSERT INTO teasers (entry_id, position, {TEASER_COLUMNS})
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"""
# After the row: the update of an entry's text drops an older sketch by trigger.
_INSERT_SKETCH = """INSERT OR REPLACE INTO cluster_pending
    (entry_id, published, shingles, sampled, samples) VALUES (?, ?, ?, ?, ?)"""
# Provisional ids start here: no cache holds 2**53 entries, and SQLite's own ids stay below.
PROVISIONAL = 1 << 53
_PUBLISHED = 5  # where an entry's date is in its values (`_INSERT_ENTRY`'s order)
_ENTRY = itemgetter(0)


class NewRows:
    """New entries (and the teasers and sketches of any entry) of one feed or a batch, to
    `write`; `index`, the index rows noted for the same entries."""

    def __init__(self, index: IndexWrites) -> None:
        self._index = index
        self._entries: list[tuple[Any, ...]] = []
        # (entry id, its teasers): their rows are made as they are written, not held for the
        # batch (a tuple of nine a teaser cost a worker 0.4 MB at its peak)
        self._teasers: list[tuple[int, Sequence[Teaser]]] = []
        self._sketches: list[tuple[int, int, int, int, str]] = []
        self._next = PROVISIONAL
        self._final: dict[int, int] = {}

    def add(self, values: tuple[Any, ...], feed_id: int, key: str, now: int) -> int:
        """Note a new entry's row: `values` are its columns as `_INSERT_ENTRY` names them up
        to the feed's id. Its provisional id."""
        entry_id = self._next
        self._next += 1
        self._entries.append((*values, feed_id, key, now, entry_id))
        return entry_id

    def add_teasers(self, entry_id: int, teasers: Sequence[Teaser]) -> None:
        self._teasers.append((entry_id, teasers))

    def add_sketch(self, entry_id: int, published: int, sketch: tuple[int, int, str]) -> None:
        self._sketches.append((entry_id, published, *sketch))

    def final_id(self, entry_id: int) -> int:
        """The id an entry has once written: a provisional one's real id, any other as is."""
        return self._final[entry_id] if entry_id >= PROVISIONAL else entry_id

    def write(self, conn: sqlite3.Connection) -> None:
        """Insert what was noted: the rows by date, then their teasers and sketches."""
        if self._entries:
            first = int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM entries").fetchone()[0])
            # Stable: rows of one date keep the order they came in (a feed's, newest first).
            by_date = sorted(self._entries, key=itemgetter(_PUBLISHED))
            final = self._final
            for new_id, row in enumerate(by_date, first + 1):
                final[row[-1]] = new_id
            conn.executemany(_INSERT_ENTRY, ((*row[:-1], final[row[-1]]) for row in by_date))
            self._entries.clear()
            self._index.renumber(final)
        if self._teasers:
            # By entry, each entry's in their order (a stable sort: an entry written twice
            # keeps its lists in the order they came)
            entries = sorted(((self.final_id(i), t) for i, t in self._teasers), key=_ENTRY)
            rows = (
                (entry_id, pos, *teaser_columns(teaser))
                for entry_id, teasers in entries
                for pos, teaser in enumerate(teasers)
            )
            conn.executemany(_INSERT_TEASER, rows)
            self._teasers.clear()
        if self._sketches:
            sketches = ((self.final_id(s[0]), *s[1:]) for s in self._sketches)
            conn.executemany(_INSERT_SKETCH, sorted(sketches, key=_ENTRY))
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
