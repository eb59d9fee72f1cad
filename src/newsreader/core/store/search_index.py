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

import json
import re
import sqlite3
from collections.abc import Iterable, Mapping
from operator import itemgetter

from newsreader.core.store.packed_text import unpack_text
from newsreader.core.store.textfold import feed_text, fold, query_words

# A word that the tokenizer indexes as it is (ASCII letters and digits, lower case after
# `fold`): the indexed words it is a prefix of can be looked up as a range of the vocabulary.
_PLAIN_WORD = re.compile(r"[a-z0-9]+")
# Up to this many indexed words, a prefix is searched as their OR; past it, as a prefix.
MAX_EXPANSION = 32
_DELETE = "INSERT INTO entries_fts (entries_fts, rowid, title, body) VALUES ('delete', ?, ?, ?)"
# The body may come as UTF-8 bytes (see `IndexWrites.index`): the CAST makes them text again.
_INSERT = "INSERT INTO entries_fts (rowid, title, body) VALUES (?, ?, CAST(? AS TEXT))"
_FIRST = itemgetter(0)


def entry_text(title: str, summary: str, content: str) -> tuple[str, str]:
    """What an entry is indexed with: its folded title, and its folded text without tags. A
    refresh's worker makes the same from the feed text it also sketches
    (`entry_rows.entry_text`, tests/unit/test_textfold.py holds the two together)."""
    return fold(title), fold(feed_text(summary, content))


def with_page_text(body: str, page_text: str) -> str:
    """An entry's indexed body (`entry_text`'s) with its article page's text: how an entry
    whose page is cached is indexed, whichever came first (an exact copy is kept)."""
    return f"{body} {fold(page_text)}"


def index(conn: sqlite3.Connection, entry_id: int, title: str, body: str, *, derived: bool) -> None:
    """Index an entry. `derived` promises that (title, body) is `entry_text` of its stored
    columns; otherwise an exact copy is kept, for the delete."""
    conn.execute(_INSERT, (entry_id, title, body))
    if not derived:
        conn.execute(
            "INSERT OR REPLACE INTO entries_fts_exact (rowid, title, body) VALUES (?, ?, ?)",
            (entry_id, title, body),
        )


def unindex(conn: sqlite3.Connection, entry_ids: Iterable[int]) -> None:
    """Take entries out of the index, while their rows still hold what they were indexed with."""
    writes = IndexWrites()
    writes.unindex(conn, entry_ids)
    writes.flush(conn)


class IndexWrites:
    """Index rows of many entries, written together by `flush` once their entries are.

    FTS5 keeps what it is given in memory until the transaction ends, unless a statement that
    may need undoing alone (an insert into `entries`, for its foreign key) opens
    a savepoint: then it writes out a segment of its own. Indexing each entry right after its
    insert wrote a segment per entry, and merging those cost a cold refresh more CPU than the
    rows themselves; written after all the inserts, a batch's rows make one segment. The
    promises of `index` and `unindex` hold for the moment of the flush: before the entries'
    text changes again, and before they are deleted.
    """

    def __init__(self) -> None:
        self.deletes: list[tuple[int, str, str]] = []
        self.rows: dict[int, tuple[str, str | bytes]] = {}  # entry id -> (title, body), to write

    def unindex(self, conn: sqlite3.Connection, entry_ids: Iterable[int]) -> None:
        """Note each entry's removal, with the text read now (before its row changes)."""
        for entry_id in entry_ids:
            if self.rows.pop(entry_id, None) is not None:
                # Noted here and not written yet (a feed listing a key twice): deleting a row
                # FTS5 does not hold fails the whole batch as a "malformed" database.
                continue
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
                title, body = entry_text(row[0], unpack_text(row[1]), unpack_text(row[2]))
            self.deletes.append((entry_id, title, body))

    def index(self, entry_id: int, title: str, body: str | bytes) -> None:
        """Note an entry indexed with `entry_text` of its stored columns (`derived`). A body
        of UTF-8 bytes costs a batch half the memory of a str: sqlite3 binds a str that is
        not ASCII through a UTF-8 copy that lives as long as the str, beside the text."""
        self.rows[entry_id] = (title, body)

    def renumber(self, final: Mapping[int, int]) -> None:
        """Give the rows noted under a provisional id (new_rows.py) their entry's real id."""
        if any(entry_id in final for entry_id in self.rows):
            self.rows = {final.get(i, i): row for i, row in self.rows.items()}

    def flush(self, conn: sqlite3.Connection) -> None:
        """Write what was noted: the removals first, so an entry re-indexed loses its old row.
        Each in order of id: FTS5 writes out what it holds whenever a row id comes lower
        than the one before, and merging those segments cost more than the rows."""
        if self.deletes:
            conn.executemany(_DELETE, sorted(self.deletes, key=_FIRST))
            self.deletes.clear()
        if self.rows:
            exact = _with_cached_pages(conn, self.rows)
            conn.executemany(_INSERT, ((i, t, b) for i, (t, b) in sorted(self.rows.items())))
            if exact:
                conn.executemany(
                    "INSERT OR REPLACE INTO entries_fts_exact (rowid, title, body) VALUES (?,?,?)",
                    exact,
                )
            self.rows.clear()


