"""The SQLite schema as a list of forward migrations.

Migration N brings `PRAGMA user_version` from N-1 to N. Each is a list of single statements
so they can run inside one explicit transaction together with the version bump (sqlite3's
`executescript` would commit half-way). Never edit a released migration: append a new one.
Times are stored as integer Unix seconds (UTC), which sort and compare cheaply.
"""

from __future__ import annotations

import sqlite3

from newsreader.core.errors import StoreError
from newsreader.core.store.search_index import register_functions

MIGRATIONS: list[list[str]] = [
    # 1: the first schema.
    [
        """
        CREATE TABLE feeds (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            title TEXT,
            site_url TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            etag TEXT,
            last_modified TEXT,
            last_fetched INTEGER,
            last_status INTEGER,
            last_error TEXT,
            next_fetch_after INTEGER,
            gone INTEGER NOT NULL DEFAULT 0,
            added INTEGER NOT NULL
        )
        """,
        """
        CREATE TABLE entries (
            id INTEGER PRIMARY KEY,
            feed_id INTEGER REFERENCES feeds(id) ON DELETE SET NULL,
            feed_title TEXT NOT NULL DEFAULT '',
            key TEXT NOT NULL,
            url TEXT,
            title TEXT NOT NULL,
            author TEXT,
            summary TEXT NOT NULL DEFAULT '',
            content TEXT NOT NULL DEFAULT '',
            published INTEGER NOT NULL,
            updated INTEGER,
            first_seen INTEGER NOT NULL,
            categories TEXT NOT NULL DEFAULT '[]',
            enclosures TEXT NOT NULL DEFAULT '[]',
            read INTEGER NOT NULL DEFAULT 0,
            starred INTEGER NOT NULL DEFAULT 0,
            paywalled INTEGER NOT NULL DEFAULT 0,
            digest TEXT NOT NULL,
            UNIQUE (feed_id, key)
        )
        """,
        "CREATE INDEX entries_order ON entries (published DESC, id DESC)",
        "CREATE INDEX entries_feed_order ON entries (feed_id, published DESC, id DESC)",
        "CREATE INDEX entries_unread_order ON entries (published DESC, id DESC) WHERE read = 0",
        "CREATE INDEX entries_url ON entries (url)",
        """
        CREATE TABLE pages (
            url TEXT PRIMARY KEY,
            final_url TEXT NOT NULL,
            fetched_at INTEGER NOT NULL,
            html BLOB,
            title TEXT,
            author TEXT,
            published INTEGER,
            description TEXT,
            image TEXT,
            language TEXT,
            text TEXT,
            paywalled INTEGER NOT NULL DEFAULT 0
        )
        """,
        """
        CREATE TABLE teasers (
            id INTEGER PRIMARY KEY,
            entry_id INTEGER REFERENCES entries(id) ON DELETE CASCADE,
            page_url TEXT,
            position INTEGER NOT NULL,
            url TEXT NOT NULL,
            title TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,
            CHECK ((entry_id IS NULL) != (page_url IS NULL))
        )
        """,
        "CREATE INDEX teasers_entry ON teasers (entry_id, position)",
        "CREATE INDEX teasers_page ON teasers (page_url, position)",
        """
        CREATE TABLE previews (
            url TEXT PRIMARY KEY,
            title TEXT,
            description TEXT,
            fetched_at INTEGER NOT NULL
        )
        """,
        # Title and body hold *folded* text (see textfold.fold), so umlaut spellings meet.
        # detail=none keeps no positions: we only ask for (prefix) words, never phrases,
        # and it made storing a feed a third cheaper.
        """
        CREATE VIRTUAL TABLE entries_fts USING fts5 (
            title, body,
            tokenize = 'unicode61 remove_diacritics 2', detail = none, columnsize = 0
        )
        """,
        # Merge index segments in bigger, rarer steps: refresh writes many rows at once.
        "INSERT INTO entries_fts (entries_fts, rank) VALUES ('automerge', 8)",
    ],
    # 2: links inside an entry's HTML are found when it is shown, against this base URL.
    # Rows from schema 1 keep NULL: their links were stored in `teasers` at refresh.
    [
        "ALTER TABLE entries ADD COLUMN html_base TEXT",
    ],
    # 3: a teaser keeps its kicker apart from the headline, the label of the block it came
    # from, and its group ("related" or "more"). Older rows read as related, unlabelled;
    # `reextract` rebuilds page teasers with the new fields.
    [
        "ALTER TABLE teasers ADD COLUMN kicker TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE teasers ADD COLUMN block TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE teasers ADD COLUMN teaser_group TEXT NOT NULL DEFAULT 'related'",
    ],
    # 4 (the scale branch; renumber on merge): the search index keeps no copy of its text,
    # which was 40 % of the file and of what every refresh wrote (see search_index.py). Rows
    # indexed with anything but their entry's own text (a page's text, an older folding)
    # keep an exact copy for their delete; entries that were never indexed are indexed now.
    [
        """
        CREATE TABLE entries_fts_exact (
            rowid INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            body TEXT NOT NULL
        )
        """,
        """
        CREATE VIRTUAL TABLE entries_fts_new USING fts5 (
            title, body, content = '',
            tokenize = 'unicode61 remove_diacritics 2', detail = none, columnsize = 0
        )
        """,
        """
        INSERT INTO entries_fts_exact (rowid, title, body)
        SELECT f.rowid, f.title, f.body FROM entries_fts f JOIN entries e ON e.id = f.rowid
        WHERE f.title IS NOT newsreader_fold(e.title)
           OR f.body IS NOT newsreader_body(e.summary, e.content)
        """,
        """
        INSERT INTO entries_fts_new (rowid, title, body)
        SELECT f.rowid, f.title, f.body FROM entries_fts f JOIN entries e ON e.id = f.rowid
        """,
        """
        INSERT INTO entries_fts_new (rowid, title, body)
        SELECT e.id, newsreader_fold(e.title), newsreader_body(e.summary, e.content)
        FROM entries e WHERE e.id NOT IN (SELECT rowid FROM entries_fts)
        """,
        "DROP TABLE entries_fts",
        "ALTER TABLE entries_fts_new RENAME TO entries_fts",
        "INSERT INTO entries_fts (entries_fts, rank) VALUES ('automerge', 8)",
    ],
]

SCHEMA_VERSION = len(MIGRATIONS)


def refuse_newer(conn: sqlite3.Connection) -> int:
    """The cache's schema version; one newer than this code knows is a StoreError."""
    version = _user_version(conn)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the cache was written by a newer newsreader (schema {version}, this one knows "
            f"{SCHEMA_VERSION}); upgrade newsreader or use another --data-dir"
        )
    return version


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the database to SCHEMA_VERSION in one transaction; refuse a newer schema."""
    version = refuse_newer(conn)
    if version == SCHEMA_VERSION:
        return
    register_functions(conn)  # a migration may fold text
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have migrated while we waited for the write lock.
        version = _user_version(conn)
        for number in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[number - 1]:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _user_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])
