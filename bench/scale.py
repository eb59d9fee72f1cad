"""Scale benchmark: refresh of 250 to 2,000 feeds, and a reader on a million-entry cache.

Part 1 (always): cold and warm `newsreader refresh --json` of the loopback farm (bench/farm.py,
ten feeds per address, so the per-host cap of 4 acts), each in a child process, with
- wall: process start to exit; cpu: user+sys of the refresh and its reaped workers (wait4);
- tree MB: sampled peak of the process tree's summed RSS;
- written: /proc/PID/io write_bytes of the refresh (the kernel adds reaped children's I/O to
  their parent's), plus that of a final `wal_checkpoint(TRUNCATE)` in a child, so what sat in
  the WAL is counted once it reaches the database; the data dir is on a disk-backed file system;
- DB: the database file after that checkpoint; per entry: divided by the entries stored.
Part 2 (--cache N): a cache of N entries written straight into SQLite (see bigcache.py), then
reader start against a bare Textual app, `j` latency, search latency in the reader, the
`articles --search` command, opening an article, DB size per entry and a cold refresh of
--cache-feeds farm feeds on top of it.

--src DIR,DIR runs each measurement once per source tree, interleaved (A B A B), children
importing `newsreader` from DIR/src: a before/after comparison under the same load.

Run: .venv/bin/python bench/scale.py [--feeds 250,500,1000,2000] [--runs 3] [--latency 50]
                                     [--cache 1000000] [--src /tmp/base,.] [--cluster-farm]
`make bench` runs the small default: 250 and 500 feeds, and a 100,000-entry cache.
"""

from __future__ import annotations

import argparse
import compileall
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
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from farm import Farm
from refresh import _tree_rss_kb, child_env, subscribe

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "newsreader.sqlite3"


@dataclass(frozen=True, slots=True)
class Measured:
    rc: int
    stdout: str
    stderr: str
    wall: float
    cpu: float
    tree_mb: float
    written: int  # bytes


