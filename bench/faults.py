"""Fault table (issue 6): each hostile input or fault, how often tried, and what held.

Every feed row gets a fresh data dir with one good version of the feed stored and two healthy
neighbour feeds; then the fault is served and `newsreader refresh --json` runs as a child
process that reports its own peak RSS (VmHWM, and its parse workers' via RUSAGE_CHILDREN; see
tests/integration/test_big_feeds.py for why not wait4). Scenarios are the tests' own
(bench/fault_cases.py).
Then: SIGKILLs during `refresh --full` (test_crash's farm), the concurrency test run as
pytest, and the schema upgrade (test_upgrade's fixture). Prints numbers; asserts nothing.

Run: .venv/bin/python bench/faults.py [--repeat 3] [--slow-repeat 1] [--kills 10] [--seed N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "bench")]

from tests.support.big_feeds import Run, run_cli  # noqa: E402
from tests.support.feedgen import items, rss  # noqa: E402
from tests.support.loopback import LoopbackServer  # noqa: E402

from fault_cases import (  # noqa: E402
    BAD_TEXT,
    CASES,
    Case,
    concurrency_row,
    counted,
    crash_row,
    short,
    spread,
    titles,
    upgrade_rows,
)
from newsreader.core.config import Config  # noqa: E402
from newsreader.core.refresh.run import refresh  # noqa: E402
from newsreader.core.store.store import DB_NAME, Store  # noqa: E402
from refresh import source_state  # noqa: E402

GOOD = 5  # entries in the good version stored before the fault


@dataclass(frozen=True)
class Try:
    """What one refresh against one fault left behind."""

    code: int
    error: str  # the fault feed's error line, or "" when it was stored
    neighbours_ok: bool  # neither neighbour failed, both got their new entry
    kept: int  # of the GOOD entries stored before
    rows: int  # entries of the fault feed now
    dups: int  # rows minus distinct (feed, key), plus minus distinct (feed, url, title)
    bad_text: int  # entries holding any of BAD_TEXT
    db_ok: bool
    note: str
    peak_mb: float
    seconds: float


def good_feed(prefix: str, n: int) -> bytes:
    return rss(items(n, base=f"http://{prefix.lower().replace(' ', '')}.example", prefix=prefix))


def inspect(data: Path, run: Run, case: Case, urls: list[str], before: set[str]) -> Try:
    fault_url, *neighbour_urls = urls
    try:
        failed = {f["url"]: f["error"] for f in json.loads(run.out)["failed"]}
    except (ValueError, KeyError, TypeError):
        last = (run.err.strip().splitlines() or ["(no output)"])[-1]
        failed = dict.fromkeys(urls, f"no JSON report: {last}")
    db = sqlite3.connect(f"file:{data / DB_NAME}?mode=ro", uri=True)
    try:
        ids = {u: i for i, u in db.execute("SELECT id, url FROM feeds")}
        fid = ids[fault_url]
        keys = {k for (k,) in db.execute("SELECT key FROM entries WHERE feed_id = ?", (fid,))}
        counts = [
            db.execute("SELECT COUNT(*) FROM entries WHERE feed_id = ?", (ids[u],)).fetchone()[0]
            for u in neighbour_urls
        ]
        total, by_key, by_text = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT feed_id || ' ' || key),"
            " COUNT(DISTINCT feed_id || ' ' || coalesce(url, '') || ' ' || title) FROM entries"
        ).fetchone()
        text = "title || ' ' || summary || ' ' || content"
        bad = db.execute(
            "SELECT COUNT(*) FROM entries WHERE "
            + " OR ".join(f"instr({text}, ?) > 0" for _ in BAD_TEXT),
            BAD_TEXT,
        ).fetchone()[0]
        return Try(
            code=run.code,
            error=failed.get(fault_url, ""),
            neighbours_ok=counts == [3, 3] and not set(neighbour_urls) & set(failed),
            kept=len(before & keys),
            rows=len(keys),
            dups=(total - by_key) + (total - by_text),
            bad_text=bad,
            db_ok=db.execute("PRAGMA integrity_check").fetchone()[0] == "ok",
            note=(case.probe or titles)(db, fid),
            peak_mb=run.peak_rss_mb,
            seconds=run.seconds,
        )
    finally:
        db.close()


def attempt(server: LoopbackServer, case: Case, root: Path, slug: str) -> list[Try]:
    """Good version + neighbours stored (in this process), then the fault in a child."""
    data = root / "data"
    store = Store.in_dir(data)
    fault = store.add_feed(server.route(f"/{slug}/feed.xml", good_feed("Gut", GOOD)))
    paths = [f"/{slug}/nachbar{k}.xml" for k in range(2)]
    for k, path in enumerate(paths):
        store.add_feed(server.route(path, good_feed(f"Nachbar {k}", 2)))
    seeded = asyncio.run(refresh(store, Config()))
    if seeded.failed or seeded.new_entries != GOOD + 4:
        raise RuntimeError(f"{case.name}: seeding failed: {seeded.failed}")
    before = {
        k for (k,) in store.conn.execute("SELECT key FROM entries WHERE feed_id = ?", (fault.id,))
    }
    for k, path in enumerate(paths):
        server.route(path, good_feed(f"Nachbar {k}", 3))
    url = case.serve(server, f"/{slug}/feed.xml")
    if url != fault.url:
        store.set_feed_url(fault.id, url)
    store.close()
    (root / "config.toml").write_text(case.config, encoding="utf-8")
    urls = [url, *(server.url(p) for p in paths)]
    tries = []
    for _ in range(2 if case.again else 1):
        run = run_cli(data, "refresh", "--json")
        tries.append(inspect(data, run, case, urls, before))
    return tries


def feed_row(name: str, tries: list[Try]) -> list[str]:
    n = len(tries)
    errors = sorted({t.error for t in tries})
    error = " / ".join(short(e, 58 // len(errors)) if e else "— (stored)" for e in errors)
    if not all(t.db_ok for t in tries):
        error += " **DB NOT OK**"
    notes = sorted({t.note for t in tries if t.note})
    return [
        name,
        str(n),
        counted([t.code for t in tries]),
        error + (f" ({short('; '.join(notes), 50)})" if notes else ""),
        f"{sum(t.neighbours_ok for t in tries)}/{n}",
        f"{sum(t.kept == GOOD for t in tries)}/{n} ({spread([t.kept for t in tries])} of {GOOD})",
        spread([t.rows for t in tries]),
        str(max(t.dups for t in tries)),
        str(max(t.bad_text for t in tries)),
        f"{max(t.peak_mb for t in tries):.0f}",
        f"{statistics.median(t.seconds for t in tries):.1f}",
    ]


def table(head: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="tries per small fault")
    ap.add_argument("--slow-repeat", type=int, default=1, help="tries of 100k/50 MB/concurrency")
    ap.add_argument("--kills", type=int, default=10, help="SIGKILLs that must land")
    ap.add_argument("--seed", type=int, default=None, help="for the kill moments")
    ap.add_argument("--only", default="", help="run feed rows whose name contains this")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(10**6)
    started = time.monotonic()
    server = LoopbackServer().start()
    rows: list[list[str]] = []
    other: list[list[str]] = []
    figures: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="nr-faults-") as tmp:
            work = Path(tmp)
            for c, case in enumerate(CASES):
                if args.only and args.only.lower() not in case.name.lower():
                    continue
                n = args.slow_repeat if case.slow else args.repeat
                tries: list[list[Try]] = []
                for k in range(n):
                    root = work / f"case{c}-try{k}"
                    tries.append(attempt(server, case, root, f"c{c}t{k}"))
                    shutil.rmtree(root, ignore_errors=True)
                print(
                    f"  {case.name}: {n} tries, {time.monotonic() - started:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
                rows.append(feed_row(case.name, [t[0] for t in tries]))
                if case.again:
                    rows.append(feed_row(case.name + ": same body again", [t[1] for t in tries]))
            if not args.only:
                other.append(crash_row(work / "crash", args.kills, random.Random(seed)))
                print(f"  crash: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
                row, figures = concurrency_row(args.slow_repeat)
                other.append(row)
                other += upgrade_rows(work / "upgrade", args.repeat)
    finally:
        server.stop()
    print(f"{source_state()}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"\nFeed faults: a fresh data dir per try, {GOOD} entries stored first, 2 neighbours\n")
    table(
        [
            "input",
            "tries",
            "exit codes",
            "error line for that feed",
            "neighbours ok",
            f"earlier {GOOD} kept",
            "feed rows after",
            "dups",
            "bad text",
            "peak MB",
            "s (median)",
        ],
        rows,
    )
    if other:
        print(f"\nCrash, concurrency, upgrade (kill seed {seed})\n")
        table(["fault", "tries", "exit codes", "what held", "peak MB", "s"], other)
    for k, line in enumerate(figures, 1):
        print(f"\nconcurrency run {k}: {line}")
    print(
        "\nexit codes: value ×times. dups: rows beyond distinct (feed, key) plus beyond distinct "
        "(feed, url, title), whole cache. bad text: entries holding entity expansions, "
        "/etc/passwd text, NUL or mojibake. peak MB: max over tries of the refresh process or "
        "its largest worker (VmHWM / RUSAGE_CHILDREN inside the child). s: wall seconds of "
        "the refresh child, interpreter start included (crash row: the catch-up refresh; "
        "concurrency: the whole pytest run). error line: from `refresh --json`; 'stored' "
        "means the feed did not fail, with what it stored in brackets. "
        f"Total {time.monotonic() - started:.0f} s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
