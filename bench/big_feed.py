"""Big-feed benchmark: peak RSS of the refresh process tree for the 100,000-entry, 10 MB feed.

Three loopback feeds (the big one and two small ones, as in tests/integration/test_big_feeds.py)
refreshed by `python -m newsreader refresh --json` in a child process; the tree's RSS (main
process and parse workers) is sampled every 20 ms (bench/scale.py's `measure`). Variants:
- fast: the well-formed feed, which the fast path reads item by item;
- feedparser: the same feed with a <source> in its first item, which only feedparser reads
  (it cannot stream: this is the fallback's figure);
- again: the fast variant's second refresh (the same body: parsed and compared, nothing stored).

--src DIR,DIR runs each variant once per source tree, interleaved, for a before/after.

Run: .venv/bin/python bench/big_feed.py [--runs 3] [--entries 100000] [--src /tmp/base,.]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "bench")]

from tests.support.big_feeds import hundred_k_feed  # noqa: E402
from tests.support.feedgen import items, rss  # noqa: E402
from tests.support.loopback import LoopbackServer  # noqa: E402

from refresh import child_env, subscribe  # noqa: E402
from scale import env_for, measure, refresh_cmd  # noqa: E402

_SOURCE = b"<source url='http://quelle.test/rss'>Quelle</source>"


def bodies(entries: int) -> dict[str, bytes]:
    fast = hundred_k_feed(entries)
    slow = fast.replace(b"</title><guid>", b"</title>" + _SOURCE + b"<guid>", 2)
    return {"fast": fast, "feedparser": slow}


def one_run(
    server: LoopbackServer, body: bytes, src: Path, work: Path, variant: str
) -> list[tuple[str, str]]:
    """A cold refresh (and for "fast" a second one): a line per refresh."""
    data = work / f"data-{variant}"
    shutil.rmtree(data, ignore_errors=True)
    env = env_for(src, child_env(work))
    urls = [server.route(f"/{variant}.xml", body)]
    urls += [server.route(f"/klein{k}.xml", rss(items(3, prefix=f"Klein{k}"))) for k in range(2)]
    subscribe(urls, data, env)
    lines = []
    for kind in ("cold", "again") if variant == "fast" else ("cold",):
        m = measure(refresh_cmd(data), env)
        report = json.loads(m.stdout) if m.stdout.strip().startswith("{") else {}
        load = os.getloadavg()[0]
        if m.rc != 0 or report.get("failed"):
            lines.append((kind, f"ERROR exit {m.rc}: {(m.stderr or m.stdout).strip()[-400:]}"))
            continue
        lines.append(
            (
                kind,
                f"tree {m.tree_mb:.0f} MB, cpu {m.cpu:.1f} s, wall {m.wall:.1f} s, "
                f"new {report['new_entries']}, load {load:.1f}",
            )
        )
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--variants", default="fast,feedparser")
    ap.add_argument("--src", default=str(ROOT), help="source trees, comma-separated")
    ap.add_argument("--workdir", default=tempfile.gettempdir())
    args = ap.parse_args()
    srcs = [Path(s).resolve() for s in args.src.split(",")]
    feeds = bodies(args.entries)
    server = LoopbackServer()
    server.thread.start()
    work = Path(tempfile.mkdtemp(prefix="newsreader-bigfeed-", dir=args.workdir))
    peaks: dict[tuple[str, str, str], list[float]] = {}
    try:
        for variant in args.variants.split(","):
            body = feeds[variant]
            print(f"{variant}: {len(body) / 1e6:.1f} MB, {args.entries} entries")
            for run in range(args.runs):
                for src in srcs:
                    for kind, line in one_run(server, body, src, work, variant):
                        print(f"  run {run + 1} {src} {kind}: {line}", flush=True)
                        if line.startswith("tree "):
                            mb = float(line.split()[1])
                            peaks.setdefault((variant, kind, str(src)), []).append(mb)
        print("\nmedian peak RSS of the refresh tree (MB):")
        for (variant, kind, tree), values in peaks.items():
            print(f"  {variant:<10} {kind:<5} {statistics.median(values):6.0f}   {tree}")
    finally:
        server.httpd.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
