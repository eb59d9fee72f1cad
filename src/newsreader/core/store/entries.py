"""Headline and article queries: keyset-paged, filterable, searchable. The rows they
choose become records in headline_rows.py."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from newsreader.core.models import Cursor, EntryFilter, EntrySummary
from newsreader.core.search_query import parse_query
from newsreader.core.store import search_index
from newsreader.core.store.db import Database
from newsreader.core.store.headline_rows import (
    SUMMARY_COLUMNS,
    entry_from_row,
    headlines_from_rows,
)
from newsreader.core.store.query_sql import TAGGED_FEEDS, plan, query_sql
from newsreader.core.store.textfold import fold
from newsreader.core.store.watch import watch_fts_query
from newsreader.core.times import to_ts

if TYPE_CHECKING:  # types only (the reader's start-up does without them)
    from newsreader.core.article_records import Entry


def _watched_sql(alias: str) -> str:
    """Which watch word an entry matches, or NULL. The index names the candidates (one query
    per listing); only those have their indexed text computed again and checked (the CASE
    keeps SQLite from checking the others)."""
    title, body = search_index.indexed_text_sql(alias)
    return f"""CASE WHEN {alias}.id IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?)
         THEN watch_word({title}, {body}, ?) END"""


# From this many hits on, a search page walks the date index instead of sorting the hits.
_MANY_HITS = 2000
_EXACT_SEARCH_ROWS = 20_000  # hits up to which a search's list length leaves out versions


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
        filt = filt or EntryFilter()
        match = self._search_match(filt)
        where, args = _listing_sql(filt, match)
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
            f"SELECT {SUMMARY_COLUMNS} FROM {self._headline_source(filt, match)}"
            f"{' WHERE ' + ' AND '.join(where) if where else ''}"
            f" ORDER BY e.published {order}, e.id {order} LIMIT ?"
        )
        rows = self.conn.execute(sql, [*args, limit]).fetchall()
        result = headlines_from_rows(self.conn, rows, filt.watch)
        if order == "ASC":
            result.reverse()
        return result

    def count_entries(self, filt: EntryFilter | None = None) -> int:
        filt = filt or EntryFilter()
        counted = self._counted_by_feed(filt)
        if counted is not None:
            return counted
        match = self._search_match(filt)
        if self._counted_in_index(filt):
            # Every entry has exactly one row in the index (search_index.py): counting there
            # spares a lookup per hit, a quarter of a second for a common word in a million.
            if match is None:
                return 0
            return int(
                self.conn.execute(
                    "SELECT COUNT(*) FROM entries_fts WHERE entries_fts MATCH ?", (match,)
                ).fetchone()[0]
            )
        where, args = _filter_sql(filt, match, watch_match=self._watch_match(filt))
        sql = "SELECT COUNT(*) FROM entries e" + (" WHERE " + " AND ".join(where) if where else "")
        return int(self.conn.execute(sql, args).fetchone()[0])

    def count_rows(self, filt: EntryFilter | None = None) -> int:
        """The headline list's length: the entries, less the versions of a story that the
        list leaves out (`_listing_sql`). Sized by entries, the list ended in blank rows."""
        filt = filt or EntryFilter()
        count = self.count_entries(filt)
        if not filt.one_per_story or (filt.search and count > _EXACT_SEARCH_ROWS):
            # A common word's hits are looked up once more for the versions: 0.4 s for
            # 300,000 of a million. Such a list is sized by entries and ends in a few blank
            # rows that nobody scrolls down to.
            return count
        return count - self._later_versions(filt)

    def _later_versions(self, filt: EntryFilter) -> int:
        """Clustered entries that pass the filter after an earlier version of their story
        that passes it too: few rows, found through the partial index of clustered entries.
        With nothing hidden, the hidden checks go: the count then reads that index alone,
        not two rows of the table per clustered entry, from all over it (the reader's first
        frame waited 20-30 ms for those on a million entries; 0.4 ms without)."""
        if not filt.show_hidden and self._hides_nothing():
            filt = replace(filt, show_hidden=True)
        match = self._search_match(filt)
        where, args = _filter_sql(filt, match, watch_match=self._watch_match(filt))
        inner, inner_args = _filter_sql(filt, match, alias="o")
        cond = " AND ".join(["o.cluster_id = e.cluster_id", "o.id < e.id", *inner])
        where = [
            "e.cluster_id IS NOT NULL",
            *where,
            f"EXISTS (SELECT 1 FROM entries o WHERE {cond})",
        ]
        sql = "SELECT COUNT(*) FROM entries e WHERE " + " AND ".join(where)
        return int(self.conn.execute(sql, [*args, *inner_args]).fetchone()[0])

    def _counted_by_feed(self, filt: EntryFilter) -> int | None:
        """The count of a filter that narrows only by feed and unread, from the counters the
        triggers keep (schemas 6 and 9: shown entries, per feed): the reader's first list
        would otherwise count a million rows before its first frame. None for other filters."""
        bare = EntryFilter(
            feed_id=filt.feed_id,
            unread=filt.unread,
            one_per_story=filt.one_per_story,  # a count counts versions either way
            watch=filt.watch,  # only names the row's watch word
        )
        if filt != bare:
            return None
        column = "unread" if filt.unread else "entries"
        if filt.feed_id is None:
            cursor = self.conn.execute(f"SELECT COALESCE(SUM({column}), 0) FROM feed_counts")
        else:
            cursor = self.conn.execute(
                f"SELECT {column} FROM feed_counts WHERE feed_id = ?", (filt.feed_id,)
            )
        row = cursor.fetchone()
        return int(row[0]) if row is not None else 0

    def _counted_in_index(self, filt: EntryFilter) -> bool:
        """Whether a count may skip the entries: a search the index decides alone, and nothing
        else that narrows it. Hidden entries are in the index too, so only when none is hidden
        (a look at the small partial index of migration 10) or hidden ones count."""
        bare = EntryFilter(
            search=filt.search,
            one_per_story=filt.one_per_story,  # a count counts versions either way
            watch=filt.watch,  # only names the row's watch word
            show_hidden=filt.show_hidden,
        )
        if not filt.search or filt != bare:
            return False
        query = parse_query(filt.search)
        if not plan(query).index_only(query):
            return False
        return filt.show_hidden or self._hides_nothing()

    def _hides_nothing(self) -> bool:
        """No entry is hidden: a look at the small partial index of migration 10."""
        # Named: the date index holds `hidden` too (schema 16), and SQLite would walk all of it.
        hidden = self.conn.execute(
            "SELECT 1 FROM entries INDEXED BY entries_hidden WHERE hidden = 1 LIMIT 1"
        ).fetchone()
        return hidden is None

    def entry_without_teasers(self, entry_id: int) -> Entry | None:
        row = self.conn.execute(
            f"""SELECT {SUMMARY_COLUMNS}, e.updated, e.summary, e.content,
                e.categories, e.enclosures, p.text AS page_text, p.paywalled AS page_paywalled,
                p.author AS page_author
                FROM entries e LEFT JOIN pages p ON p.url = e.url WHERE e.id = ?""",
            (entry_id,),
        ).fetchone()
        return None if row is None else entry_from_row(row)

    def set_read(self, entry_ids: Iterable[int], read: bool = True) -> None:
        """Marks every version of each entry's story alike, in one transaction."""
        with self.transaction() as conn:
            conn.executemany(
                """UPDATE entries SET read = ? WHERE read != ? AND (id = ? OR cluster_id =
                   (SELECT cluster_id FROM entries WHERE id = ? AND cluster_id IS NOT NULL))""",
                ((int(read), int(read), i, i) for i in entry_ids),
            )

    def set_starred(self, entry_id: int, starred: bool) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE entries SET starred = ? WHERE id = ?", (int(starred), entry_id))

    def mark_all_read(self, filt: EntryFilter | None = None) -> int:
        filt = filt or EntryFilter()
        with self.transaction() as conn:
            # The search's words looked up under the write lock: what it marks is what it
            # matches now, also when a refresh has just stored new words.
            where, args = _filter_sql(filt, self._search_match(filt))
            # The other versions of the stories marked, wherever they are (issue 14).
            stories = "SELECT e.cluster_id FROM entries e WHERE e.cluster_id IS NOT NULL"
            stories += "".join(" AND " + w for w in where)
            where.append("e.read = 0")
            versions = conn.execute(
                f"UPDATE entries SET read = 1 WHERE read = 0 AND cluster_id IN ({stories})", args
            ).rowcount
            cur = conn.execute(
                "UPDATE entries AS e SET read = 1 WHERE " + " AND ".join(where), args
            )
            return cur.rowcount + versions

    def _search_match(self, filt: EntryFilter) -> str | None:
        """The MATCH expression of the filter's search (see `search_index.search_match`),
        kept per thread until the cache changes: a list asks for it with every page."""
        if not filt.search:
            return None
        conn = self.conn
        version = (conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)
        cached: tuple[str, object, str | None] | None = getattr(self._local, "match", None)
        if cached is not None and cached[:2] == (filt.search, version):
            return cached[2]
        candidates = plan(parse_query(filt.search)).candidates
        match = None if candidates is None else search_index.expand_match(conn, candidates)
        self._local.match = (filt.search, version, match)
        return match

    def _watch_match(self, filt: EntryFilter) -> str | None:
        """The watch words' candidates as `_search_match` writes a search's: whole words where
        a prefix has few, which SQLite streams instead of merging them in memory first."""
        query = watch_fts_query(filt.watch) if filt.watched_only else None
        return None if query is None else search_index.expand_match(self.conn, query)

    def _headline_source(self, filt: EntryFilter | None, match: str | None) -> str:
        """The FROM of a page of headlines. A search SQLite starts from the index and sorts
        every hit by date: fine for a rare word, a second for a common one in a million
        entries. When the word has many hits, walking the date index and keeping the hits
        finds a page of them at once."""
        if filt is None or match is None or filt.feed_id is not None or filt.tag is not None:
            return "entries e"
        many = self.conn.execute(
            "SELECT 1 FROM entries_fts WHERE entries_fts MATCH ? LIMIT 1 OFFSET ?",
            (match, _MANY_HITS),
        ).fetchone()
        return "entries e INDEXED BY entries_order" if many else "entries e"

    def unread_ids_at(self, url: str) -> list[int]:
        """The unread entries whose article is `url` (a teaser read in place may be one)."""
        rows = self.conn.execute("SELECT id FROM entries WHERE url = ? AND read = 0", (url,))
        return [r[0] for r in rows]

    def unread_count(self) -> int:
        """Every unread entry that is shown, from the counters the triggers keep (schemas 6
        and 9): a few rows, never a count of a million entries."""
        row = self.conn.execute("SELECT COALESCE(SUM(unread), 0) FROM feed_counts").fetchone()
        return int(row[0])

    def entry_position(self, entry_id: int, filt: EntryFilter | None = None) -> int | None:
        """Index of an entry's row in the filtered newest-first order (to keep the cursor on
        it): with one story once, the row of the version that stands for its story. An entry
        that joined an older version's story since it was listed (a refresh's clustering)
        is no row of its own: its index was another headline's, the cursor went there, and
        Enter opened that one."""
        filt = filt or EntryFilter()
        entry_id = self._listed_as(entry_id, filt)
        row = self.conn.execute(
            "SELECT published FROM entries WHERE id = ?", (entry_id,)
        ).fetchone()
        if row is None:
            return None
        where, args = _listing_sql(filt, self._search_match(filt))
        where.append("(e.published > ? OR (e.published = ? AND e.id > ?))")
        args += [row[0], row[0], entry_id]
        sql = "SELECT COUNT(*) FROM entries e WHERE " + " AND ".join(where)
        return int(self.conn.execute(sql, args).fetchone()[0])

    def _listed_as(self, entry_id: int, filt: EntryFilter) -> int:
        """The entry whose row lists this one (`_listing_sql`): the first version of its
        story that passes the filter, else itself."""
        if not filt.one_per_story:
            return entry_id
        found = self.conn.execute(
            "SELECT cluster_id FROM entries WHERE id = ?", (entry_id,)
        ).fetchone()
        if found is None or found[0] is None:
            return entry_id
        where, args = _filter_sql(filt, self._search_match(filt), alias="o")
        sql = " AND ".join(["SELECT MIN(o.id) FROM entries o WHERE o.cluster_id = ?", *where])
        first = self.conn.execute(sql, [found[0], *args]).fetchone()[0]
        return int(first) if first is not None else entry_id

    # added for the UI: a jump (G, scrollbar drag) lands far from any cached keyset page.
    def entries_at(
        self, filt: EntryFilter | None = None, *, offset: int = 0, limit: int = 200
    ) -> list[EntrySummary]:
        """Headlines newest first starting at row `offset`; keyset (`after`) for neighbours."""
        filt = filt or EntryFilter()
        match = self._search_match(filt)
        where, args = _listing_sql(filt, match)
        sql = (
            f"SELECT {SUMMARY_COLUMNS} FROM {self._headline_source(filt, match)}"
            f"{' WHERE ' + ' AND '.join(where) if where else ''}"
            " ORDER BY e.published DESC, e.id DESC LIMIT ? OFFSET ?"
        )
        rows = self.conn.execute(sql, [*args, limit, max(0, offset)]).fetchall()
        return headlines_from_rows(self.conn, rows, filt.watch)


