"""One story once: comparing recent entries and keeping their clusters (issue 14).

A pass (`cluster_recent`) takes the window's entries that have no sketch yet: new ones, ones
whose feed text changed, ones whose page text arrived. Their texts are shingled before the
write lock is taken; inside one transaction each is looked up by its sample, compared exactly
with its few candidates, and joined to their cluster. A version arriving for a story already
read comes in read: the story was read once.
"""

from __future__ import annotations

import sqlite3
import time

from newsreader.core.cluster.near import (
    CONTAINMENT,
    KEEP_ALL_BELOW,
    StoryText,
    Version,
    best_first,
    same_story,
    story_text,
)
from newsreader.core.models import StoryVersion
from newsreader.core.store.db import Database
from newsreader.core.store.textfold import strip_tags

# Candidates compared exactly per entry, most shared sample values first: boilerplate (a
# station's footer) can make many entries share one value, and one story has few versions.
_CANDIDATES = 12
# A sample value more entries of the window share than this is boilerplate (a station's
# footer, "Die Polizei bittet Zeugen"), no sign of one story: it is left out of the lookup,
# which it would otherwise flood.
_COMMON = 200
# Feed bodies this long count as the full article when choosing the best version.
_FULL_TEXT_CHARS = 1500

_TEXT_SQL = """SELECT e.id, e.feed_id, e.url, e.summary, e.content, e.published,
    p.text AS page_text FROM entries e LEFT JOIN pages p ON p.url = e.url"""


class ClusterQueries(Database):
    """Clusters of near-duplicate entries: the pass that builds them, and their versions."""

    def cluster_recent(self, *, window_days: int = 7, batch: int = 1000) -> int:
        """Compare the window's unsketched entries with the window; how many joined a story.

        Batches bound the memory (a shingle set is a few KB) and each write-lock hold."""
        cutoff = int(time.time()) - window_days * 86400
        with self.transaction() as conn:
            old = "SELECT entry_id FROM cluster_sketches WHERE published < ?"
            conn.execute(f"DELETE FROM cluster_samples WHERE entry_id IN ({old})", (cutoff,))
            conn.execute("DELETE FROM cluster_sketches WHERE published < ?", (cutoff,))
        joined, after = 0, 0
        while True:
            rows = self.conn.execute(
                f"""{_TEXT_SQL} WHERE e.published >= ? AND e.id > ? AND NOT EXISTS
                    (SELECT 1 FROM cluster_sketches s WHERE s.entry_id = e.id)
                    ORDER BY e.id LIMIT ?""",
                (cutoff, after, batch),
            ).fetchall()
            if not rows:
                return joined
            after = rows[-1]["id"]
            joined += self._cluster_batch(rows)

    def _cluster_batch(self, rows: list[sqlite3.Row]) -> int:
        texts = {row["id"]: _story_text(row) for row in rows}
        published = {row["id"]: row["published"] for row in rows}
        origins = {row["id"]: (row["feed_id"], row["url"]) for row in rows}
        joined = 0
        with self.transaction() as conn:
            marks = ",".join("?" * len(published))
            done = conn.execute(  # another process's pass may have got here first
                f"SELECT entry_id FROM cluster_sketches WHERE entry_id IN ({marks})",
                list(published),
            )
            sketched = {row[0] for row in done}
            for entry_id in published:
                text = texts[entry_id]
                if entry_id in sketched:
                    continue
                candidates = _candidates(conn, text, entry_id)
                conn.execute(
                    """INSERT INTO cluster_sketches (entry_id, published, shingles, sampled)
                       VALUES (?, ?, ?, ?)""",
                    (entry_id, published[entry_id], len(text.shingles), text.sampled),
                )
                conn.executemany(
                    "INSERT OR IGNORE INTO cluster_samples (hash, entry_id) VALUES (?, ?)",
                    ((h, entry_id) for h in text.sample),
                )
                matches = [
                    other
                    for other in candidates
                    if _other_sources(origins[entry_id], _origin(conn, other, origins))
                    and same_story(text, texts.get(other) or _load_text(conn, other, texts))
                ]
                if matches:
                    _join(conn, entry_id, matches)
                    joined += 1
        return joined

    def clear_clusters(self) -> None:
        """Clustering turned off: every entry stands alone again (sketches are kept)."""
        with self.transaction() as conn:
            conn.execute("UPDATE entries SET cluster_id = NULL WHERE cluster_id IS NOT NULL")

    def story_versions(self, entry_id: int) -> list[StoryVersion]:
        """Every version of the entry's story, the best first; [] when it stands alone."""
        rows = self.conn.execute(
            """SELECT e.id, e.feed_title, e.title, e.published, e.paywalled,
                   p.paywalled AS page_paywalled, length(e.content) AS content_len,
                   length(p.text) AS page_len
               FROM entries e LEFT JOIN pages p ON p.url = e.url
               WHERE e.cluster_id = (SELECT cluster_id FROM entries WHERE id = ?)""",
            (entry_id,),
        ).fetchall()
        if len(rows) < 2:
            return []
        by_id = {row["id"]: row for row in rows}
        versions = [
            Version(
                entry_id=row["id"],
                full_text=bool(row["page_len"]) or (row["content_len"] or 0) >= _FULL_TEXT_CHARS,
                paywalled=bool(row["paywalled"] or row["page_paywalled"]),
                published=row["published"],
                length=max(row["page_len"] or 0, row["content_len"] or 0),
            )
            for row in rows
        ]
        return [
            StoryVersion(
                id=v.entry_id,
                feed_title=by_id[v.entry_id]["feed_title"],
                title=by_id[v.entry_id]["title"],
                paywalled=v.paywalled,
            )
            for v in best_first(versions)
        ]


