"""One story once: comparing recent entries and keeping their clusters (issue 14).

A pass (`cluster_recent`) takes the window's entries that have no sketch yet: new ones, ones
whose feed text changed, ones whose page text arrived. Their texts are shingled before the
write lock is taken; inside one transaction each is looked up by its sample, compared exactly
with its few candidates, and joined to their cluster. A version arriving for a story already
read comes in read: the story was read once.

A refresh's workers sketch the new entries' feed texts as they store them (`feed_sketch`,
kept in cluster_pending): a cold refresh of thousands of new entries then sketches on both
cores while it fetches, and its pass reads a few numbers per entry instead of its text,
loading the whole text only of an entry that has candidates to compare with.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
import time
from itertools import chain, repeat
from operator import floordiv
from typing import TYPE_CHECKING, Any, TypeVar

from newsreader.core.cluster.near import (
    StoryText,
    Version,
    best_first,
    same_story,
    story_text,
)
from newsreader.core.store.cluster_lookup import ID_BYTES, SampleIndex, Sizes, Sketch, sketch_of
from newsreader.core.store.db import Database
from newsreader.core.store.packed_text import unpack_text
from newsreader.core.store.schema import COMMON_SAMPLE
from newsreader.core.store.textfold import feed_text

if TYPE_CHECKING:  # types only (the reader's start-up does without them)
    from newsreader.core.article_records import StoryVersion

# Feed bodies this long count as the full article when choosing the best version.
_FULL_TEXT_CHARS = 1500

_T = TypeVar("_T")

# A batch's entries added to their sample values' rows: ids as 8 hex digits and a space
# (schema migration 12), and none kept in a row past COMMON_SAMPLE entries.
_ADD_POSTINGS = f"""
    INSERT INTO cluster_postings (hash, entries, entry_ids)
        VALUES (?1, ?2, iif(?2 > {COMMON_SAMPLE:d}, NULL, ?3))
    ON CONFLICT (hash) DO UPDATE SET
        entries = entries + excluded.entries,
        entry_ids = iif(entries + excluded.entries > {COMMON_SAMPLE:d}, NULL,
                        entry_ids || ' ' || excluded.entry_ids)"""
# Entry ids past this (four billion entries) do not fit the stored form: never clustered.
_LAST_ID = (1 << 32) - 1

_TEXT_SQL = """SELECT e.id, e.feed_id, e.url, e.summary, e.content, e.published,
    p.text AS page_text FROM entries e LEFT JOIN pages p ON p.url = e.url"""
# A batch's entries for the pass: the worker's sketch where it holds (no page text, which
# could be the longer), else the text to sketch now. CASE leaves the text unread otherwise.
_SKETCH_HERE = "(s.entry_id IS NULL OR coalesce(p.text, '') != '')"
_BATCH_SQL = f"""SELECT e.id, e.feed_id, e.url, e.published, {_SKETCH_HERE} AS sketch_here,
    s.shingles, s.sampled, s.samples,
    iif({_SKETCH_HERE}, e.summary, NULL) AS summary,
    iif({_SKETCH_HERE}, e.content, NULL) AS content,
    iif({_SKETCH_HERE}, p.text, NULL) AS page_text
    FROM entries e LEFT JOIN pages p ON p.url = e.url
    LEFT JOIN cluster_pending s ON s.entry_id = e.id"""


class ClusterQueries(Database):
    """Clusters of near-duplicate entries: the pass that builds them, and their versions."""

    def cluster_recent(self, *, window_days: int = 7, batch: int = 1000) -> int:
        """Compare the window's unsketched entries with the window; how many joined a story.

        Batches bound the memory (a shingle set is a few KB) and each write-lock hold."""
        cutoff = int(time.time()) - window_days * 86400
        with self.transaction() as conn:  # a trigger takes them out of cluster_postings
            conn.execute("DELETE FROM cluster_sketches WHERE published < ?", (cutoff,))
            conn.execute("DELETE FROM cluster_pending WHERE published < ?", (cutoff,))
        # The ids first, from the covering (published, id) index: a scan of the table would
        # read each entry's text to reach `published`, which is stored after it.
        unsketched = sorted(
            row[0]
            for row in self.conn.execute(
                """SELECT e.id FROM entries e WHERE e.published >= ? AND e.id <= ? AND NOT EXISTS
                   (SELECT 1 FROM cluster_sketches s WHERE s.entry_id = e.id)""",
                (cutoff, _LAST_ID),
            )
        )
        joined = 0
        sizes: Sizes | None = None
        cursor = self.conn.cursor()
        cursor.row_factory = None  # plain tuples: a Row's lookup by name cost more
        for start in range(0, len(unsketched), batch):
            rows = cursor.execute(
                f"{_BATCH_SQL} WHERE e.id IN (SELECT value FROM json_each(?)) ORDER BY e.id",
                (json.dumps(unsketched[start : start + batch]),),
            ).fetchall()
            batch_joined, sizes = self._cluster_batch(rows, sizes)
            joined += batch_joined
        return joined

    def _cluster_batch(
        self, rows: list[tuple[Any, ...]], carried: Sizes | None
    ) -> tuple[int, Sizes | None]:
        """Cluster one batch; with it the window's sketch sizes, for the next batch."""
        # Only a thread has others to let run: a refresh's worker process has no other.
        pause = _yielding if threading.active_count() > 1 else _as_is
        # The plain texts of the entries sketched here, shingled whole (`story_text`) only when
        # they meet a candidate, like the others' (which are read then): most never do.
        texts: dict[int, StoryText | str] = {}
        sketches_of: dict[int, Sketch] = {}
        published: dict[int, int] = {}
        origins: dict[int, tuple[int | None, str | None]] = {}
        for entry_id, feed_id, url, when, here, shingles, sampled, samples, *text in rows:
            published[entry_id], origins[entry_id] = when, (feed_id, url)
            if here:
                plain = texts[entry_id] = _plain_text(*text)
                sketch = pause(sketch_of(plain))
            else:
                sample = samples.split(",") if samples else []
                sketch = Sketch(shingles, sampled, sample, samples)
            sketches_of[entry_id] = sketch
        joined = 0
        with self.transaction() as conn:
            marks = ",".join("?" * len(published))
            done = conn.execute(  # another process's pass may have got here first
                f"SELECT entry_id FROM cluster_sketches WHERE entry_id IN ({marks})",
                list(published),
            )
            sketched = {row[0] for row in done}
            # The sizes the last batch left are the table's if no other connection wrote
            # since: then this batch need not read the whole window again.
            version = conn.execute("PRAGMA data_version").fetchone()[0]
            if carried is not None and carried.version != version:
                carried = None
            values = ",".join(set(chain.from_iterable(s.sample for s in sketches_of.values())))
            index = SampleIndex(conn, f"[{values}]", carried)
            sketches: list[tuple[int, int, int, int, str]] = []
            for entry_id in published:
                pause(None)
                sketch = sketches_of[entry_id]
                if entry_id in sketched:
                    continue
                candidates = index.candidates(sketch, entry_id)
                index.add(entry_id, sketch)
                sketches.append(
                    (entry_id, published[entry_id], sketch.shingles, sketch.sampled, sketch.stored)
                )
                others = [
                    other
                    for other in candidates
                    if _other_sources(origins[entry_id], _origin(conn, other, origins))
                ]
                if not others:
                    continue
                whole = _whole_text(conn, entry_id, texts)
                matches = [
                    other for other in others if same_story(whole, _whole_text(conn, other, texts))
                ]
                if matches:
                    _join(conn, entry_id, matches)
                    joined += 1
            # Written once at the end: the batch's lookups go to `index`, not to these tables.
            conn.executemany(
                """INSERT INTO cluster_sketches (entry_id, published, shingles, sampled, samples)
                   VALUES (?, ?, ?, ?, ?)""",
                sketches,
            )
            conn.execute(
                f"DELETE FROM cluster_pending WHERE entry_id IN ({marks})", list(published)
            )
            # Built by C-level maps: a batch adds thousands of values.
            added = index.added
            ids_of = list(map(added.__getitem__, added))
            conn.executemany(
                _ADD_POSTINGS,
                zip(
                    added,
                    map(floordiv, map(len, ids_of), repeat(ID_BYTES)),
                    map(bytes.hex, ids_of, repeat(" "), repeat(ID_BYTES)),
                    strict=True,
                ),
            )
        return joined, dataclasses.replace(
            index.sizes, version=version
        ) if index.sizes.whole else None

    def clear_clusters(self) -> None:
        """Clustering turned off: every entry stands alone again (sketches are kept). Asked
        first, in the partial index, so a cache without clusters takes no write lock: every
        command and the reader's start call this while [cluster] is off."""
        if self.conn.execute(
            "SELECT 1 FROM entries WHERE cluster_id IS NOT NULL LIMIT 1"
        ).fetchone():
            with self.transaction() as conn:
                conn.execute("UPDATE entries SET cluster_id = NULL WHERE cluster_id IS NOT NULL")

    def story_versions(self, entry_id: int) -> list[StoryVersion]:
        """Every version of the entry's story, the best first; [] when it stands alone."""
        from newsreader.core.article_records import StoryVersion  # start-up speed

        rows = self.conn.execute(
            """SELECT e.id, e.feed_title, e.title, e.published, e.paywalled,
                   p.paywalled AS page_paywalled, newsreader_length(e.content) AS content_len,
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


def _as_is(value: _T) -> _T:
    return value


def _yielding(value: _T) -> _T:
    """Lets another thread of this process run now: a small refresh clusters on a thread of the
    reader's process, whose UI thread would otherwise wait out Python's switch interval (5 ms)
    for the GIL each time it gave it up, several times a frame. Not in a process of one
    thread (a refresh's worker): there each call cost ~6 us of CPU, and under load the
    rest of the time slice."""
    time.sleep(0)
    return value


def _plain_text(summary: str | bytes, content: str | bytes, page_text: str | None) -> str:
    """The longer of the feed's text and the page's (a paywalled page can be the shorter)."""
    plain = feed_text(unpack_text(summary), unpack_text(content))
    page_text = page_text or ""
    return page_text if len(page_text) > len(plain) else plain


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


def _whole_text(
    conn: sqlite3.Connection, entry_id: int, texts: dict[int, StoryText | str]
) -> StoryText:
    """The entry's text shingled for comparison: from its plain text if the batch holds it,
    else read from the store; kept for its next comparison."""
    text = texts.get(entry_id)
    if isinstance(text, StoryText):
        return text
    if text is None:
        row = conn.execute(f"{_TEXT_SQL} WHERE e.id = ?", (entry_id,)).fetchone()
        text = _plain_text(row["summary"], row["content"], row["page_text"]) if row else ""
    whole = texts[entry_id] = story_text(text)
    return whole


def _join(conn: sqlite3.Connection, entry_id: int, matches: list[int]) -> None:
    """Put the entry and its matches (with their clusters) under one label.

    Only rows whose label changes are written, and the story's unread state is asked for one
    row: rewriting every member of a story on each join made a pass quadratic in the story's
    size (a run of 17,775 chained versions on a generated million-entry cache had not ended
    after 10 minutes; 100,000 entries: 28 s, now 5 s)."""
    ids = [entry_id, *matches]
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT id, cluster_id, read FROM entries WHERE id IN ({marks})", ids
    ).fetchall()
    labels = {row["cluster_id"] if row["cluster_id"] is not None else row["id"] for row in rows}
    label = min(labels | set(ids))
    others_unread = any(row["id"] != entry_id and not row["read"] for row in rows)
    if not others_unread:
        label_marks = ",".join("?" * len(labels))
        others_unread = conn.execute(
            f"""SELECT EXISTS (SELECT 1 FROM entries WHERE cluster_id IN ({label_marks})
                AND id != ? AND read = 0)""",
            (*labels, entry_id),
        ).fetchone()[0]
    moving = sorted(labels - {label})  # the stories merged into this one, if any
    # Without stories to merge, no OR: an empty `IN ()` in it made SQLite scan the table.
    members = f"id IN ({marks})"
    if moving:
        members = f"({members} OR cluster_id IN ({','.join('?' * len(moving))}))"
    conn.execute(
        f"UPDATE entries SET cluster_id = ? WHERE {members} AND cluster_id IS NOT ?",
        (label, *ids, *moving, label),
    )
    if not others_unread:
        conn.execute("UPDATE entries SET read = 1 WHERE id = ? AND read = 0", (entry_id,))
