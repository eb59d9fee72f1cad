"""Retention: read, unstarred entries past the age or per-feed limits go at the end of every
refresh (config [retention]), with their teasers, index rows and the pages nothing links to
any more. The age is the younger of the entry's date and the time it was stored.
"""

from __future__ import annotations

import time

from newsreader.core.store import search_index
from newsreader.core.store.db import Database


class Retention(Database):
    def prune(self, *, max_age_days: int, max_entries_per_feed: int) -> int:
        """Drop read, unstarred entries past the age or per-feed limits, with their teasers,
        index rows and pages no remaining entry links to; then give the space back.

        What can go is found before the write lock is taken, and the lock is taken only when
        something can: on a large cache the search cost seconds of everyone's writing time.
        """
        doomed = self._prunable(int(time.time()), max_age_days, max_entries_per_feed)
        if not doomed:
            return 0
        removed = 0
        with self.transaction() as conn:
            # Each delete (its triggers) opens a savepoint: the index rows go at the end.
            index = search_index.IndexWrites()
            for entry_id in sorted(doomed):
                # Marked unread or starred since it was found: it stays.
                still = conn.execute(
                    "SELECT 1 FROM entries WHERE id = ? AND read = 1 AND starred = 0", (entry_id,)
                ).fetchone()
                if still:
                    index.unindex(conn, [entry_id])
                    # Its feed may list it still: it must not come back as a new entry.
                    conn.execute(
                        """INSERT OR IGNORE INTO entries_forgotten (feed_id, key)
                           SELECT feed_id, key FROM entries
                           WHERE id = ? AND feed_id IS NOT NULL""",
                        (entry_id,),
                    )
                    conn.execute("DELETE FROM entries WHERE id = ?", (entry_id,))
                    removed += 1
            index.flush(conn)
            if removed:
                # Pages nobody links to any more: not an entry's, not a kept teaser target.
                orphans = """SELECT url FROM pages p WHERE
                    NOT EXISTS (SELECT 1 FROM entries e WHERE e.url = p.url)
                    AND NOT EXISTS (SELECT 1 FROM teasers t WHERE t.url = p.url
                                    AND t.entry_id IS NOT NULL)
                    AND NOT EXISTS (SELECT 1 FROM teasers t JOIN entries e ON e.url = t.page_url
                                    WHERE t.url = p.url)"""
                urls = [r[0] for r in conn.execute(orphans)]
                for url in urls:
                    conn.execute("DELETE FROM teasers WHERE page_url = ?", (url,))
                    conn.execute("DELETE FROM pages WHERE url = ?", (url,))
        if removed:
            # executescript steps the pragma to the end; execute() would free one page.
            self.conn.executescript("PRAGMA incremental_vacuum;")
        return removed

    def _prunable(self, now: int, max_age_days: int, max_entries_per_feed: int) -> set[int]:
        """Entries past a limit, read and not starred; each query walks an index, not the
        whole table, unless some feed holds more entries than its limit."""
        conn = self.conn
        doomed: set[int] = set()
        if max_age_days > 0:
            # Old by its date and by when it came: an archive's or a podcast's old item, read
            # the day it came, went at the next refresh (everything read stays readable).
            cutoff = now - max_age_days * 86400
            doomed.update(
                r[0]
                for r in conn.execute(
                    """SELECT id FROM entries WHERE published < ? AND first_seen < ?
                       AND read = 1 AND starred = 0""",
                    (cutoff, cutoff),
                )
            )
        if max_entries_per_feed > 0:
            crowded = conn.execute(
                """SELECT feed_id FROM entries WHERE feed_id IS NOT NULL
                   GROUP BY feed_id HAVING COUNT(*) > ?""",
                (max_entries_per_feed,),
            ).fetchall()
            for (feed_id,) in crowded:
                doomed.update(
                    r[0]
                    for r in conn.execute(
                        """SELECT id FROM (SELECT id, read, starred FROM entries
                               WHERE feed_id = ? ORDER BY published DESC, id DESC
                               LIMIT -1 OFFSET ?)
                           WHERE read = 1 AND starred = 0""",
                        (feed_id, max_entries_per_feed),
                    )
                )
        return doomed
