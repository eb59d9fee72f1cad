"""Searches saved from the reader with S (issue 14): kept in the cache's settings table (schema
7), one row each under `search:NAME`, since the program never writes config.toml."""

from __future__ import annotations

import json

from newsreader.core.config import SavedSearch
from newsreader.core.models import EntryFilter
from newsreader.core.store.db import Database

_PREFIX = "search:"


class SavedSearchQueries(Database):
    def saved_searches(self) -> list[SavedSearch]:
        """The cache's saved searches, by name."""
        rows = self.conn.execute(
            "SELECT key, value FROM settings WHERE key GLOB ? ORDER BY key", (_PREFIX + "*",)
        ).fetchall()
        searches = []
        for key, value in rows:
            fields = json.loads(value)
            searches.append(
                SavedSearch(
                    name=key[len(_PREFIX) :],
                    query=str(fields.get("query", "")),
                    unread=bool(fields.get("unread", False)),
                    tag=fields.get("tag"),
                    starred=bool(fields.get("starred", False)),
                    in_cache=True,
                )
            )
        return searches

    def save_search(self, search: SavedSearch) -> None:
        """Keep `search` under its name, replacing one saved under that name before."""
        value = {
            "query": search.query,
            "unread": search.unread,
            "tag": search.tag,
            "starred": search.starred,
        }
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                (_PREFIX + search.name, json.dumps(value, ensure_ascii=False)),
            )

    def data_version(self) -> int:
        """Changes when another connection commits: this thread's reads may be out of date."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def delete_saved_search(self, name: str) -> bool:
        with self.transaction() as conn:
            cur = conn.execute("DELETE FROM settings WHERE key = ?", (_PREFIX + name,))
            return cur.rowcount > 0


def search_filter(search: SavedSearch) -> EntryFilter:
    """What a saved search lists: its query, tag and flags, in every feed."""
    return EntryFilter(
        search=search.query or None, unread=search.unread, tag=search.tag, starred=search.starred
    )
