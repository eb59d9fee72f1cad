"""What one story once costs (issue 14): clustering a cache from scratch, and per refresh.

Run: cd bench && ../.venv/bin/python clusters.py [--scratch 50000] [--recent 10000] [--new 500]
    [--runs 5]
Wall and CPU seconds are both printed: on a loaded machine the CPU time is the figure, and the
load average is printed beside it. The incremental pass runs --runs times, each on a fresh copy
of one prepared cache.

Entries are the bench farm's items (one pool of template sentences: a false friend for any
shingle method), stored straight through the Store with their dates moved into the window;
among the new ones every 20th is a reprint of a recent entry (new headline, first sentence
rewritten, end cut), which the pass should find, and nothing else: each story it forms should
be one reprint with its original.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from farm import generate_feed
from newsreader.core.parse.feeds import parse_feed
from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.store.feed_writes import FeedUpdate
from newsreader.core.store.store import Store

NOW = datetime.now(UTC)


def farm_entries(count: int, first_feed: int, window: timedelta) -> list[list[ParsedEntry]]:
    """`count` farm items in feeds of ~35, dated evenly over the window, newest first."""
    feeds: list[list[ParsedEntry]] = []
    total, index = 0, first_feed
    while total < count:
        parsed = parse_feed(generate_feed(index), url=f"http://farm/{index}", headers={})
        items = list(parsed.entries[: count - total])
        feeds.append(items)
        total += len(items)
        index += 1
    step = window / max(1, count)
    dated, n = [], 0
    for items in feeds:
        dated.append([replace(e, published=NOW - step * (n + i)) for i, e in enumerate(items)])
        n += len(items)
    return dated


def store_feeds(store: Store, feeds: list[list[ParsedEntry]], prefix: str) -> None:
    updates = []
    for i, items in enumerate(feeds):
        feed = store.add_feed(f"http://{prefix}{i}.farm.example/feed")
        updates.append(FeedUpdate(feed.id, _parsed(items), 200))
    for start in range(0, len(updates), 20):
        store.record_feeds(updates[start : start + 20])


def _parsed(items: list[ParsedEntry]) -> ParsedFeed:
    return ParsedFeed(title="farm", site_url=None, entries=tuple(items))


def reprint(entry: ParsedEntry, n: int) -> ParsedEntry:
    paragraphs = entry.content.split("</p>")
    cut = paragraphs[: max(2, len(paragraphs) * 2 // 3)]
    cut[0] = "<p>Wie erst jetzt bekannt wurde, ist es so gekommen."
    return replace(
        entry,
        key=f"reprint-{n}",
        title="Nachgedruckt: " + entry.title,
        content="</p>".join(cut) + "</p><p>(dpa/lno)</p>",
        published=NOW - timedelta(minutes=n),
    )


def prepare_week(path: Path, recent_count: int, new_count: int) -> dict[str, str]:
    """A cache of a week's `recent_count` entries, clustered, and `new_count` new ones not yet
    clustered, every 20th of them a reprint of a recent story; {reprint key: original key}."""
    store = Store(path)
    recent = farm_entries(recent_count, 5000, timedelta(days=6, hours=20))
    store_feeds(store, recent, "r")
    store.cluster_recent(window_days=7)
    flat = [e for items in recent for e in items]
    new = farm_entries(new_count, 9000, timedelta(hours=1))
    originals: dict[str, str] = {}
    for items in new:
        for i in range(0, len(items), 20):
            original = flat[(len(originals) * 97) % len(flat)]
            items[i] = reprint(original, len(originals))
            originals[items[i].key] = original.key
    store_feeds(store, new, "n")
    store.close()  # the last connection checkpoints the WAL into the file
    return originals


def _wrong_stories(store: Store, originals: dict[str, str]) -> int:
    """Stories that are not exactly one planted reprint with the recent entry it copies
    (`originals`: reprint key -> original key): a false merge shows up here."""
    stories = store.conn.execute(
        """SELECT json_group_array(key) FROM entries
           WHERE cluster_id IS NOT NULL GROUP BY cluster_id"""
    ).fetchall()
    expected = {frozenset(pair) for pair in originals.items()}
    return sum(1 for (keys,) in stories if frozenset(json.loads(keys)) not in expected)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scratch", type=int, default=50_000)
    parser.add_argument("--recent", type=int, default=10_000)
    parser.add_argument("--new", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    week = timedelta(days=6, hours=20)
    with tempfile.TemporaryDirectory() as tmp:
        if args.scratch:
            store = Store(Path(tmp) / "scratch.sqlite3")
            store_feeds(store, farm_entries(args.scratch, 0, week), "s")
            started, cpu = time.perf_counter(), time.process_time()
            joined = store.cluster_recent(window_days=7)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            sketch_rows = store.conn.execute(
                "SELECT SUM(entries) FROM cluster_postings"
            ).fetchone()[0]
            print(
                f"from scratch: {args.scratch} entries clustered in {seconds:.2f} s "
                f"({cpu:.2f} s CPU, {cpu / args.scratch * 1e6:.0f} µs each), "
                f"{joined} joined (0 expected), "
                f"{sketch_rows} sample values kept ({sketch_rows / args.scratch:.1f} per entry), "
                f"peak RSS of the bench {peak_mb():.0f} MB (the farm's entries are held in memory)"
            )
            store.close()
        prepared = Path(tmp) / "prepared.sqlite3"
        originals = prepare_week(prepared, args.recent, args.new)
        planted = len(originals)
        cpus = []
        for run in range(args.runs):
            copy = Path(tmp) / f"run{run}.sqlite3"
            shutil.copyfile(prepared, copy)
            store = Store(copy)
            started, cpu = time.perf_counter(), time.process_time()
            joined = store.cluster_recent(window_days=7)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            cpus.append(cpu)
            wrong = _wrong_stories(store, originals)
            print(
                f"incremental: {args.new} new entries against {args.recent} recent in "
                f"{seconds:.3f} s ({cpu:.3f} s CPU; target < 0.3 s; load average "
                f"{os.getloadavg()[0]:.1f}); {joined} joined a story of {planted} reprints "
                f"planted; {wrong} stories other than a reprint with its original"
            )
            store.close()
        print(
            f"incremental CPU over {args.runs} runs: median {statistics.median(cpus):.3f} s, "
            f"min {min(cpus):.3f} s, max {max(cpus):.3f} s"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
