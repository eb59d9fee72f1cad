"""Headline and article queries: keyset-paged, filterable, searchable."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from newsreader.core.models import (
    Cursor,
    Enclosure,
    Entry,
    EntryFilter,
    EntrySummary,
)
from newsreader.core.store.db import Database
from newsreader.core.store.textfold import fts_query
from newsreader.core.times import from_ts, to_ts

_SUMMARY_COLUMNS = """
    e.id, e.feed_id, e.feed_title, e.title, e.url, e.author, e.published, e.read, e.starred,
    e.paywalled,
    EXISTS (SELECT 1 FROM pages p WHERE p.url = e.url AND p.html IS NOT NULL) AS offline
"""


# From this many hits on, a search page walks the date index instead of sorting the hits.
_MANY_HITS = 2000


class EntryQueries(Database):
    """Headlines and articles; an article's teasers come from `PageQueries` (see Store)."""

    def entries(
        self,
        filt: EntryFilter | None = None,
        *,
        after: Cursor | None = None,
        before: Cursor | None = None,
        limit: int = 200,
    ) -> list[EntrySummary]:
        """Headlines newest first. `after` pages forward from a cursor; `before` pages back
        (rows still come newest first), so a lazy list can scroll both ways without OFFSET."""
        where, args = _filter_sql(filt or EntryFilter())
        order = "DESC"
        if after is not None:
            where.append("(e.published < ? OR (e.published = ? AND e.id < ?))")
            ts = to_ts(after.published)
            args += [ts, ts, after.id]
        elif before is not None:
            where.append("(e.published > ? OR (e.published = ? AND e.id > ?))")
            ts = to_ts(before.published)
            args += [ts, ts, before.id]
            order = "ASC"
        sql = (
            f"SELECT {_SUMMARY_COLUMNS} FROM {self._headline_source(filt)}"
            f"{' WHERE ' + ' AND '.join(where) if where else ''}"
            f" ORDER BY e.published {order}, e.id {order} LIMIT ?"
        )
        rows = self.conn.execute(sql, [*args, limit]).fetchall()
        result = [_summary_from_row(r) for r in rows]
        if order == "ASC":
            result.reverse()
        return result

    def count_entries(self, filt: EntryFilter | None = None) -> int:
        filt = filt or EntryFilter()
        if filt.search and filt == EntryFilter(search=filt.search):
            # Every entry has exactly one row in the index (search_index.py): counting there
            # spares a lookup per hit, a quarter of a second for a common word in a million.
            query = fts_query(filt.search)
            if query is None:
                return 0
            return int(
                self.conn.execute(
                    "SELECT COUNT(*) FROM entries_fts WHERE entries_fts MATCH ?", (query,)
                ).fetchone()[0]
            )
        where, args = _filter_sql(filt)
        sql = "SELECT COUNT(*) FROM entries e" + (" WHERE " + " AND ".join(where) if where else "")
        return int(self.conn.execute(sql, args).fetchone()[0])

    def entry_without_teasers(self, entry_id: int) -> Entry | None:
        row = self.conn.execute(
            f"""SELECT {_SUMMARY_COLUMNS}, e.updated, e.summary, e.content, e.categories,
                e.enclosures, p.text AS page_text, p.paywalled AS page_paywalled
                FROM entries e LEFT JOIN pages p ON p.url = e.url WHERE e.id = ?""",
            (entry_id,),
        ).fetchone()
        if row is None:
            return None
        summary = _summary_from_row(row)
        return Entry(
            id=summary.id,
            feed_id=summary.feed_id,
            feed_title=summary.feed_title,
            title=summary.title,
            url=summary.url,
            author=summary.author,
            published=summary.published,
            updated=from_ts(row["updated"]),
            summary=row["summary"],
            content=row["content"],
            categories=tuple(json.loads(row["categories"])),
            enclosures=tuple(
                Enclosure(url=u, type=t, length=n) for u, t, n in json.loads(row["enclosures"])
            ),
            read=summary.read,
            starred=summary.starred,
            paywalled=summary.paywalled or bool(row["page_paywalled"]),
            page_text=row["page_text"],
            offline=summary.offline,
        )

    def set_read(self, entry_ids: Iterable[int], read: bool = True) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE entries SET read = ? WHERE id = ?", ((int(read), i) for i in entry_ids)
            )

    def set_starred(self, entry_id: int, starred: bool) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE entries SET starred = ? WHERE id = ?", (int(starred), entry_id))

    def mark_all_read(self, filt: EntryFilter | None = None) -> int:
        where, args = _filter_sql(filt or EntryFilter())
        where.append("e.read = 0")
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE entries AS e SET read = 1 WHERE " + " AND ".join(where), args
            )
            return cur.rowcount

    def _headline_source(self, filt: EntryFilter | None) -> str:
        """The FROM of a page of headlines. A search SQLite starts from the index and sorts
        every hit by date: fine for a rare word, a second for a common one in a million
        entries. When the word has many hits, walking the date index and keeping the hits
        finds a page of them at once."""
        if filt is None or not filt.search or filt.feed_id is not None or filt.tag is not None:
            return "entries e"
        query = fts_query(filt.search)
        if query is None:
            return "entries e"
        many = self.conn.execute(
            "SELECT 1 FROM entries_fts WHERE entries_fts MATCH ? LIMIT 1 OFFSET ?",
            (query, _MANY_HITS),
        ).fetchone()
        return "entries e INDEXED BY entries_order" if many else "entries e"

    def unread_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM entries WHERE read = 0").fetchone()[0])

    def entry_position(self, entry_id: int, filt: EntryFilter | None = None) -> int | None:
        """Index of an entry in the filtered newest-first order (to keep the cursor on it)."""
        row = self.conn.execute(
            "SELECT published FROM entries WHERE id = ?", (entry_id,)
        ).fetchone()
        if row is None:
            return None
        where, args = _filter_sql(filt or EntryFilter())
        where.append("(e.published > ? OR (e.published = ? AND e.id > ?))")
        args += [row[0], row[0], entry_id]
        sql = "SELECT COUNT(*) FROM entries e WHERE " + " AND ".join(where)
        return int(self.conn.execute(sql, args).fetchone()[0])

    # added for the UI: a jump (G, scrollbar drag) lands far from any cached keyset page.
    def entries_at(
        self, filt: EntryFilter | None = None, *, offset: int = 0, limit: int = 200
    ) -> list[EntrySummary]:
        """Headlines newest first starting at row `offset`; keyset (`after`) for neighbours."""
        where, args = _filter_sql(filt or EntryFilter())
        sql = (
            f"SELECT {_SUMMARY_COLUMNS} FROM {self._headline_source(filt)}"
            f"{' WHERE ' + ' AND '.join(where) if where else ''}"
            " ORDER BY e.published DESC, e.id DESC LIMIT ? OFFSET ?"
        )
        rows = self.conn.execute(sql, [*args, limit, max(0, offset)]).fetchall()
        return [_summary_from_row(r) for r in rows]


def _filter_sql(filt: EntryFilter) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    if filt.feed_id is not None:
        where.append("e.feed_id = ?")
        args.append(filt.feed_id)
    if filt.tag is not None:
        where.append(
            "e.feed_id IN (SELECT f.id FROM feeds f, json_each(f.tags) t WHERE t.value = ?)"
        )
        args.append(filt.tag)
    if filt.unread:
        where.append("e.read = 0")
    if filt.starred:
        where.append("e.starred = 1")
    if filt.hide_paywalled:
        where.append("e.paywalled = 0")
    if filt.search:
        query = fts_query(filt.search)
        if query is None:
            where.append("0")
        else:
            where.append("e.id IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?)")
            args.append(query)
    return where, args


def _summary_from_row(row: sqlite3.Row) -> EntrySummary:
    published = from_ts(row["published"])
    assert published is not None
    return EntrySummary(
        id=row["id"],
        feed_id=row["feed_id"],
        feed_title=row["feed_title"],
        title=row["title"],
        url=row["url"],
        author=row["author"],
        published=published,
        read=bool(row["read"]),
        starred=bool(row["starred"]),
        paywalled=bool(row["paywalled"]),
        offline=bool(row["offline"]),
    )
