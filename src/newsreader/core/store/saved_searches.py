"""Searches saved from the reader with S (issue 14): kept in the cache's settings table (schema
7), one row each under `search:NAME`, since the program never writes config.toml."""

from __future__ import annotations

import json
import sqlite3

from newsreader.core.config import SavedSearch
from newsreader.core.models import EntryFilter
from newsreader.core.store.db import Database

_PREFIX = "search:"
_FEED_TERM_CHARS = 80


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


def feed_term(feed_id: int, title: str | None) -> str:
    """How a search saved with `S` names its feed: by title, which reads well in the feed pane
    (`feed:` takes its words as prefixes, so a title cut at a word still names it), or by id
    when the title has no word to match."""
    words = " ".join((title or "").replace('"', " ").split())
    if len(words) > _FEED_TERM_CHARS:
        cut = words[: words.rfind(" ", 0, _FEED_TERM_CHARS + 1)].rstrip()
        words = cut or words[:_FEED_TERM_CHARS]
    return f'feed:"{words}"' if any(c.isalnum() for c in words) else f"feed:{feed_id}"


def retitle_saved_searches(
    conn: sqlite3.Connection, feed_id: int, old_title: str | None, new_title: str
) -> None:
    """A renamed feed: the searches saved naming it by its old title name the new one, in the
    caller's transaction. config.toml's searches are the user's text and stay as written."""
    old, new = feed_term(feed_id, old_title), feed_term(feed_id, new_title)
    # Named by id, the search names the feed whatever its title; and `feed:7` is also the
    # start of `feed:70`, so only a quoted title is ever replaced.
    if old == new or not old.endswith('"'):
        return
    rows = conn.execute(
        "SELECT key, value FROM settings WHERE key GLOB ?", (_PREFIX + "*",)
    ).fetchall()
    for key, value in rows:
        fields = json.loads(value)
        query = str(fields.get("query", ""))
        if old in query:
            fields["query"] = query.replace(old, new)
            conn.execute(
                "UPDATE settings SET value = ? WHERE key = ?",
                (json.dumps(fields, ensure_ascii=False), key),
            )
