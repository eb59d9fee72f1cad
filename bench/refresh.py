"""Refresh benchmark: cold and warm `newsreader refresh` of a loopback feed farm.

Each refresh runs as `python -m newsreader --data-dir D refresh --json` in a child process
(the farm runs in another), so its wall time, CPU (with its parse workers) and peak RSS are
its own. Medians over --runs.

With --newsboat, newsboat (`newsboat -x reload`, 8 reload threads, a cache of its own) refreshes
the same farm right after each of ours, cold and warm, so the two are compared under the same
load (issue 15 asks for a cold refresh within 0.3x of newsboat's).

Run: .venv/bin/python bench/refresh.py [--feeds 500] [--runs 3] [--latency 0,50] [--cluster-farm]
                                       [--newsboat [PATH]]
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import importlib
import inspect
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

sys.path.insert(0, str(Path(__file__).resolve().parent))

from farm import BASE_TIME, Farm, generate_feed

TARGETS = {"cold": 6.0, "warm": 2.0, "rss_mb": 120.0}  # at 50 ms latency, 500 feeds
BASELINES = (  # measured on this machine against such a farm (50 ms), from issue 2
    ("newsboat 2.21 (8 threads)", "11.7", "11-12", "<76"),
    ("lemon24/reader 3.26 (8 workers)", "50.6", "4.1", "<76"),
    ("httpx + feedparser loop", "35.6", "2.1", "<76"),
    ("same loop + fastfeedparser", "3.6", "-", "<76"),
)


@dataclass(frozen=True, slots=True)
class Run:
    wall: float  # seconds, process start to exit (interpreter start-up included)
    inner: float  # the "seconds" refresh reports itself
    cpu: float  # user + sys of the refresh process and its reaped parse workers
    rss_mb: float  # largest single process (wait4 ru_maxrss)
    tree_mb: float  # sampled peak of the process tree's summed RSS (main + workers)
    report: dict[str, object]


def tree_rss(pid: int) -> dict[int, int]:
    """VmRSS (kB) of `pid` and its descendants, by pid, in the order found (parent first)."""
    found: dict[int, int] = {}
    todo = [pid]
    while todo:
        p = todo.pop(0)
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        found[p] = int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            continue
    return found


def _tree_rss_kb(pid: int) -> int:
    return sum(tree_rss(pid).values())


def run_child(cmd: list[str], env: dict[str, str]) -> tuple[int, str, str, Run]:
    """Run one command; time it and take its peak RSS from wait4 and from sampling /proc."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env)
        peak = [0]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.02):
                peak[0] = max(peak[0], _tree_rss_kb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        assert proc.stdout is not None
        out = proc.stdout.read()
        stop.set()  # sample no more: /proc of an exited pid may already be someone else's
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stdout.close()
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    text = out.decode("utf-8", "replace")
    try:
        report: dict[str, object] = json.loads(text) if text.strip().startswith("{") else {}
    except ValueError:
        report = {}
    inner = report.get("seconds")
    run = Run(
        wall=wall,
        inner=float(inner) if isinstance(inner, int | float) else float("nan"),
        cpu=usage.ru_utime + usage.ru_stime,
        rss_mb=usage.ru_maxrss / 1024,
        tree_mb=peak[0] / 1024,
        report=report,
    )
    return proc.returncode, text, stderr, run


def child_env(workdir: Path, *, cluster_farm: bool = False) -> dict[str, str]:
    """Defaults, not the user's config. `cluster_farm`: a clustering window that reaches the
    farm's items, whose dates are fixed (farm.BASE_TIME): the default 7 days left them out
    from 2026-11-27 on, and a cold refresh of new items clusters every one of them."""
    env = dict(os.environ)
    config = workdir / "no-config.toml"
    if cluster_farm:
        config = workdir / "cluster-farm.toml"
        days = (datetime.now(UTC) - BASE_TIME).days + 2
        config.write_text(f"[cluster]\nwindow_days = {days}\n", encoding="utf-8")
    env["NEWSREADER_CONFIG"] = str(config)
    env.pop("NEWSREADER_DATA_DIR", None)
    return env


def subscribe(urls: list[str], data_dir: Path, env: dict[str, str]) -> str:
    """OPML import when the CLI has it, else the Store API; returns which one was used."""
    opml = data_dir.parent / f"{data_dir.name}.opml"
    outlines = "\n".join(f"<outline type='rss' text='farm' xmlUrl={quoteattr(u)}/>" for u in urls)
    opml.write_text(
        f"<?xml version='1.0'?><opml version='2.0'><head><title>farm</title></head>"
        f"<body>{outlines}</body></opml>",
        encoding="utf-8",
    )
    cmd = [sys.executable, "-m", "newsreader", "--data-dir", str(data_dir), "import", str(opml)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode == 0:
        return "opml import"
    from newsreader.core.store.store import Store

    store = Store.in_dir(data_dir)
    for url in urls:
        store.add_feed(url)
    return f"Store.add_feed (import failed: {done.stderr.strip().splitlines()[-1:]})"


def refresh_once(data_dir: Path, env: dict[str, str]) -> Run | str:
    """A run, or why there is none (a crash is reported, not raised: other runs go on)."""
    cmd = [sys.executable, "-m", "newsreader", "--data-dir", str(data_dir), "refresh", "--json"]
    rc, _, stderr, run = run_child(cmd, env)
    if rc not in (0, 1) or not run.report:
        return f"refresh exited {rc}: {stderr.strip()[-1500:]}"
    return run


def newsboat_once(binary: str, work: Path, urls: list[str]) -> Run | str:
    """One `newsboat -x reload` of `urls` with the cache in `work` (cold when it is new)."""
    work.mkdir(exist_ok=True)
    (work / "urls").write_text("".join(f"{u}\n" for u in urls), encoding="utf-8")
    (work / "config").write_text("reload-threads 8\nshow-read-feeds yes\n", encoding="utf-8")
    cache = work / "cache.db"
    cmd = [binary, "-u", str(work / "urls"), "-c", str(cache), "-C", str(work / "config")]
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["HOME"] = str(work)  # newsboat writes its history and lock files there
    rc, _, stderr, run = run_child([*cmd, "-x", "reload"], env)
    if rc != 0:
        return f"newsboat exited {rc}: {stderr.strip()[-500:]}"
    with contextlib.closing(sqlite3.connect(cache)) as db:
        items = db.execute("SELECT count(*) FROM rss_item").fetchone()[0]
    return Run(run.wall, run.wall, run.cpu, run.rss_mb, run.tree_mb, {"items": items})


def source_state() -> str:
    """Which code was measured: HEAD plus uncommitted src files (others edit as we run)."""
    git = ["git", "-C", str(Path(__file__).resolve().parents[1])]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run([*git, "status", "--porcelain", "src"], capture_output=True, text=True)
    files = [line[3:] for line in dirty.stdout.splitlines() if line.strip()]
    shown = ", ".join(files[:8]) + (f" (+{len(files) - 8})" if len(files) > 8 else "")
    return f"src at {head.stdout.strip() or '?'}" + (f", uncommitted: {shown}" if files else "")


def check(kind: str, run: Run, feeds: int) -> list[str]:
    """What a run got wrong: a fast refresh that fetched nothing is no result."""
    r = run.report
    problems = []
    failed = r.get("failed") or []
    if failed:
        assert isinstance(failed, list)
        problems.append(f"{len(failed)} failed, e.g. {failed[0]}")
    if r.get("feeds") != feeds:
        problems.append(f"refreshed {r.get('feeds')} of {feeds} feeds")
    if kind == "cold" and not r.get("new_entries"):
        problems.append("no new entries in a cold refresh")
    if kind == "warm" and r.get("unchanged") != feeds:
        problems.append(f"warm: only {r.get('unchanged')} of {feeds} unchanged (expected 304s)")
    return problems


def median_time(fn: Callable[[], object], n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def parse_times(samples: int) -> None:
    import feedparser

    from newsreader.core.parse.feeds import parse_feed

    body = generate_feed(0)
    url = "http://127.0.0.2/feeds/0000/rss.xml"
    headers = {"content-type": "application/rss+xml; charset=utf-8"}
    rows: list[tuple[str, Callable[[], object]]] = [
        (
            "newsreader.core.parse.feeds.parse_feed",
            lambda: parse_feed(body, url=url, headers=headers),
        ),
        *_fast_path_row(body, url, headers),
        ("feedparser.parse (defaults)", lambda: feedparser.parse(body)),
        (
            "feedparser.parse (no sanitize, no relative URIs)",
            lambda: feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False),
        ),
    ]
    print(f"\nParse time of one farm feed ({len(body) / 1024:.0f} KiB), median of {samples}:")
    for name, fn in rows:
        fn()  # warm imports and caches
        print(f"  {name:<50} {median_time(fn, samples) * 1000:7.1f} ms")


def _fast_path_row(
    body: bytes, url: str, headers: dict[str, str]
) -> list[tuple[str, Callable[[], object]]]:
    """The lxml fast path on its own, when src has one (None from it means feedparser runs)."""
    try:
        fast_parse = importlib.import_module("newsreader.core.parse.fastparse").fast_parse
    except (ImportError, AttributeError):
        return []
    kwargs: dict[str, object] = {"url": url}
    if "content_type" in inspect.signature(fast_parse).parameters:
        kwargs["content_type"] = headers.get("content-type")
    try:
        taken = fast_parse(body, **kwargs) is not None
    except TypeError:  # another signature: say so rather than guess
        print("  (newsreader.core.parse.fastparse.fast_parse has an unexpected signature)")
        return []
    name = f"  fast_parse alone ({'taken' if taken else 'DECLINED: feedparser runs'})"
    return [(name, lambda: fast_parse(body, **kwargs))]


def med(runs: list[Run], attr: str) -> float:
    return statistics.median(float(getattr(r, attr)) for r in runs)


def print_table(feeds: int, results: dict[tuple[int, str], list[Run]]) -> None:
    print(f"\nRefresh of {feeds} feeds, medians of {len(next(iter(results.values())))} runs")
    head = (
        f"{'latency':>7} {'kind':<5} {'wall s':>7} {'inner s':>7} {'cpu s':>6} "
        f"{'RSS MB':>7} {'tree MB':>7}  target"
    )
    print(head)
    print("-" * len(head))
    for (latency, kind), runs in sorted(results.items()):
        wall, rss = med(runs, "wall"), med(runs, "rss_mb")
        verdict = ""
        if latency == 50 and feeds == 500:
            ok = wall < TARGETS[kind] and med(runs, "tree_mb") < TARGETS["rss_mb"]
            verdict = f"<{TARGETS[kind]:g} s, <{TARGETS['rss_mb']:g} MB: {'ok' if ok else 'MISSED'}"
        print(
            f"{latency:>5}ms {kind:<5} {wall:7.2f} {med(runs, 'inner'):7.2f} "
            f"{med(runs, 'cpu'):6.2f} {rss:7.0f} {med(runs, 'tree_mb'):7.0f}  {verdict}"
        )
    print("\nBaselines (500 feeds, 50 ms, single host; issue 2):")
    print(f"  {'':<34} {'cold s':>7} {'warm s':>7} {'RSS MB':>7}")
    for name, cold, warm, peak in BASELINES:
        print(f"  {name:<34} {cold:>7} {warm:>7} {peak:>7}")
    print(
        "\nwall: process start to exit, as a user waits; inner: refresh's own figure "
        "(no interpreter start-up); cpu: user+sys incl. parse workers; RSS: largest single "
        "process; tree: sampled peak of main + workers summed."
    )


def print_side_by_side(
    ours: dict[tuple[int, str], list[Run]], theirs: dict[tuple[int, str], list[Run]]
) -> None:
    print("\nSide by side with newsboat (same farm, same minutes), medians:")
    print(f"{'latency':>7} {'kind':<5} {'ours s':>7} {'newsboat s':>10} {'ratio':>6} {'cpu':>11}")
    for key, runs in sorted(theirs.items()):
        if key not in ours:
            continue
        mine, other = med(ours[key], "wall"), med(runs, "wall")
        cpu = f"{med(ours[key], 'cpu'):.2f}/{med(runs, 'cpu'):.2f}"
        print(f"{key[0]:>5}ms {key[1]:<5} {mine:7.2f} {other:10.2f} {mine / other:6.2f} {cpu:>11}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=500)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--latency", default="0,50", help="milliseconds, comma-separated")
    ap.add_argument("--gzip", action="store_true", help="farm gzips bodies (client asks)")
    ap.add_argument("--parse-samples", type=int, default=20)
    ap.add_argument(
        "--cluster-farm", action="store_true", help="cluster the farm's items as new ones"
    )
    ap.add_argument(
        "--newsboat",
        nargs="?",
        const=shutil.which("newsboat") or "newsboat",
        help="also run newsboat on the same farm, side by side (default: the one on PATH)",
    )
    args = ap.parse_args()
    # Measure what an installed copy runs: bytecode, not source compiled at every start.
    compileall.compile_dir(Path(__file__).resolve().parents[1] / "src", quiet=1)
    latencies = tuple(int(x) for x in args.latency.split(","))
    results: dict[tuple[int, str], list[Run]] = {}
    newsboat: dict[tuple[int, str], list[Run]] = {}
    t0 = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="nr-bench-") as tmp,
        Farm(feeds=args.feeds, latencies_ms=latencies, gzip=args.gzip) as farm,
    ):
        work = Path(tmp)
        env = child_env(work, cluster_farm=args.cluster_farm)
        print(f"{source_state()}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(
            f"farm: {args.feeds} feeds, {farm.total_bytes / args.feeds / 1024:.0f} KiB each, "
            f"on {len({u.split('/')[2] for u in farm.urls[latencies[0]]})} addresses, "
            f"started in {time.perf_counter() - t0:.1f} s"
        )
        for latency in latencies:
            for n in range(args.runs):
                data = work / f"lat{latency}-run{n}"
                data.mkdir()
                how = subscribe(farm.urls[latency], data, env)
                if n == 0 and latency == latencies[0]:
                    print(f"subscribed with {how}")
                for kind in ("cold", "warm"):
                    run = refresh_once(data, env)
                    if isinstance(run, str):
                        print(f"  ERROR {latency} ms {kind} run {n + 1}: {run}", flush=True)
                        break
                    for problem in check(kind, run, args.feeds):
                        print(f"  WARNING {latency} ms {kind} run {n + 1}: {problem}")
                    results.setdefault((latency, kind), []).append(run)
                    print(
                        f"  {latency:>3} ms {kind} run {n + 1}: wall {run.wall:.2f} s, "
                        f"inner {run.inner:.2f} s, cpu {run.cpu:.2f} s, "
                        f"RSS {run.rss_mb:.0f} MB (tree {run.tree_mb:.0f} MB), "
                        f"load {os.getloadavg()[0]:.1f}",
                        flush=True,
                    )
                    if args.newsboat:
                        theirs = newsboat_once(
                            args.newsboat,
                            work / f"newsboat-lat{latency}-run{n}",
                            farm.urls[latency],
                        )
                        if isinstance(theirs, str):
                            print(f"  ERROR newsboat {kind} run {n + 1}: {theirs}", flush=True)
                            continue
                        newsboat.setdefault((latency, kind), []).append(theirs)
                        print(
                            f"  {latency:>3} ms {kind} run {n + 1}: newsboat wall "
                            f"{theirs.wall:.2f} s, cpu {theirs.cpu:.2f} s, "
                            f"RSS {theirs.rss_mb:.0f} MB, {theirs.report['items']} items",
                            flush=True,
                        )
        print(f"farm counters: {farm.stats()}")
        if results:
            print_table(args.feeds, results)
        if newsboat:
            print_side_by_side(results, newsboat)
        parse_times(args.parse_samples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