def _story_text(row: sqlite3.Row) -> StoryText:
    """The longer of the feed's text and the page's (a paywalled page can be the shorter)."""
    feed_text = strip_tags(row["summary"] + " " + row["content"])
    page_text = row["page_text"] or ""
    return story_text(page_text if len(page_text) > len(feed_text) else feed_text)


def _candidates(conn: sqlite3.Connection, text: StoryText, entry_id: int) -> list[int]:
    """The entries worth comparing exactly, most shared sample values first: the sample's
    estimate of containment, kept loose (a teaser's sample holds a handful of values). In SQL,
    because the farm's entries share a pool sentence with hundreds of others, and a Python
    loop over those rows cost more than the rest of the pass."""
    sample = text.sample
    if not sample:
        return []
    marks = ",".join("?" * len(sample))
    own_all, own_sampled = len(text.shingles), text.sampled
    rows = conn.execute(
        f"""WITH rare AS (SELECT hash FROM cluster_samples WHERE hash IN ({marks})
                          GROUP BY hash HAVING COUNT(*) <= ?)
            SELECT m.entry_id
            FROM (SELECT entry_id, COUNT(*) AS shared FROM cluster_samples
                  WHERE hash IN (SELECT hash FROM rare) AND entry_id != ? GROUP BY entry_id) m
            JOIN cluster_sketches s ON s.entry_id = m.entry_id
            WHERE CASE WHEN s.shingles < ? AND ? < ?
                       THEN m.shared >= ? * min(s.shingles, ?)
                       ELSE m.shared >= max(1, ? * min(s.sampled, ?)) END
            ORDER BY m.shared DESC, m.entry_id LIMIT ?""",
        (
            *sample,
            _COMMON,
            entry_id,
            *(KEEP_ALL_BELOW, own_all, KEEP_ALL_BELOW),  # both kept every shingle:
            *(CONTAINMENT, own_all),  # the shared count is exact
            *(CONTAINMENT * 0.75, own_sampled),  # else a sample's estimate, kept loose
            _CANDIDATES,
        ),
    ).fetchall()
    return [row[0] for row in rows]


def _origin(
    conn: sqlite3.Connection, entry_id: int, cache: dict[int, tuple[int | None, str | None]]
) -> tuple[int | None, str | None]:
    if entry_id not in cache:
        row = conn.execute("SELECT feed_id, url FROM entries WHERE id = ?", (entry_id,))
        found = row.fetchone()
        cache[entry_id] = (found[0], found[1]) if found is not None else (None, None)
    return cache[entry_id]


def _other_sources(a: tuple[int | None, str | None], b: tuple[int | None, str | None]) -> bool:
    """Two articles of one feed at two addresses are two stories, whatever their text says: a
    site's cookie wall or subscription stub reads the same on every page it blocks."""
    return a[0] != b[0] or a[0] is None or a[1] == b[1]


def _load_text(conn: sqlite3.Connection, entry_id: int, cache: dict[int, StoryText]) -> StoryText:
    row = conn.execute(f"{_TEXT_SQL} WHERE e.id = ?", (entry_id,)).fetchone()
    text = _story_text(row) if row is not None else StoryText(frozenset(), frozenset())
    cache[entry_id] = text
    return text


def _join(conn: sqlite3.Connection, entry_id: int, matches: list[int]) -> None:
    """Put the entry and its matches (with their clusters) under one label."""
    ids = [entry_id, *matches]
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT id, cluster_id, read FROM entries WHERE id IN ({marks})", ids
    ).fetchall()
    labels = {row["cluster_id"] if row["cluster_id"] is not None else row["id"] for row in rows}
    label = min(labels | set(ids))
    label_marks = ",".join("?" * len(labels))
    members = f"id IN ({marks}) OR cluster_id IN ({label_marks})"
    others_unread = conn.execute(
        f"SELECT COUNT(*) FROM entries WHERE ({members}) AND id != ? AND read = 0",
        (*ids, *labels, entry_id),
    ).fetchone()[0]
    conn.execute(f"UPDATE entries SET cluster_id = ? WHERE {members}", (label, *ids, *labels))
    if not others_unread:
        conn.execute("UPDATE entries SET read = 1 WHERE id = ? AND read = 0", (entry_id,))
