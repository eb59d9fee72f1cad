"""Instructions a refresh worker spends storing farm feeds, counted by valgrind, not timed.

On a shared machine the CPU time of `Store.record_feeds` moves by a tenth with the load, more
than most changes to it gain; an instruction count does not. Each source tree stores --feeds
farm feeds (bench/farm.py) in batches of 16 feeds, as refresh_stages.py does, under
`valgrind --tool=cachegrind`; a second run only parses them, and the difference is what
storing costs. The parts are counted the same way, each alone over the same entries: the
digests, the index text (tags stripped, folded), the packing of summary and content. What is
left (rows, index rows, commits, checkpoint) is the SQL. Instructions per feed.

Run: .venv/bin/python bench/store_instructions.py [--feeds 48] [--src /tmp/base,.]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("digest", "index text", "pack")

# Runs in a child whose `newsreader` is the tree measured: argv = feeds, what
_CHILD = r"""
import sys, tempfile
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from farm import generate_feed
from newsreader.core.parse.feeds import parse_feed
from newsreader.core.store import feed_writes, search_index
from newsreader.core.store import packed_text
from newsreader.core.store.packed_text import pack_text
from newsreader.core.store.store import Store

feeds, what = int(sys.argv[1]), sys.argv[2]
# A new cache's level (16 KB pages), in trees that choose one.
quick = {"level": packed_text.QUICK_LEVEL} if hasattr(packed_text, "QUICK_LEVEL") else {}
headers = {"content-type": "application/rss+xml; charset=utf-8"}
parsed = [parse_feed(generate_feed(i), url=f"http://x/{i}", headers=headers) for i in range(feeds)]
entries = [e for p in parsed for e in p.entries]
if what == "digest":
    for e in entries:
        feed_writes.entry_digest(e)
elif what == "index text":
    for e in entries:
        search_index.entry_text(e.title, e.summary, e.content)
elif what == "pack":
    for e in entries:
        pack_text(e.summary, **quick)
        pack_text(e.content, **quick)
with tempfile.TemporaryDirectory() as tmp:
    store = Store(Path(tmp) / "cache.sqlite3")
    ids = [store.add_feed(f"http://127.0.0.2/feeds/{i:04d}/rss.xml").id for i in range(feeds)]
    store.leave_checkpoints_to_others()
    if what == "store":
        updates = [feed_writes.FeedUpdate(i, p, 200, '"e"', None) for i, p in zip(ids, parsed)]
        for first in range(0, feeds, 16):
            store.record_feeds(updates[first : first + 16])
        store.checkpoint()
    store.close()
"""


def instructions(src: Path, feeds: int, what: str) -> int:
    """Instructions of one child run, as cachegrind counts them."""
    with tempfile.NamedTemporaryFile(prefix="cachegrind-") as out:
        cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=no"]
        cmd += [f"--cachegrind-out-file={out.name}", sys.executable, "-c", _CHILD]
        cmd += [str(feeds), what, str(ROOT / "bench")]
        env = {**os.environ, "PYTHONPATH": str(src / "src"), "PYTHONHASHSEED": "0"}
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"[{src}] {what}: {done.stderr.strip()[-800:]}")
    return int(found.group(1).replace(",", ""))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=48)
    ap.add_argument("--src", default=str(ROOT), help="source trees, comma-separated")
    args = ap.parse_args()
    srcs = [Path(s).resolve() for s in args.src.split(",") if s]
    print(f"{args.feeds} farm feeds; instructions per feed (millions), cachegrind")
    print(f"{'tree':<40} {'store':>7} " + " ".join(f"{p:>10}" for p in PARTS) + f" {'rest':>7}")
    for src in srcs:
        base = instructions(src, args.feeds, "parse")
        store = (instructions(src, args.feeds, "store") - base) / args.feeds
        parts = [(instructions(src, args.feeds, p) - base) / args.feeds for p in PARTS]
        cells = " ".join(f"{p / 1e6:>10.2f}" for p in parts)
        print(
            f"{str(src)[-40:]:<40} {store / 1e6:>7.2f} {cells} {(store - sum(parts)) / 1e6:>7.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
