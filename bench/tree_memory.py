"""Tree-memory benchmark: which process of a cold refresh holds the tree's peak RSS.

bench/scale.py gives the tree's sampled peak; this splits it. A cold `newsreader refresh
--json` of the loopback farm (bench/farm.py) runs in a child process; every 10 ms the VmRSS of
each process of its tree (the refresh and its parse workers) is read from /proc. Printed per
run: the tree's peak and how it splits at that moment, each process's own peak, and the CPU
(user, system) and minor page faults of the tree (the workers reaped by the refresh count).
With --timeline, the samples every 100 ms.

--src DIR,DIR runs once per source tree, interleaved, for a before/after.

Run: .venv/bin/python bench/tree_memory.py [--feeds 500] [--runs 2] [--src /tmp/base,.]
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from farm import Farm
from refresh import child_env, subscribe, tree_rss

Sample = tuple[float, dict[int, int]]  # seconds since start, VmRSS kB by pid


def cold_refresh(data: Path, env: dict[str, str]) -> tuple[list[Sample], float, float, int]:
    """Samples, user and system CPU seconds, minor faults of one refresh's tree."""
    cmd = [sys.executable, "-m", "newsreader", "--data-dir", str(data), "refresh", "--json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    samples: list[Sample] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.01):
            samples.append((time.perf_counter() - start, tree_rss(proc.pid)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # Not reaped until sampling stops: /proc of an exited pid may already be someone else's.
    os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
    stop.set()
    sampler.join()
    proc.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (
        samples,
        after.ru_utime - before.ru_utime,
        after.ru_stime - before.ru_stime,
        after.ru_minflt - before.ru_minflt,
    )


def mb(kb: int) -> str:
    return f"{kb / 1024:.1f}"


def report(name: str, samples: list[Sample], user: float, system: float, faults: int) -> float:
    at, split = max(samples, key=lambda s: sum(s[1].values()))
    peaks: dict[int, int] = {}
    for _, tree in samples:
        for pid, kb in tree.items():
            peaks[pid] = max(peaks.get(pid, 0), kb)
    total = sum(split.values()) / 1024
    print(
        f"  {name}: tree peak {total:.1f} MB at {at:.2f} s = {' + '.join(map(mb, split.values()))}"
        f"; each process's peak {' / '.join(map(mb, peaks.values()))} MB; cpu {user + system:.2f} s"
        f" (user {user:.2f}, sys {system:.2f}), {faults} minor faults, "
        f"load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    return total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=500)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--latency", type=int, default=50, help="farm latency in ms")
    ap.add_argument("--src", default=str(Path(__file__).resolve().parents[1]))
    ap.add_argument("--timeline", action="store_true", help="print the samples too")
    ap.add_argument("--workdir", default=None, help="on a disk, not tmpfs")
    args = ap.parse_args()
    srcs = [Path(s).resolve() for s in args.src.split(",")]
    for src in srcs:  # measure bytecode, as an installed copy runs
        compileall.compile_dir(src / "src", quiet=1)
    peaks: dict[Path, list[float]] = {src: [] for src in srcs}
    with (
        tempfile.TemporaryDirectory(prefix="tree-memory-", dir=args.workdir) as tmp,
        Farm(feeds=args.feeds, latencies_ms=[args.latency]) as farm,
    ):
        work = Path(tmp)
        base_env = child_env(work)
        print(f"cold refresh of {args.feeds} farm feeds at {args.latency} ms")
        for run in range(args.runs):
            for n, src in enumerate(srcs):
                env = dict(base_env, PYTHONPATH=str(src / "src"))
                data = work / f"run{run}-src{n}"
                data.mkdir()
                subscribe(farm.urls[args.latency], data, env)
                samples, user, system, faults = cold_refresh(data, env)
                peaks[src].append(report(f"{src} run {run + 1}", samples, user, system, faults))
                if args.timeline:
                    for at, tree in samples[::10]:
                        print(
                            f"    {at:6.2f} s  " + "  ".join(f"{mb(kb):>5}" for kb in tree.values())
                        )
    print(
        "median tree peak MB: "
        + ", ".join(f"{statistics.median(v):.1f} {s}" for s, v in peaks.items())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
