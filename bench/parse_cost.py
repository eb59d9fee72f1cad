"""Instructions per farm feed to parse it and to prepare its rows (digests, index text), counted
by valgrind's cachegrind: a figure the machine's load does not move, unlike CPU time.

Children run under cachegrind: one with imports, the farm's feeds and a first parse to warm
caches only, one that also parses every feed, one that then also prepares every entry; the
differences over --feeds are the stages' costs. --src A,B counts each source tree
(before/after). Needs valgrind; takes about a minute per tree.

Run: .venv/bin/python bench/parse_cost.py [--feeds 40] [--src /tmp/base,.]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
STAGES = ("parse", "prepare")


def child(stage: str, feeds: int) -> None:
    """The work measured, or (stage "none") everything around it."""
    sys.path.insert(0, str(BENCH))
    # Imported here: the child measures the tree on its own PYTHONPATH (--src), not this one.
    from farm import generate_feed
    from newsreader.core.parse.feeds import parse_feed
    from newsreader.core.store import feed_writes, packed_text

    # A new cache's level (16 KB pages), in trees that choose one.
    quick = getattr(packed_text, "QUICK_LEVEL", None)
    level = {} if quick is None else {"pack_level": quick}
    headers = {"content-type": "application/rss+xml; charset=utf-8"}
    bodies = [generate_feed(i) for i in range(feeds)]
    first = parse_feed(bodies[0], url="http://127.0.0.2/warm", headers=headers).entries[0]
    feed_writes.entry_digest(first)
    feed_writes.entry_text(first, **level)
    urls = [f"http://127.0.0.2/feeds/{i:04d}/rss.xml" for i in range(feeds)]
    if stage == "none":
        return
    parsed = [parse_feed(b, url=u, headers=headers) for b, u in zip(bodies, urls, strict=True)]
    if stage == "prepare":
        for feed in parsed:
            for entry in feed.entries:
                feed_writes.entry_digest(entry)
                feed_writes.entry_text(entry, **level)


def instructions(src: Path, stage: str, feeds: int) -> int:
    env = {**os.environ, "PYTHONPATH": str(src / "src")}
    cmd = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        stage,
        "--feeds",
        str(feeds),
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    match = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if match is None:
        raise RuntimeError(done.stderr[-800:])
    return int(match.group(1).replace(",", ""))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=40)
    ap.add_argument("--src", default=str(ROOT), help="source trees, comma-separated")
    ap.add_argument("--child", choices=("none", *STAGES), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        child(args.child, args.feeds)
        return 0
    if shutil.which("valgrind") is None:
        print("skipped: valgrind is not installed")
        return 77  # run_all.py's "skipped"
    print(f"instructions per farm feed (millions), {args.feeds} feeds, cachegrind")
    for src in (Path(s).resolve() for s in args.src.split(",") if s):
        counts = {stage: instructions(src, stage, args.feeds) for stage in ("none", *STAGES)}
        costs = {
            "parse": (counts["parse"] - counts["none"]) / args.feeds,
            "prepare": (counts["prepare"] - counts["parse"]) / args.feeds,
        }
        line = "  ".join(f"{s} {c / 1e6:6.2f}" for s, c in costs.items())
        print(f"  {line}  [{src}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
