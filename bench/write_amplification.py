"""Bytes written per stored entry: the farm's feeds stored in batches, in one process.

What bench/scale.py's `written` measures, without the network, the workers or the clock: the
farm's feeds are fetched and parsed once, then each source tree stores them into a new cache on
a disk-backed file system in batches of --batch feeds (one transaction each, as a refresh's
worker does), copying the WAL into the database each --checkpoint-entries entries (as the
refresh does; 0: only at the end). Printed per tree: write_bytes of /proc/self/io per entry
(the final TRUNCATE checkpoint included), the database per entry, the WAL's peak and CPU.
--attribute stores once more without copies and counts the WAL's frames per table or index
(the dbstat of the result): which b-trees each commit rewrites.

Run: .venv/bin/python bench/write_amplification.py [--feeds 500] [--batch 8]
         [--checkpoint-entries 4000] [--src /tmp/base,.] [--attribute] [--workdir /var/tmp]
"""

from __future__ import annotations

import argparse
import gzip
import pickle
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from farm import Farm

ROOT = Path(__file__).resolve().parents[1]

# Runs in a child whose `newsreader` is the tree measured: argv = feeds.pkl dir batch every attr
_CHILD = r"""
import os, pickle, sqlite3, struct, sys, time
from collections import Counter
from newsreader.core.store.feed_writes import FeedUpdate
from newsreader.core.store.store import Store

def written():
    with open("/proc/self/io") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("write_bytes:"))

feeds = pickle.load(open(sys.argv[1], "rb"))
path = os.path.join(sys.argv[2], "c.sqlite3")
batch, every, attribute = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"
store = Store(path)
ids = [store.add_feed(url).id for url, _ in feeds]
store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
os.sync()
store.leave_checkpoints_to_others()
start, cpu, since, peak = written(), time.process_time(), 0, 0
for i in range(0, len(feeds), batch):
    part = list(zip(ids[i : i + batch], feeds[i : i + batch]))
    store.record_feeds([FeedUpdate(fid, parsed, 200) for fid, (_, parsed) in part])
    since += sum(len(parsed.entries) for _, (_, parsed) in part)
    peak = max(peak, os.path.getsize(path + "-wal"))
    if every and since >= every and not attribute:
        store.checkpoint()
        since = 0
frames = Counter()
if attribute:
    wal = open(path + "-wal", "rb").read()
    size = struct.unpack(">I", wal[8:12])[0]
    for off in range(32, len(wal) - size - 23, size + 24):
        frames[struct.unpack(">I", wal[off : off + 4])[0]] += 1
store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
total, cpu = written() - start, time.process_time() - cpu
entries = store.conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
print(f"written {total / entries:,.0f} B/entry, DB {os.path.getsize(path) / entries:,.0f} "
      f"B/entry, WAL peak {peak / 1e6:.1f} MB, CPU {cpu:.2f} s, {entries} entries")
if attribute:
    owner = dict(store.conn.execute("SELECT pageno, name FROM dbstat"))
    by = Counter()
    for page, n in frames.items():
        by[owner.get(page, "(freed)")] += n * size
    for name, nbytes in by.most_common(12):
        print(f"    WAL frames of {name:<28} {nbytes / entries:8,.0f} B/entry")
"""


def fetch_parsed(feeds: int, out: Path) -> None:
    """The farm's first `feeds` feeds, parsed by this tree's parser, pickled to `out`."""
    from newsreader.core.parse.feeds import parse_feed

    parsed = []
    with Farm(feeds=feeds, latencies_ms=(0,)) as farm:
        for url in farm.urls[0][:feeds]:
            with urllib.request.urlopen(url, timeout=30) as resp:
                body = resp.read()
                if resp.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
            parsed.append((url, parse_feed(body, url=url)))
    out.write_bytes(pickle.dumps(parsed))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=500)
    ap.add_argument("--batch", type=int, default=8, help="feeds per transaction")
    ap.add_argument("--checkpoint-entries", type=int, default=4000, help="0: only at the end")
    ap.add_argument("--src", default=str(ROOT), help="source trees, comma-separated")
    ap.add_argument("--attribute", action="store_true", help="WAL frames per b-tree, too")
    ap.add_argument("--workdir", default="/var/tmp", help="on a disk, not tmpfs")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="writes-", dir=args.workdir) as tmp:
        pkl = Path(tmp) / "feeds.pkl"
        fetch_parsed(args.feeds, pkl)
        for src in (Path(s).resolve() for s in args.src.split(",") if s):
            runs = [False, True] if args.attribute else [False]
            for attribute in runs:
                with tempfile.TemporaryDirectory(dir=tmp) as data:
                    every = str(args.checkpoint_entries)
                    cmd = [sys.executable, "-c", _CHILD, str(pkl), data, str(args.batch), every]
                    env = {"PYTHONPATH": str(src / "src"), "PATH": "/usr/bin:/bin"}
                    done = subprocess.run(
                        [*cmd, "1" if attribute else "0"], env=env, capture_output=True, text=True
                    )
                    label = "no copies, by b-tree" if attribute else f"batch {args.batch}"
                    print(f"[{src}] {label}: {done.stdout.strip() or done.stderr[-800:]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
