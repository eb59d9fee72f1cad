"""Issue 14's local power on the million-entry cache (bigcache.py): stories reprinted by other
feeds and clustered, a few watch words, several saved searches.

The generated cache has no two entries of one story (its texts are random picks from a pool
of sentences), so clustering would find nothing and cost the reader nothing. `add_reprints`
copies one entry in `EVERY` of the last week into one to three other feeds, with a new
headline and a credit line, as a wire story is reprinted, and joins each to its original's
cluster straight in SQLite, as the clustering pass labels one (the lowest id of the story).
`prepare` then runs the pass once over the week, as the refreshes that stored it would have:
with summaries of each entry's own sentences (bigcache.py) it finds the planted reprints and
nothing else, in about 25 s at a million entries.
newsreader is imported inside the functions, so it is the tree under test that does it.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

EVERY = 150  # of the last week's entries, one in this many is reprinted
WINDOW_DAYS = 7

# Folded like search: one word common in the generated text, one multi-word name, one rare.
WATCH = ("Freibad", "Hammer Straße", "Kreuzviertel", "Zwetschgendatschi")

# (name, query, unread): words, phrases, OR, -word, feed:, after:, as issue 14 lists them.
SEARCHES = (
    ("Baustellen", "baustelle OR umleitung", True),
    ("Polizei", "polizei unfall", True),
    ("Freibad offen", '"freibad öffnungszeiten"', True),
    ("Lokalzeitung 12", 'feed:"Lokalzeitung 12"', True),
    ("Münster, nicht Köln", "münster -köln", True),
    ("Diese Woche", "after:{week} stadt", True),
    ("Selten", "zwetschgendatschi OR kreuzviertel", False),
    ("Rat", "gemeinderat beschluss", False),
)


def settings() -> str:
    """The watch words and saved searches as JSON, for the reader children's argv."""
    week = (datetime.now(UTC) - timedelta(days=WINDOW_DAYS)).date().isoformat()
    searches = [(name, query.format(week=week), unread) for name, query, unread in SEARCHES]
    return json.dumps({"watch": list(WATCH), "searches": searches}, ensure_ascii=False)


def config_from(spec: str) -> Any:
    """The reader's Config for `settings()`: clustering on (the default), watch words, saved
    searches, no refresh on start."""
    from newsreader.core.config import Config, ReaderConfig, SavedSearch, WatchConfig

    chosen = json.loads(spec) if spec else {"watch": [], "searches": []}
    return Config(
        reader=ReaderConfig(refresh_on_start=False),
        watch=WatchConfig(words=tuple(chosen["watch"])),
        searches=tuple(
            SavedSearch(name, query, unread=unread, where=f"[[search]] #{n + 1}")
            for n, (name, query, unread) in enumerate(chosen["searches"])
        ),
    )


def add_reprints(store: Any, seed: int = 14) -> int:
    """Reprint one in `EVERY` of the window's entries in other feeds; returns how many copies."""
    from newsreader.core.parsed import ParsedEntry, ParsedFeed
    from newsreader.core.store.feed_writes import FeedUpdate

    unpack_text: Callable[[Any], str] = str  # a tree from before packed text: TEXT as it is
    try:
        from newsreader.core.store import packed_text

        unpack_text = packed_text.unpack_text
    except ImportError:
        pass

    rng = random.Random(seed)
    cutoff = int(time.time()) - WINDOW_DAYS * 86400
    rows = store.conn.execute(
        """SELECT id, feed_id, title, summary, content, published FROM entries
           WHERE published >= ? AND id % ? = 0 ORDER BY id""",
        (cutoff, EVERY),
    ).fetchall()
    feeds = [row[0] for row in store.conn.execute("SELECT id FROM feeds ORDER BY id")]
    per_feed: dict[int, list[Any]] = {}
    for n, (entry_id, feed_id, title, packed_summary, packed_content, published) in enumerate(rows):
        summary, content = unpack_text(packed_summary), unpack_text(packed_content)
        for copy in range(rng.randint(1, 3)):
            other = rng.choice([f for f in feeds if f != feed_id])
            site = f"https://www.nachdruck-{other}.de"
            per_feed.setdefault(other, []).append(
                ParsedEntry(
                    key=f"{site}/reprint/{entry_id}-{copy}",
                    title=f"{title} (Nachdruck)",
                    url=f"{site}/lokales/reprint-{entry_id}-{copy}.html",
                    author=None,
                    summary=summary.replace("</p>", " (dpa/lno)</p>", 1),
                    content=content,
                    published=datetime.fromtimestamp(published, UTC) + timedelta(minutes=n % 90),
                    categories=("Lokales",),
                    html_base=f"{site}/",
                )
            )
    updates = [
        FeedUpdate(feed_id, ParsedFeed(f"Lokalzeitung {feed_id}", None, tuple(items)), 200)
        for feed_id, items in per_feed.items()
    ]
    for start in range(0, len(updates), 50):
        store.record_feeds(updates[start : start + 50])
    with store.transaction() as conn:
        reprints = conn.execute("SELECT id, key FROM entries WHERE key LIKE '%/reprint/%'")
        for reprint_id, key in reprints.fetchall():
            original = int(key.rsplit("/", 1)[1].split("-")[0])
            conn.execute(
                "UPDATE entries SET cluster_id = ? WHERE id IN (?, ?)",
                (original, original, reprint_id),
            )
            # A version arriving for a story already read comes in read.
            conn.execute(
                "UPDATE entries SET read = (SELECT read FROM entries WHERE id = ?) WHERE id = ?",
                (original, reprint_id),
            )
    return sum(len(items) for items in per_feed.values())


def prepare(data_dir: Path) -> str:
    """Reprints, clusters, and the saved searches' first count: a reader that ran before."""
    from newsreader.core.store.saved_searches import search_filter
    from newsreader.core.store.store import Store

    store = Store.in_dir(data_dir)
    t = time.perf_counter()
    copies = add_reprints(store)
    took_reprints = time.perf_counter() - t
    # The week compared as the refreshes that stored it would have: else the first refresh
    # on the cache pays a pass over the whole week (25 s at a million entries).
    t = time.perf_counter()
    cluster_recent = getattr(store, "cluster_recent", None)  # a tree from before clustering
    if cluster_recent is not None:
        cluster_recent(window_days=WINDOW_DAYS)
    took_pass = time.perf_counter() - t
    # Not due, the reprinting ones too (storing them set their next fetch): the refresh on top
    # fetches only the farm's feeds, not 2,000 at a closed port.
    with store.transaction() as conn:
        conn.execute("UPDATE feeds SET next_fetch_after = ?", (int(time.time()) + 86400,))
    joined, clusters = store.conn.execute(
        "SELECT COUNT(*), COUNT(DISTINCT cluster_id) FROM entries WHERE cluster_id IS NOT NULL"
    ).fetchone()
    counted = []
    for search in config_from(settings()).searches:
        t = time.perf_counter()
        hits = store.count_entries(search_filter(search))
        counted.append(f"{search.name} {hits:,} in {time.perf_counter() - t:.2f} s")
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return (
        f"{copies} reprints in {took_reprints:.0f} s, the week compared in {took_pass:.0f} s,"
        f" {joined} entries in {clusters} stories;"
        " saved searches: " + "; ".join(counted)
    )
