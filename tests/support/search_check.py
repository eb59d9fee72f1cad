"""Compare the search index with a fresh one built from what the cache holds now.

The index is contentless (core/store/search_index.py): a wrong delete would leave a word
pointing at an entry that no longer has it, or take one away from an entry that does. A fresh
FTS5 table with its own content, filled from the entries (an exact copy where one is kept),
is the reference: every word must find the same entries in both.
"""

from __future__ import annotations

import sqlite3

from newsreader.core.store.packed_text import unpack_text
from newsreader.core.store.search_index import entry_text

_TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2', detail = none"


def _reference(conn: sqlite3.Connection) -> None:
    conn.execute("DROP TABLE IF EXISTS temp.reference_fts")
    conn.execute(f"CREATE VIRTUAL TABLE temp.reference_fts USING fts5 (title, body, {_TOKENIZE})")
    rows = conn.execute(
        """SELECT e.id, e.title, e.summary, e.content, x.title, x.body FROM entries e
           LEFT JOIN entries_fts_exact x ON x.rowid = e.id"""
    ).fetchall()
    for entry_id, title, summary, content, exact_title, exact_body in rows:
        texts = (
            (exact_title, exact_body)
            if exact_title is not None
            else entry_text(title, unpack_text(summary), unpack_text(content))
        )
        conn.execute(
            "INSERT INTO temp.reference_fts (rowid, title, body) VALUES (?, ?, ?)",
            (entry_id, *texts),
        )


def vocabulary(conn: sqlite3.Connection, table: str, schema: str = "main") -> dict[str, int]:
    """Each indexed word and the number of rows it is in."""
    name = f"vocab_{schema}_{table}"
    conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
    conn.execute(f"CREATE VIRTUAL TABLE temp.{name} USING fts5vocab({schema}, {table}, 'row')")
    return {term: doc for term, doc, _ in conn.execute(f"SELECT * FROM temp.{name}")}


def index_drift(conn: sqlite3.Connection) -> list[str]:
    """Words whose entries differ between the index and a fresh one; [] when they agree."""
    _reference(conn)
    ours = vocabulary(conn, "entries_fts")
    fresh = vocabulary(conn, "reference_fts", "temp")
    drift = sorted(t for t in ours.keys() | fresh.keys() if ours.get(t) != fresh.get(t))
    for term in sorted(fresh)[:: max(1, len(fresh) // 200)]:  # and the rows, for a sample
        query = f'"{term}"'
        got = conn.execute("SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?", (query,))
        want = conn.execute(
            "SELECT rowid FROM temp.reference_fts WHERE reference_fts MATCH ?", (query,)
        )
        if {r[0] for r in got} != {r[0] for r in want}:
            drift.append(term)
    return drift
