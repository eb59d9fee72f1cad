"""Where a cold refresh's worker CPU goes, stage by stage, in one process and without a network.

Farm feeds (bench/farm.py) are parsed and stored as a refresh worker does it, in batches of 8
feeds per transaction, with CPU time (not wall: the machine is shared) taken per stage:
parse (parse_feed), prepare (digests, index text and, in trees that do it there, the new
entries' clustering sketches; all before the write lock), inserts (rows and
index rows), commit, checkpoint (the refresh's main process does it beside the workers), and
the settling pass at the end (kill rules, then clustering with a window that reaches the
farm's items, as for new ones). The network and the main process are not in it: see
refresh.py and scale.py for those.

--src A,B runs each source tree in a child process, interleaved (A B A B), for a before/after
comparison under the same load; the per-stage figures are the best of --runs.

Run: .venv/bin/python bench/refresh_stages.py [--feeds 200] [--runs 3] [--src /tmp/base,.]
                                                [--no-clustering]
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BATCH = 16  # feeds per transaction (a refresh batches more: core/refresh/handover.py BATCH)


def measure(feeds: int, *, clustered: bool = True) -> dict[str, float]:
    """CPU seconds per stage for `feeds` farm feeds, in this process (a child's job)."""
    sys.path.insert(0, str(BENCH))
    from farm import BASE_TIME, generate_feed
    from newsreader.core.parse.feeds import parse_feed
    from newsreader.core.store import feed_writes
    from newsreader.core.store.store import Store

    bodies = [generate_feed(i) for i in range(feeds)]
    headers = {"content-type": "application/rss+xml; charset=utf-8"}
    stages: dict[str, float] = {}

    def add(stage: str, since: float) -> float:
        now = time.process_time()
        stages[stage] = stages.get(stage, 0.0) + now - since
        return now

    with tempfile.TemporaryDirectory(prefix="stages-") as tmp:
        store = Store(Path(tmp) / "newsreader.sqlite3")
        conn = store.conn
        ids = [store.add_feed(f"http://127.0.0.2/feeds/{i:04d}/rss.xml").id for i in range(feeds)]
        store.leave_checkpoints_to_others()
        # Sketched while stored (a refresh's workers do it for the window's new entries)
        # where the tree can; older trees sketch in the clustering pass.
        window_days = (datetime.now(UTC) - BASE_TIME).days + 2
        window_start = int(time.time()) - window_days * 86400
        prepare_feed = getattr(store, "prepare_feed", None)
        can_sketch = prepare_feed and "sketch_after" in inspect.signature(prepare_feed).parameters
        sketching = {"sketch_after": window_start} if can_sketch and clustered else {}
        # Trees since new caches chose their deflate level by page size pass it on; asked
        # once here, not inside the timed inserts.
        write_feeds = getattr(feed_writes, "_write_feeds", None)
        takes_level = write_feeds and "pack_level" in inspect.signature(write_feeds).parameters
        level = {"pack_level": store.pack_level} if takes_level else {}
        entries = 0
        for first in range(0, feeds, BATCH):
            updates = []
            for n in range(first, min(feeds, first + BATCH)):
                t = time.process_time()
                parsed = parse_feed(bodies[n], url=f"http://127.0.0.2/{n}", headers=headers)
                add("parse", t)
                entries += len(parsed.entries)
                updates.append(feed_writes.FeedUpdate(ids[n], parsed, 200, '"etag"', None))
            # The steps of Store.record_feeds, one by one (private names: this is a bench).
            t = time.process_time()
            prepare = getattr(store, "prepare_feed", None) or store._prepare  # older trees
            prepared = [prepare(u, **sketching) for u in updates]
            t = add("prepare", t)
            conn.execute("BEGIN IMMEDIATE")
            if hasattr(feed_writes, "_write_feeds"):
                feed_writes._write_feeds(conn, prepared, **level)
            else:  # a tree from before the index rows were written per batch
                for item in prepared:
                    feed_writes._write_feed(conn, item)  # type: ignore[call-arg]
            t = add("inserts", t)
            conn.execute("COMMIT")
            t = add("commit", t)
            if first // BATCH % 8 == 0:
                store.checkpoint()
                add("checkpoint", t)
        t = time.process_time()
        store.checkpoint()
        t = add("checkpoint", t)
        store.apply_hide_rules(())
        t = add("kill rules", t)
        if clustered:
            store.cluster_recent(window_days=window_days)
            add("clustering", t)
        stages["entries"] = entries
        store.close()
    return stages


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--src", default=str(ROOT), help="source trees, comma-separated")
    ap.add_argument(
        "--no-clustering",
        action="store_true",
        help="no sketches and no clustering pass: a refresh of items older than the window, "
        "as scale.py's farm is by default",
    )
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        print(json.dumps(measure(args.child, clustered=not args.no_clustering)))
        return 0
    srcs = [Path(s).resolve() for s in args.src.split(",") if s]
    best: dict[Path, dict[str, float]] = {}
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {args.feeds} feeds")
    for _ in range(args.runs):
        for src in srcs:
            env = {**os.environ, "PYTHONPATH": str(src / "src")}
            cmd = [sys.executable, __file__, "--child", str(args.feeds)]
            cmd += ["--no-clustering"] if args.no_clustering else []
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(f"ERROR [{src}]: {done.stderr.strip()[-800:]}")
                continue
            stages = json.loads(done.stdout)
            mine = best.setdefault(src, {})
            for stage, value in stages.items():
                mine[stage] = min(mine.get(stage, value), value)
            total = sum(v for k, v in stages.items() if k != "entries")
            print(
                f"  [{src}] {total / args.feeds * 1000:.2f} ms/feed, load {os.getloadavg()[0]:.1f}"
            )
    for src, stages in best.items():
        entries = stages.pop("entries")
        total = sum(stages.values())
        print(f"\n{src}: CPU ms per feed, best of {args.runs} ({entries:.0f} entries)")
        for stage, value in stages.items():
            share = value / total * 100
            print(f"  {stage:<12} {value / args.feeds * 1000:6.2f}  {share:3.0f} %")
        print(f"  {'total':<12} {total / args.feeds * 1000:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