def _listing_sql(filt: EntryFilter, match: str | None) -> tuple[list[str], list[Any]]:
    """The filter, and a story's versions listed once: the first (lowest id) of them that
    passes the filter stands for the story, so `--feed F` shows it when any version is in F.
    `match` is the search's MATCH expression (`_search_match`)."""
    where, args = _filter_sql(filt, match)
    if not filt.one_per_story:
        return where, args
    inner, inner_args = _filter_sql(filt, match, alias="o")
    cond = " AND ".join(["o.cluster_id = e.cluster_id", "o.id < e.id", *inner])
    where.append(f"(e.cluster_id IS NULL OR NOT EXISTS (SELECT 1 FROM entries o WHERE {cond}))")
    return where, [*args, *inner_args]


def _filter_sql(
    filt: EntryFilter, match: str | None, alias: str = "e", *, watch_match: str | None = None
) -> tuple[list[str], list[Any]]:
    e = alias
    where: list[str] = []
    args: list[Any] = []
    if not filt.show_hidden:
        where.append(f"{e}.hidden IS NOT 1")
    if filt.feed_id is not None:
        where.append(f"{e}.feed_id = ?")
        args.append(filt.feed_id)
    if filt.tag is not None:  # case-blind, as search's tag: is (feeds spell a tag two ways)
        where.append(f"{e}.feed_id IN ({TAGGED_FEEDS})")
        args.append(fold(filt.tag))
    if filt.unread:
        where.append(f"{e}.read = 0")
    if filt.starred:
        where.append(f"{e}.starred = 1")
    if filt.hide_paywalled:
        where.append(f"{e}.paywalled = 0")
    if filt.watched_only:
        query = watch_match or watch_fts_query(filt.watch)
        if query is None:
            where.append("0")
        else:
            where.append(f"{_watched_sql(e)} IS NOT NULL")
            args += [query, json.dumps(list(filt.watch), ensure_ascii=False)]
    if filt.search:
        search_where, search_args = query_sql(parse_query(filt.search), e, candidates=match)
        where += search_where
        args += search_args
    return where, args