def _with_cached_pages(
    conn: sqlite3.Connection, rows: dict[int, tuple[str, str | bytes]]
) -> list[tuple[int, str, str]]:
    """Entries about to be indexed whose article page is cached already (a feed subscribed
    again, a story two feeds carry, a teaser page prefetched before a feed listed it): their
    rows in `rows` get the page's text, as `save_page` gives the entries it finds, and they are
    marked paywalled if the page is. Before, only a page fetched after its entries reached
    them: the others were not found by the page's words. The exact copies to keep."""
    if conn.execute("SELECT 1 FROM pages LIMIT 1").fetchone() is None:  # a first refresh
        return []
    found = conn.execute(
        """SELECT e.id, p.text, p.paywalled FROM entries e JOIN pages p ON p.url = e.url
           WHERE e.id IN (SELECT value FROM json_each(?))
             AND (p.paywalled OR COALESCE(p.text, '') != '')""",
        (json.dumps(list(rows)),),
    ).fetchall()
    exact: list[tuple[int, str, str]] = []
    for entry_id, text, paywalled in found:
        if paywalled:
            conn.execute("UPDATE entries SET paywalled = 1 WHERE id = ?", (entry_id,))
        if text:
            title, body = rows[entry_id]
            own = body.decode() if isinstance(body, bytes) else body
            full = with_page_text(own, text)
            rows[entry_id] = (title, full)
            exact.append((entry_id, title, full))
    return exact


def indexed_text_sql(alias: str) -> tuple[str, str]:
    """SQL for the (title, body) entry `alias` was indexed with. The table keeps no text to
    read back, so it is computed again like `unindex` does (needs `register_functions`)."""
    exact = f"SELECT x.{{}} FROM entries_fts_exact x WHERE x.rowid = {alias}.id"
    return (
        f"COALESCE(({exact.format('title')}), newsreader_fold({alias}.title))",
        f"COALESCE(({exact.format('body')}), newsreader_body({alias}.summary, {alias}.content))",
    )


def register_functions(conn: sqlite3.Connection) -> None:
    """SQL functions for `indexed_text_sql`, for the migration to this scheme, and the
    length of a packed text (`packed_text`)."""
    conn.create_function("newsreader_fold", 1, _fold_value, deterministic=True)
    conn.create_function("newsreader_body", 2, _stored_body, deterministic=True)
    conn.create_function("newsreader_length", 1, _stored_length, deterministic=True)


def _fold_value(value: object) -> str | None:
    """`fold` for SQL: NULL stays NULL (a feed imported from an outline without a title), and
    a number in a JSON tag list is folded as its text. An exception here fails the whole
    query: a `feed:` search failed on every feed while one had no title."""
    return None if value is None else fold(str(value))


def _stored_body(summary: str | bytes | None, content: str | bytes | None) -> str:
    """The folded body of an entry's stored (maybe packed) summary and content."""
    return entry_text("", unpack_text(summary), unpack_text(content))[1]


def _stored_length(value: str | bytes | None) -> int | None:
    """SQL's length() of a stored (maybe packed) text: its characters."""
    return None if value is None else len(unpack_text(value))


def attach_vocabulary(conn: sqlite3.Connection) -> None:
    """The index's words, for `search_match` (a temp table: also on a read-only cache, if
    made before `query_only`)."""
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.entries_fts_terms"
        " USING fts5vocab(main, entries_fts, row)"
    )


def search_match(conn: sqlite3.Connection, user_query: str) -> str | None:
    """The MATCH expression for a search: every word as a prefix (as `fts_query`), each
    written as the OR of the indexed words it is a prefix of. FTS5 answers a prefix by first
    merging the lists of all those words in memory, a fifth of a second for "stadt" in a
    million entries, on every query; an OR of whole words streams, so a count or the first
    page of hits costs what the hits cost. The same entries match either way."""
    words = query_words(user_query)
    if not words:
        return None
    return " AND ".join(expand_prefix(conn, word) for word in words)


_PREFIX_TERM = re.compile(r'"(\w+)"\*')


def expand_match(conn: sqlite3.Connection, expression: str) -> str:
    """An FTS5 expression with each `"word"*` prefix written as `expand_prefix` writes it:
    the same rows, without FTS5 merging a common prefix's lists in memory first."""
    return _PREFIX_TERM.sub(lambda m: expand_prefix(conn, m.group(1)), expression)


def expand_prefix(conn: sqlite3.Connection, word: str) -> str:
    """`"word"*`, or the OR of the indexed words starting with `word` when that is exact
    (a plain word) and short (up to MAX_EXPANSION words)."""
    prefix = f'"{word}"*'
    if not _PLAIN_WORD.fullmatch(word):
        return prefix
    # Every string starting with `word` sorts from `word` up to, not including, `word` with
    # its last (ASCII) character raised by one: byte order, as the vocabulary's.
    end = word[:-1] + chr(ord(word[-1]) + 1)
    try:
        rows = conn.execute(
            "SELECT term FROM temp.entries_fts_terms WHERE term >= ? AND term < ? LIMIT ?",
            (word, end, MAX_EXPANSION + 1),
        ).fetchall()
    except sqlite3.OperationalError:  # no vocabulary on this connection
        return prefix
    terms = [row[0] for row in rows]
    if not terms or len(terms) > MAX_EXPANSION:
        return prefix
    quoted = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
    return f"({quoted})"