@dataclass
class Row:
    """The runs of one (source, size, kind)."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    tree_mb: list[float] = field(default_factory=list)
    written: list[float] = field(default_factory=list)
    db: list[float] = field(default_factory=list)
    entries: list[float] = field(default_factory=list)
    load: list[float] = field(default_factory=list)


def write_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/io") as fh:
            for line in fh:
                if line.startswith("write_bytes:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(cmd: list[str], env: dict[str, str]) -> Measured:
    """Run one command: wall, CPU and I/O of its tree, sampled peak RSS of its tree."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        peak = [0]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.02):
                peak[0] = max(peak[0], _tree_rss_kb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        # Wait for the exit without reaping, so /proc/PID/io is still there to read.
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
        stop.set()
        written = write_bytes(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            wall,
            usage.ru_utime + usage.ru_stime,
            peak[0] / 1024,
            written,
        )


_CHECKPOINT = (
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
    "c.execute('PRAGMA wal_checkpoint(TRUNCATE)').fetchall(); c.close()"
)


def checkpoint(db: Path, env: dict[str, str]) -> int:
    """Bytes a final checkpoint writes: what the refresh left in the WAL."""
    return measure([sys.executable, "-c", _CHECKPOINT, str(db)], env).written


def env_for(src: Path, base: dict[str, str]) -> dict[str, str]:
    env = dict(base)
    env["PYTHONPATH"] = str(src / "src")
    return env


def refresh_cmd(data: Path) -> list[str]:
    return [sys.executable, "-m", "newsreader", "--data-dir", str(data), "refresh", "--json"]


def refresh_run(data: Path, env: dict[str, str], row: Row, feeds: int, kind: str) -> str:
    """One measured refresh into `row`; a line to print."""
    m = measure(refresh_cmd(data), env)
    report = json.loads(m.stdout) if m.stdout.strip().startswith("{") else {}
    if m.rc not in (0, 1) or not report:
        return f"ERROR exit {m.rc}: {m.stderr.strip()[-600:]}"
    written = m.written + checkpoint(data / DB_NAME, env)
    stored = int(report.get("new_entries", 0)) + int(report.get("updated_entries", 0))
    load = os.getloadavg()[0]
    for name, value in (
        ("wall", m.wall),
        ("cpu", m.cpu),
        ("tree_mb", m.tree_mb),
        ("written", written),
        ("db", (data / DB_NAME).stat().st_size),
        ("entries", stored),
        ("load", load),
    ):
        getattr(row, name).append(float(value))
    problems = []
    if report.get("failed"):
        problems.append(f"{len(report['failed'])} failed, e.g. {report['failed'][0]}")
    if report.get("feeds") != feeds:
        problems.append(f"refreshed {report.get('feeds')} of {feeds}")
    if kind == "warm" and report.get("unchanged") != feeds:
        problems.append(f"only {report.get('unchanged')} unchanged")
    per = f", {written / stored:,.0f} B/entry" if stored else ""
    return (
        f"wall {m.wall:.2f} s, cpu {m.cpu:.2f} s, tree {m.tree_mb:.0f} MB, "
        f"written {written / 1e6:.1f} MB{per}, stored {stored}, load {load:.1f}"
        + (f"  WARNING {'; '.join(problems)}" if problems else "")
    )


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def print_refresh_table(
    sizes: list[int], srcs: list[Path], rows: dict[tuple[str, int, str], Row]
) -> None:
    for src in srcs:
        label = str(src)
        print(f"\nRefresh, medians ({label}; load average median in the last row)")
        print(f"{'':<28}" + "".join(f"{n:>10}" for n in sizes))

        def line(name: str, kind: str, fn: object, label: str = label) -> None:
            cells = []
            for n in sizes:
                row = rows.get((label, n, kind))
                cells.append(f"{fn(row):>10}" if row and row.wall else f"{'-':>10}")  # type: ignore[operator]
            print(f"{name:<28}" + "".join(cells))

        for kind in ("cold", "warm"):
            line(f"{kind} wall s", kind, lambda r: f"{med(r.wall):.2f}")
            line(f"{kind} CPU s (tree)", kind, lambda r: f"{med(r.cpu):.2f}")
            line(f"{kind} peak RSS MB (tree)", kind, lambda r: f"{med(r.tree_mb):.0f}")
            line(f"{kind} written MB", kind, lambda r: f"{med(r.written) / 1e6:.1f}")
        line("cold written B/entry", "cold", lambda r: f"{med(r.written) / med(r.entries):,.0f}")
        line("DB MB after cold", "cold", lambda r: f"{med(r.db) / 1e6:.1f}")
        line("DB B/entry", "cold", lambda r: f"{med(r.db) / med(r.entries):,.0f}")
        line("load average (1 min)", "cold", lambda r: f"{med(r.load):.1f}")
        for n in sizes:
            row = rows.get((label, n, "cold"))
            if row and row.cpu:
                print(f"  cold CPU per feed at {n}: {med(row.cpu) / n * 1000:.2f} ms")
    if len(srcs) > 1:
        print_ratios(sizes, srcs, rows)


def print_ratios(sizes: list[int], srcs: list[Path], rows: dict[tuple[str, int, str], Row]) -> None:
    """Each tree against the first, run by run: the runs were interleaved, so a pair ran
    within a minute of each other, and the median of the pairs' ratios moves less with this
    machine's drifting speed than either tree's own figures do."""
    first = str(srcs[0])
    print(f"\nAgainst {first}, the median of the interleaved runs' ratios")
    for src in srcs[1:]:
        for n in sizes:
            cells = []
            for kind, name, pick in (
                ("cold", "cold wall", lambda r: r.wall),
                ("cold", "cold CPU", lambda r: r.cpu),
                ("warm", "warm wall", lambda r: r.wall),
            ):
                base, this = rows.get((first, n, kind)), rows.get((str(src), n, kind))
                if base is None or this is None:
                    continue
                pairs = [t / b for b, t in zip(pick(base), pick(this), strict=False) if b]
                if pairs:
                    cells.append(f"{name} {med(pairs):.2f}x")
            print(f"  {src} at {n} feeds: " + ", ".join(cells))


def refresh_part(args: argparse.Namespace, srcs: list[Path], work: Path) -> None:
    sizes = [int(x) for x in args.feeds.split(",") if x]
    rows: dict[tuple[str, int, str], Row] = {}
    t0 = time.perf_counter()
    with Farm(feeds=max(sizes), latencies_ms=(args.latency,)) as farm:
        print(
            f"farm: {max(sizes)} feeds at {args.latency} ms, up in {time.perf_counter() - t0:.0f} s"
            + ("; its items clustered as new (--cluster-farm)" if args.cluster_farm else "")
        )
        urls = farm.urls[args.latency]
        base_env = child_env(work, cluster_farm=args.cluster_farm)
        for n in sizes:
            for run in range(args.runs):
                for src in srcs:
                    env = env_for(src, base_env)
                    data = work / f"r{n}-{run}-{srcs.index(src)}"
                    data.mkdir()
                    subscribe(urls[:n], data, env)
                    for kind in ("cold", "warm"):
                        row = rows.setdefault((str(src), n, kind), Row())
                        note = refresh_run(data, env, row, n, kind)
                        print(f"  {n:>5} feeds {kind} run {run + 1} [{src}]: {note}", flush=True)
                    shutil.rmtree(data)
    print_refresh_table(sizes, srcs, rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", default="250,500", help="comma-separated sizes")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--latency", type=int, default=50, help="farm latency in ms")
    ap.add_argument("--cache", type=int, default=100_000, help="entries; 0 skips part 2")
    ap.add_argument("--cache-feeds", type=int, default=500, help="refreshed on top of the cache")
    ap.add_argument("--src", default=str(ROOT), help="source trees, comma-separated")
    ap.add_argument(
        "--cluster-farm",
        action="store_true",
        help="cluster the farm's items as new ones (their dates are fixed; see refresh.py)",
    )
    ap.add_argument("--workdir", default=tempfile.gettempdir(), help="on a disk, not tmpfs")
    args = ap.parse_args()
    srcs = [Path(s).resolve() for s in args.src.split(",") if s]
    for src in srcs:  # measure what an installed copy runs: bytecode
        compileall.compile_dir(src / "src", quiet=1)
    fs = subprocess.run(["stat", "-f", "-c", "%T", args.workdir], capture_output=True, text=True)
    if "tmpfs" in fs.stdout:
        print(f"WARNING: {args.workdir} is tmpfs: write_bytes will read 0; pass --workdir")
    print(
        f"load average {os.getloadavg()} on {os.cpu_count()} CPUs; SQLite {sqlite3.sqlite_version}"
    )
    with tempfile.TemporaryDirectory(prefix="scale-", dir=args.workdir) as tmp:
        work = Path(tmp)
        if args.feeds:
            refresh_part(args, srcs, work)
        if args.cache:
            from bigcache import cache_part  # here: part 2 is optional, and so is its import

            cache_part(args, srcs, work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
