"""The SQLite schema as a list of forward migrations.

Migration N brings `PRAGMA user_version` from N-1 to N. Each is a list of single statements
so they can run inside one explicit transaction together with the version bump (sqlite3's
`executescript` would commit half-way); a step that needs Python (and may say how far it got)
is a function of the connection. Never edit a released migration: append a new one.
Times are stored as integer Unix seconds (UTC), which sort and compare cheaply.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from newsreader.core.errors import StoreError
from newsreader.core.store.reindex import Progress, move_to_contentless
from newsreader.core.store.search_index import register_functions

Step = str | Callable[[sqlite3.Connection, Progress | None], None]

# A sample value more entries of the clustering window share than this is boilerplate (a
# station's footer), no sign of one story (store/clusters.py). Migration 12's statements hold
# the number: changing it takes a new migration that makes the triggers again.
COMMON_SAMPLE = 200


def _rows_stay_as_they_are(conn: sqlite3.Connection, say: Progress | None) -> None:
    """A migration that changes what new rows may hold, and no row: see 13 and 17."""


def _say_date_indexes(conn: sqlite3.Connection, say: Progress | None) -> None:
    """Migration 16 builds two indexes over every entry: a second or two per million."""
    last = conn.execute("SELECT MAX(id) FROM entries").fetchone()[0]
    if say is not None and last is not None and last > 100_000:
        say(f"rebuilding the date order of about {last:,} entries (once)…")


MIGRATIONS: list[list[Step]] = [
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
    # 4: sync with a server (core/sync). Feeds and entries keep the server's ids; a feed's
    # origin says who subscribed it. Every change of read/starred on an entry the server
    # knows is queued by a trigger, in the transaction of the mark itself, so no writer
    # (CLI, reader, mark-all) can forget it; the latest mark per item and kind wins. The sync
    # applies the server's marks with an `applying` row in sync_state, which the triggers
    # see only inside that transaction.
    [
        "ALTER TABLE feeds ADD COLUMN origin TEXT NOT NULL DEFAULT 'local'",
        "ALTER TABLE feeds ADD COLUMN remote_id TEXT",
        "CREATE UNIQUE INDEX feeds_remote ON feeds (remote_id) WHERE remote_id IS NOT NULL",
        "ALTER TABLE entries ADD COLUMN remote_id TEXT",
        "CREATE UNIQUE INDEX entries_remote ON entries (remote_id) WHERE remote_id IS NOT NULL",
        """
        CREATE TABLE sync_queue (
            id INTEGER PRIMARY KEY,
            item_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('read', 'starred')),
            value INTEGER NOT NULL,
            queued INTEGER NOT NULL
        )
        """,
        "CREATE INDEX sync_queue_item ON sync_queue (item_id, kind)",
        "CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """
        CREATE TRIGGER entries_queue_read AFTER UPDATE OF read ON entries
        WHEN OLD.read != NEW.read AND NEW.remote_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM sync_state WHERE key = 'applying')
        BEGIN
            DELETE FROM sync_queue WHERE item_id = NEW.remote_id AND kind = 'read';
            INSERT INTO sync_queue (item_id, kind, value, queued)
                VALUES (NEW.remote_id, 'read', NEW.read, CAST(strftime('%s', 'now') AS INTEGER));
        END
        """,
        """
        CREATE TRIGGER entries_queue_starred AFTER UPDATE OF starred ON entries
        WHEN OLD.starred != NEW.starred AND NEW.remote_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM sync_state WHERE key = 'applying')
        BEGIN
            DELETE FROM sync_queue WHERE item_id = NEW.remote_id AND kind = 'starred';
            INSERT INTO sync_queue (item_id, kind, value, queued)
                VALUES (NEW.remote_id, 'starred', NEW.starred,
                        CAST(strftime('%s', 'now') AS INTEGER));
        END
        """,
        # Subscriptions made here once a sync has run go to the server; removing a feed the
        # server has unsubscribes it there (else the next sync would bring it back).
        """
        CREATE TABLE sync_feed_queue (
            id INTEGER PRIMARY KEY,
            action TEXT NOT NULL CHECK (action IN ('subscribe', 'unsubscribe')),
            remote_id TEXT,
            url TEXT NOT NULL,
            title TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            queued INTEGER NOT NULL
        )
        """,
        """
        CREATE TRIGGER feeds_queue_subscribe AFTER INSERT ON feeds
        WHEN NEW.remote_id IS NULL
            AND EXISTS (SELECT 1 FROM sync_state WHERE key = 'account')
            AND NOT EXISTS (SELECT 1 FROM sync_state WHERE key = 'applying')
        BEGIN
            INSERT INTO sync_feed_queue (action, url, title, tags, queued)
                VALUES ('subscribe', NEW.url, NEW.title, NEW.tags,
                        CAST(strftime('%s', 'now') AS INTEGER));
        END
        """,
        """
        CREATE TRIGGER feeds_queue_unsubscribe AFTER DELETE ON feeds
        WHEN OLD.remote_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM sync_state WHERE key = 'applying')
        BEGIN
            DELETE FROM sync_feed_queue WHERE url = OLD.url;
            INSERT INTO sync_feed_queue (action, remote_id, url, queued)
                VALUES ('unsubscribe', OLD.remote_id, OLD.url,
                        CAST(strftime('%s', 'now') AS INTEGER));
        END
        """,
    ],
    # 5: how often a feed asks to be polled (<ttl>, sy:updatePeriod, Cache-Control max-age),
    # in seconds, as last fetched; NULL when it asks nothing. `refresh --due` and the reader's
    # timer bound it by [network] min_poll_minutes and max_poll_minutes.
    [
        "ALTER TABLE feeds ADD COLUMN poll_seconds INTEGER",
    ],
    # 6: unread and entry counts per feed, kept by triggers in the transaction of every insert,
    # delete and mark (the reader's, mark-all's, a sync's, a prune's), so the feed pane and the
    # header read a few rows instead of counting a million entries. Entries detached from a
    # removed feed (starred ones) count under feed_id 0.
    [
        """
        CREATE TABLE feed_counts (
            feed_id INTEGER PRIMARY KEY,
            entries INTEGER NOT NULL DEFAULT 0,
            unread INTEGER NOT NULL DEFAULT 0
        )
        """,
        """
        INSERT INTO feed_counts (feed_id, entries, unread)
            SELECT COALESCE(feed_id, 0), COUNT(*), SUM(read = 0) FROM entries
            GROUP BY COALESCE(feed_id, 0)
        """,
        """
        CREATE TRIGGER entries_count_insert AFTER INSERT ON entries
        BEGIN
            INSERT INTO feed_counts (feed_id, entries, unread)
                VALUES (COALESCE(NEW.feed_id, 0), 1, NEW.read = 0)
                ON CONFLICT (feed_id) DO UPDATE
                SET entries = entries + 1, unread = unread + excluded.unread;
        END
        """,
        """
        CREATE TRIGGER entries_count_delete AFTER DELETE ON entries
        BEGIN
            UPDATE feed_counts SET entries = entries - 1, unread = unread - (OLD.read = 0)
                WHERE feed_id = COALESCE(OLD.feed_id, 0);
        END
        """,
        """
        CREATE TRIGGER entries_count_update AFTER UPDATE OF read, feed_id ON entries
        WHEN OLD.read != NEW.read OR OLD.feed_id IS NOT NEW.feed_id
        BEGIN
            UPDATE feed_counts SET entries = entries - 1, unread = unread - (OLD.read = 0)
                WHERE feed_id = COALESCE(OLD.feed_id, 0);
            INSERT INTO feed_counts (feed_id, entries, unread)
                VALUES (COALESCE(NEW.feed_id, 0), 1, NEW.read = 0)
                ON CONFLICT (feed_id) DO UPDATE
                SET entries = entries + 1, unread = unread + excluded.unread;
        END
        """,
        """
        CREATE TRIGGER feeds_count_delete AFTER DELETE ON feeds
        BEGIN
            DELETE FROM feed_counts WHERE feed_id = OLD.id AND entries = 0;
        END
        """,
    ],
    # 7: choices the reader remembers in the cache, not in config.toml (the theme).
    [
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ],
    # 8 (issue 14, one story once): versions of one story share `cluster_id` (a label: the
    # smallest entry id the cluster ever had). Entries of the clustering window keep a sketch
    # (core/cluster/near.py): a row saying they were compared, and their sampled shingle
    # hashes for lookup. A changed feed text or a page's text arriving drops the sketch, so
    # the next pass compares the entry again with the text it has now.
    [
        "ALTER TABLE entries ADD COLUMN cluster_id INTEGER",
        "CREATE INDEX entries_cluster ON entries (cluster_id) WHERE cluster_id IS NOT NULL",
        """
        CREATE TABLE cluster_sketches (
            entry_id INTEGER PRIMARY KEY,
            published INTEGER NOT NULL,
            shingles INTEGER NOT NULL,
            sampled INTEGER NOT NULL
        )
        """,
        "CREATE INDEX cluster_sketches_published ON cluster_sketches (published)",
        """
        CREATE TABLE cluster_samples (
            hash INTEGER NOT NULL,
            entry_id INTEGER NOT NULL,
            PRIMARY KEY (hash, entry_id)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX cluster_samples_entry ON cluster_samples (entry_id)",
        """
        CREATE TRIGGER entries_drop_sketch AFTER DELETE ON entries
        BEGIN
            DELETE FROM cluster_samples WHERE entry_id = OLD.id;
            DELETE FROM cluster_sketches WHERE entry_id = OLD.id;
        END
        """,
        """
        CREATE TRIGGER entries_text_changed AFTER UPDATE OF summary, content ON entries
        WHEN OLD.summary != NEW.summary OR OLD.content != NEW.content
        BEGIN
            DELETE FROM cluster_samples WHERE entry_id = NEW.id;
            DELETE FROM cluster_sketches WHERE entry_id = NEW.id;
        END
        """,
        """
        CREATE TRIGGER pages_text_arrived AFTER INSERT ON pages
        WHEN NEW.text IS NOT NULL AND NEW.text != ''
        BEGIN
            DELETE FROM cluster_samples WHERE entry_id IN
                (SELECT id FROM entries WHERE url = NEW.url);
            DELETE FROM cluster_sketches WHERE entry_id IN
                (SELECT id FROM entries WHERE url = NEW.url);
        END
        """,
    ],
    # 9 (issue 14, kill rules): `hidden` says whether a [[hide]] rule matches the entry; NULL
    # until the rules are checked (new entries, changed text, a page's text arriving), and
    # reset to NULL for all when the rules change (their fingerprint is in `settings`, 7).
    [
        "ALTER TABLE entries ADD COLUMN hidden INTEGER",
        # What the listings and counts read when no other filter narrows them.
        "CREATE INDEX entries_shown ON entries (published DESC, id DESC) WHERE hidden IS NOT 1",
        """CREATE INDEX entries_unread_shown ON entries (published DESC, id DESC)
           WHERE read = 0 AND hidden IS NOT 1""",
        """
        CREATE TRIGGER entries_recheck_hidden AFTER UPDATE OF title, summary, content, author,
            categories, paywalled, feed_title ON entries
        WHEN NEW.hidden IS NOT NULL
        BEGIN
            UPDATE entries SET hidden = NULL WHERE id = NEW.id;
        END
        """,
        """
        CREATE TRIGGER pages_recheck_hidden AFTER INSERT ON pages
        WHEN NEW.text IS NOT NULL AND NEW.text != ''
        BEGIN
            UPDATE entries SET hidden = NULL WHERE url = NEW.url AND hidden IS NOT NULL;
        END
        """,
        # Hidden entries are neither listed nor counted: the counters of migration 6 now
        # leave them out, and follow an entry that becomes hidden or shown again.
        "DROP TRIGGER entries_count_insert",
        "DROP TRIGGER entries_count_delete",
        "DROP TRIGGER entries_count_update",
        """
        CREATE TRIGGER entries_count_insert AFTER INSERT ON entries
        WHEN NEW.hidden IS NOT 1
        BEGIN
            INSERT INTO feed_counts (feed_id, entries, unread)
                VALUES (COALESCE(NEW.feed_id, 0), 1, NEW.read = 0)
                ON CONFLICT (feed_id) DO UPDATE
                SET entries = entries + 1, unread = unread + excluded.unread;
        END
        """,
        """
        CREATE TRIGGER entries_count_delete AFTER DELETE ON entries
        WHEN OLD.hidden IS NOT 1
        BEGIN
            UPDATE feed_counts SET entries = entries - 1, unread = unread - (OLD.read = 0)
                WHERE feed_id = COALESCE(OLD.feed_id, 0);
        END
        """,
        """
        CREATE TRIGGER entries_count_update AFTER UPDATE OF read, feed_id, hidden ON entries
        WHEN OLD.read != NEW.read OR OLD.feed_id IS NOT NEW.feed_id
            OR (OLD.hidden IS 1) != (NEW.hidden IS 1)
        BEGIN
            UPDATE feed_counts SET entries = entries - 1, unread = unread - (OLD.read = 0)
                WHERE feed_id = COALESCE(OLD.feed_id, 0) AND OLD.hidden IS NOT 1;
            INSERT INTO feed_counts (feed_id, entries, unread)
                SELECT COALESCE(NEW.feed_id, 0), 1, NEW.read = 0 WHERE NEW.hidden IS NOT 1
                ON CONFLICT (feed_id) DO UPDATE
                SET entries = entries + 1, unread = unread + excluded.unread;
        END
        """,
    ],
    # 10 (issue 15): the search index keeps no copy of its text, which was 40 % of the file
    # and of what every refresh wrote (see search_index.py). Rows indexed with anything but
    # their entry's own text (a page's text, an older folding, a sync's) keep an exact copy
    # for their delete; entries that were never indexed are indexed now. Hidden entries get a
    # small index of their own: a search is counted in the search index when there are none.
    [
        "CREATE INDEX entries_hidden ON entries (id) WHERE hidden = 1",
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
        # The old index carried over and the exact copies found (reindex.py): on a million
        # entries this tokenized everything again, for minutes, without a word.
        move_to_contentless,
        "DROP TABLE entries_fts",
        "ALTER TABLE entries_fts_new RENAME TO entries_fts",
        "INSERT INTO entries_fts (entries_fts, rank) VALUES ('automerge', 8)",
    ],
    # 11 (issue 12): renames and tag changes of a feed the server knows are queued by a
    # trigger like the marks of 4, one row per feed: the newest title and tags, and the tags
    # the server had before the first change not yet sent (what to remove there). A title
    # filled in by a fetch (NULL before) is no rename. A sync applies with `applying` set,
    # which the trigger skips.
    [
        """
        CREATE TABLE sync_feed_edits (
            id INTEGER PRIMARY KEY,
            remote_id TEXT NOT NULL,
            title TEXT,
            renamed INTEGER NOT NULL,
            tags TEXT NOT NULL,
            server_tags TEXT NOT NULL,
            queued INTEGER NOT NULL
        )
        """,
        "CREATE INDEX sync_feed_edits_feed ON sync_feed_edits (remote_id)",
        """
        CREATE TRIGGER feeds_queue_edit AFTER UPDATE OF title, tags ON feeds
        WHEN NEW.remote_id IS NOT NULL
            AND ((OLD.title IS NOT NULL AND OLD.title IS NOT NEW.title) OR OLD.tags != NEW.tags)
            AND NOT EXISTS (SELECT 1 FROM sync_state WHERE key = 'applying')
        BEGIN
            INSERT INTO sync_feed_edits (remote_id, title, renamed, tags, server_tags, queued)
            SELECT NEW.remote_id, NEW.title,
                (OLD.title IS NOT NULL AND OLD.title IS NOT NEW.title)
                    OR COALESCE((SELECT MAX(renamed) FROM sync_feed_edits
                                 WHERE remote_id = NEW.remote_id), 0),
                NEW.tags,
                COALESCE((SELECT server_tags FROM sync_feed_edits
                          WHERE remote_id = NEW.remote_id ORDER BY id LIMIT 1), OLD.tags),
                CAST(strftime('%s', 'now') AS INTEGER);
            DELETE FROM sync_feed_edits WHERE remote_id = NEW.remote_id
                AND id < (SELECT MAX(id) FROM sync_feed_edits WHERE remote_id = NEW.remote_id);
        END
        """,
        """
        CREATE TRIGGER feeds_drop_edits AFTER DELETE ON feeds
        WHEN OLD.remote_id IS NOT NULL
        BEGIN
            DELETE FROM sync_feed_edits WHERE remote_id = OLD.remote_id;
        END
        """,
        # The addresses a feed had before (a permanent redirect followed, a new address given
        # by the user): a server that still lists the old one means this feed.
        "CREATE TABLE feed_urls (url TEXT PRIMARY KEY, feed_id INTEGER NOT NULL)",
        "CREATE INDEX feed_urls_feed ON feed_urls (feed_id)",
        """
        CREATE TRIGGER feeds_remember_url AFTER UPDATE OF url ON feeds
        WHEN OLD.url != NEW.url
        BEGIN
            INSERT OR REPLACE INTO feed_urls (url, feed_id) VALUES (OLD.url, NEW.id);
        END
        """,
        """
        CREATE TRIGGER feeds_forget_urls AFTER DELETE ON feeds
        BEGIN
            DELETE FROM feed_urls WHERE feed_id = OLD.id;
        END
        """,
    ],
    # 12 (issue 14, a cheaper clustering pass): a sample value's entries are one row, their
    # ids as 8 hex digits each and a space between (bytes.fromhex reads them in one step);
    # one row per value and entry cost three times as much to read, and an index by entry
    # to write. A value shared by
    # more than COMMON_SAMPLE entries (boilerplate, left out of the lookup) keeps its count but
    # no ids, so a footer on every entry is never a long row rewritten on each new one. Each
    # sketch keeps its own values, which is how a dropped sketch finds its rows: a trigger
    # takes its id out of them, and gives a value that stops being common its ids again (from
    # the sketches that hold it). The hashes are the same: nothing is sketched again.
    [
        "ALTER TABLE cluster_sketches ADD COLUMN samples TEXT NOT NULL DEFAULT ''",
        """
        UPDATE cluster_sketches SET samples = COALESCE(
            (SELECT group_concat(hash) FROM cluster_samples
             WHERE entry_id = cluster_sketches.entry_id), '')
        """,
        """
        CREATE TABLE cluster_postings (
            hash INTEGER PRIMARY KEY,
            entries INTEGER NOT NULL,
            entry_ids TEXT
        )
        """,
        f"""
        INSERT INTO cluster_postings (hash, entries, entry_ids)
        SELECT hash, COUNT(*),
            iif(COUNT(*) > {COMMON_SAMPLE:d}, NULL, group_concat(printf('%08x', entry_id), ' '))
        FROM cluster_samples GROUP BY hash
        """,
        "DROP TRIGGER entries_drop_sketch",
        "DROP TRIGGER entries_text_changed",
        "DROP TRIGGER pages_text_arrived",
        "DROP TABLE cluster_samples",
        f"""
        CREATE TRIGGER cluster_sketches_drop AFTER DELETE ON cluster_sketches
        BEGIN
            UPDATE cluster_postings SET
                entries = entries - 1,
                entry_ids = CASE
                    WHEN entries - 1 > {COMMON_SAMPLE:d} THEN NULL
                    WHEN entry_ids IS NULL THEN
                        (SELECT group_concat(printf('%08x', s.entry_id), ' ')
                         FROM cluster_sketches s
                         WHERE instr(',' || s.samples || ',', ',' || cluster_postings.hash || ','))
                    ELSE trim(replace(' ' || entry_ids || ' ',
                                      ' ' || printf('%08x', OLD.entry_id) || ' ', ' '))
                END
            WHERE hash IN (SELECT value FROM json_each('[' || OLD.samples || ']'));
            DELETE FROM cluster_postings WHERE entries = 0
                AND hash IN (SELECT value FROM json_each('[' || OLD.samples || ']'));
        END
        """,
        """
        CREATE TRIGGER entries_drop_sketch AFTER DELETE ON entries
        BEGIN
            DELETE FROM cluster_sketches WHERE entry_id = OLD.id;
        END
        """,
        """
        CREATE TRIGGER entries_text_changed AFTER UPDATE OF summary, content ON entries
        WHEN OLD.summary != NEW.summary OR OLD.content != NEW.content
        BEGIN
            DELETE FROM cluster_sketches WHERE entry_id = NEW.id;
        END
        """,
        """
        CREATE TRIGGER pages_text_arrived AFTER INSERT ON pages
        WHEN NEW.text IS NOT NULL AND NEW.text != ''
        BEGIN
            DELETE FROM cluster_sketches WHERE entry_id IN
                (SELECT id FROM entries WHERE url = NEW.url);
        END
        """,
    ],
    # 13 (issue 15): an entry's summary and content may be stored deflated, as a BLOB
    # (packed_text.py). Rows written before stay TEXT and read as they did, so nothing is
    # rewritten; the new version keeps an older newsreader, which would show the BLOB's
    # bytes, away from the cache (`refuse_newer`).
    [_rows_stay_as_they_are],
    # 14 (issues 14 and 15, a cold refresh's clustering): a new entry's sketch as the refresh
    # worker that stored it made it (store/clusters.py, `feed_sketch`), before the write lock
    # and on both cores, waiting for the clustering pass at the refresh's end, which then only
    # looks up and compares. A sketch of the feed's text only: an entry whose page text exists
    # is sketched by the pass, as before. A changed text or a deleted entry drops it; the
    # pass takes it out when it uses it, and drops the ones that fell out of the window.
    # IF NOT EXISTS: a test may replay the migrations before it on a cache of this version.
    [
        """
        CREATE TABLE IF NOT EXISTS cluster_pending (
            entry_id INTEGER PRIMARY KEY,
            published INTEGER NOT NULL,
            shingles INTEGER NOT NULL,
            sampled INTEGER NOT NULL,
            samples TEXT NOT NULL
        )
        """,
        """
        CREATE TRIGGER IF NOT EXISTS entries_drop_pending AFTER DELETE ON entries
        BEGIN
            DELETE FROM cluster_pending WHERE entry_id = OLD.id;
        END
        """,
        """
        CREATE TRIGGER IF NOT EXISTS entries_pending_stale
        AFTER UPDATE OF summary, content ON entries
        WHEN OLD.summary IS NOT NEW.summary OR OLD.content IS NOT NEW.content
        BEGIN
            DELETE FROM cluster_pending WHERE entry_id = NEW.id;
        END
        """,
    ],
    # 15 (issue 15, a cold refresh's inserts): the writers that insert entries add them to
    # the counters once per feed (counts.py); the per-row insert trigger goes. Deletes and
    # updates still count by trigger.
    ["DROP TRIGGER IF EXISTS entries_count_insert"],
    # 16 (issue 15, a cheaper write path): the date order of all entries and of the shown
    # ones is one index, not two; as is that of the unread ones. `hidden` rides in the key
    # after the id (it orders nothing), so a listing that leaves hidden entries out skips them
    # in the index and a count of shown entries still reads the index alone. Each new entry
    # wrote five date-ordered index rows, now three: a tenth of a worker's insert time.
    # Hidden entries are few, so walking past them costs a listing next to nothing.
    [
        _say_date_indexes,
        "DROP INDEX IF EXISTS entries_order",
        "DROP INDEX IF EXISTS entries_shown",
        "CREATE INDEX entries_order ON entries (published DESC, id DESC, hidden)",
        "DROP INDEX IF EXISTS entries_unread_order",
        "DROP INDEX IF EXISTS entries_unread_shown",
        """CREATE INDEX entries_unread_order ON entries (published DESC, id DESC, hidden)
           WHERE read = 0""",
    ],
    # 17 (issue 15, a cheaper parse-and-store): a summary or content may be stored deflated in
    # Latin-1 (packed_text.py, format 2), and an entry's digest is a 16-character checksum
    # (entry_rows.py; the 32- and 40-character ones stored before are still understood).
    # Nothing is rewritten; an older newsreader, which would show format 2 as mojibake, is
    # kept away from the cache (`refuse_newer`).
    [_rows_stay_as_they_are],
    # 18: the keys of the entries retention dropped while their feed still listed them (an
    # archive or a podcast's feed keeps items for years). Such an entry, read and past the
    # age or count limit, came back on the next refresh as a new, unread one; now the feed's
    # writers skip these keys, and forget a key once its feed has not listed it for a month
    # (`unlisted_since`: not at once, as one short answer would bring them all back).
    [
        """
        CREATE TABLE IF NOT EXISTS entries_forgotten (
            feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            unlisted_since INTEGER,
            PRIMARY KEY (feed_id, key)
        ) WITHOUT ROWID
        """,
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


def migrate(conn: sqlite3.Connection, say: Progress | None = None) -> None:
    """Bring the database to SCHEMA_VERSION in one transaction; refuse a newer schema. A long
    step tells `say` what it is doing (a line for the terminal)."""
    version = refuse_newer(conn)
    if version == SCHEMA_VERSION:
        return
    register_functions(conn)  # a migration may fold text
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have migrated while we waited for the write lock.
        version = _user_version(conn)
        for number in range(version + 1, SCHEMA_VERSION + 1):
            for step in MIGRATIONS[number - 1]:
                if isinstance(step, str):
                    conn.execute(step)
                else:
                    step(conn, say)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _user_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])
