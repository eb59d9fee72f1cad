"""The search index: a contentless FTS5 table, whose rows are derived from the entries.

A contentless table keeps no copy of the text it indexed (that copy was 40 % of the file and
of every refresh's writes), so SQLite 3.40 cannot delete a row by rowid: it must be told the
very text the row was indexed with. Most rows are indexed with `entry_text` of the entry's
own columns, so that text can be computed again from the entry before it changes or goes.
A row indexed with anything else (an article page's text added, or a caller's own text) keeps
an exact copy in `entries_fts_exact`, and is deleted with that.

The rules, for every writer: index an entry exactly once; call `unindex` *before* the entry's
title, summary or content change, or before it is deleted; `index` again afterwards.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from newsreader.core.store.textfold import fold, strip_tags


def entry_text(title: str, summary: str, content: str) -> tuple[str, str]:
    """What an entry is indexed with: its folded title, and its folded text without tags."""
    return fold(title), fold(strip_tags(summary + " " + content))


def index(conn: sqlite3.Connection, entry_id: int, title: str, body: str, *, derived: bool) -> None:
    """Index an entry. `derived` promises that (title, body) is `entry_text` of its stored
    columns; otherwise an exact copy is kept, for the delete."""
    conn.execute(
        "INSERT INTO entries_fts (rowid, title, body) VALUES (?, ?, ?)", (entry_id, title, body)
    )
    if not derived:
        conn.execute(
            "INSERT OR REPLACE INTO entries_fts_exact (rowid, title, body) VALUES (?, ?, ?)",
            (entry_id, title, body),
        )


def unindex(conn: sqlite3.Connection, entry_ids: Iterable[int]) -> None:
    """Take entries out of the index, while their rows still hold what they were indexed with."""
    for entry_id in entry_ids:
        row = conn.execute(
            """SELECT e.title, e.summary, e.content, x.title, x.body FROM entries e
               LEFT JOIN entries_fts_exact x ON x.rowid = e.id WHERE e.id = ?""",
            (entry_id,),
        ).fetchone()
        if row is None:
            continue
        if row[3] is not None:
            title, body = row[3], row[4]
            conn.execute("DELETE FROM entries_fts_exact WHERE rowid = ?", (entry_id,))
        else:
            title, body = entry_text(row[0], row[1], row[2])
        conn.execute(
            "INSERT INTO entries_fts (entries_fts, rowid, title, body) VALUES ('delete', ?, ?, ?)",
            (entry_id, title, body),
        )


def index_entry(conn: sqlite3.Connection, entry_id: int) -> None:
    """Index an entry with `entry_text` of the columns it holds now (after its write)."""
    row = conn.execute(
        "SELECT title, summary, content FROM entries WHERE id = ?", (entry_id,)
    ).fetchone()
    if row is not None:
        index(conn, entry_id, *entry_text(row[0], row[1], row[2]), derived=True)


def indexed_text_sql(alias: str) -> tuple[str, str]:
    """SQL for the (title, body) entry `alias` was indexed with. The table keeps no text to
    read back, so it is computed again like `unindex` does (needs `register_functions`)."""
    exact = f"SELECT x.{{}} FROM entries_fts_exact x WHERE x.rowid = {alias}.id"
    return (
        f"COALESCE(({exact.format('title')}), newsreader_fold({alias}.title))",
        f"COALESCE(({exact.format('body')}), newsreader_body({alias}.summary, {alias}.content))",
    )


def register_functions(conn: sqlite3.Connection) -> None:
    """SQL functions for `indexed_text_sql`, and for the migration to this scheme."""
    conn.create_function("newsreader_fold", 1, fold, deterministic=True)
    conn.create_function(
        "newsreader_body",
        2,
        lambda summary, content: entry_text("", summary or "", content or "")[1],
        deterministic=True,
    )
