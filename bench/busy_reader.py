"""The reader during a big refresh: `j` latency while its own cold refresh of many farm feeds
runs, beside `j` on the same cache at rest. Prints a table, asserts nothing.

The cache holds 20,000 entries in 200 feeds to move through (reader.py's `build_cache`) and
--feeds farm feeds never fetched (bench/farm.py, --latency ms a request, ten feeds a host). The
reader runs headless (App.run_test, 140x40) with no refresh at start; after 100 presses at rest
its refresh action starts, and `j` is pressed until the refresh is over, 20 ms after each
press's frame (five `k` in every 50, so the cursor stays in the list). Keys are posted as a
terminal's driver posts them (Pilot would wait for the App to be idle, which a refreshing App
seldom is). A sample is the time from posting the key to the first frame the App hands its
driver after the cursor changed: a refresh's progress repaints the status bar on its own, and
a frame before the move does not show it. "refresh s": the action to the refresh's end;
"end pause": the UI thread's time over that end (the counts, the panes made again), when no
key is answered.

--src A,B runs each source tree in its own children, interleaved (A B A B), as scale.py does.

Run: .venv/bin/python bench/busy_reader.py [--feeds 2000] [--runs 2] [--latency 50]
                                           [--src /tmp/base,.]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from farm import Farm
from refresh import child_env

ROOT = Path(__file__).resolve().parents[1]
CACHED_ENTRIES, CACHED_FEEDS, PRESSES_AT_REST = 20_000, 200, 100

# Builds the cache with the tree under test, then subscribes the farm's URLs (on stdin).
BUILD_CHILD = r"""
import sys
from pathlib import Path
import reader
from newsreader.core.store.store import Store
data = Path(sys.argv[1])
reader.build_cache(data, int(sys.argv[2]), int(sys.argv[3]))
store = Store.in_dir(data)
for url in sys.stdin.read().split():
    store.add_feed(url)
store.close()
"""

LATENCY_CHILD = r"""
import asyncio, json, sys, time
from textual import events
from newsreader.core.config import Config, ReaderConfig
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.headline_view import HeadlineView

data_dir, at_rest = sys.argv[1], int(sys.argv[2])

class Timed(NewsreaderApp):
    frames: list = []
    def _display(self, screen, renderable):
        self.frames.append(time.perf_counter())
        return super()._display(screen, renderable)

import newsreader.ui.refresh_job as refresh_job
ended: list = []  # how long the UI thread took over the refresh's end (counts, panes redrawn)
_finished = refresh_job.refresh_finished
def refresh_finished(app, job):
    t = time.perf_counter()
    _finished(app, job)
    ended.append(time.perf_counter() - t)
refresh_job.refresh_finished = refresh_finished  # looked up there when a job ends

moved: list = []  # when the cursor changed: the frame after it is the one that shows it
_watch_cursor = HeadlineView.watch_cursor
def watch_cursor(self, old, new):
    _watch_cursor(self, old, new)
    moved.append(time.perf_counter())
HeadlineView.watch_cursor = watch_cursor

async def press(app, i):
    key = "k" if i % 50 >= 45 else "j"
    before, t0 = len(moved), time.perf_counter()
    event = events.Key(key, key)
    event.set_sender(app)
    app._driver.send_message(event)  # as a terminal's driver does; Pilot would wait for idle
    while len(moved) == before:
        if time.perf_counter() - t0 > 10:
            raise SystemExit(f"{key} moved no cursor in 10 s")
        await asyncio.sleep(0.0005)
    shown = moved[before]
    while not app.frames or app.frames[-1] < shown:
        await asyncio.sleep(0.0005)
    return min(f for f in app.frames if f >= shown) - t0

async def main():
    store = Store.in_dir(data_dir)
    app = Timed(store, Config(reader=ReaderConfig(refresh_on_start=False)), offline=False)
    out = {"rest": [], "busy": []}
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause(0.5)
        for i in range(at_rest):
            out["rest"].append(await press(app, i))
            await asyncio.sleep(0.02)
        started = time.perf_counter()
        app.action_refresh()
        while not app.refreshing and time.perf_counter() - started < 5:
            await asyncio.sleep(0.001)
        i = 0
        while app.refreshing:
            out["busy"].append(await press(app, i))
            i += 1
            await asyncio.sleep(0.02)
        out["refresh_s"] = time.perf_counter() - started
        out["end_pause_s"] = sum(ended)
    print(json.dumps(out))

asyncio.run(main())
"""


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def one_run(src: Path, urls: list[str], work: Path) -> dict[str, object]:
    env = child_env(work)
    env["PYTHONPATH"] = f"{src / 'src'}:{ROOT}:{ROOT / 'bench'}"
    env["TEXTUAL"] = ""
    data = work / "data"
    subprocess.run(
        [sys.executable, "-c", BUILD_CHILD, str(data), str(CACHED_ENTRIES), str(CACHED_FEEDS)],
        input="\n".join(urls),
        text=True,
        env=env,
        check=True,
    )
    done = subprocess.run(
        [sys.executable, "-c", LATENCY_CHILD, str(data), str(PRESSES_AT_REST)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--latency", type=int, default=50, help="farm latency in ms")
    ap.add_argument("--src", default=str(ROOT), help="source trees, comma-separated")
    args = ap.parse_args()
    srcs = [Path(s).resolve() for s in args.src.split(",") if s]
    for src in srcs:  # measure what an installed copy runs: bytecode
        compileall.compile_dir(src / "src", quiet=1)
    rest: dict[Path, list[float]] = {src: [] for src in srcs}
    busy: dict[Path, list[float]] = {src: [] for src in srcs}
    walls: dict[Path, list[float]] = {src: [] for src in srcs}
    pauses: dict[Path, list[float]] = {src: [] for src in srcs}
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with Farm(feeds=args.feeds, latencies_ms=(args.latency,)) as farm:
        urls = farm.urls[args.latency]
        for run in range(args.runs):
            for src in srcs:
                with tempfile.TemporaryDirectory(prefix="busy-reader-") as tmp:
                    out = one_run(src, urls, Path(tmp))
                at_rest = [float(x) for x in out["rest"]]  # type: ignore[attr-defined]
                during = [float(x) for x in out["busy"]]  # type: ignore[attr-defined]
                wall = float(out["refresh_s"])  # type: ignore[arg-type]
                rest[src] += at_rest
                busy[src] += during
                walls[src].append(wall)
                pauses[src].append(float(out["end_pause_s"]))  # type: ignore[arg-type]
                print(
                    f"  run {run + 1} [{src}]: refresh {wall:.2f} s; j at rest p50 "
                    f"{statistics.median(at_rest) * 1000:.1f} ms; during it "
                    f"{len(during)} samples, p50 "
                    f"{statistics.median(during) * 1000 if during else float('nan'):.1f} ms, "
                    f"max {max(during, default=float('nan')) * 1000:.1f} ms; end pause "
                    f"{pauses[src][-1] * 1000:.0f} ms; load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
    print(f"\n{args.feeds} farm feeds at {args.latency} ms, refreshed cold inside the reader")
    for src in srcs:
        during = busy[src]
        if not during:
            print(f"[{src}]: no samples during the refresh")
            continue
        print(
            f"[{src}] refresh {statistics.median(walls[src]):.2f} s (median); j at rest p50 "
            f"{statistics.median(rest[src]) * 1000:.1f} ms, p95 {p95(rest[src]) * 1000:.1f} ms; "
            f"during the refresh p50 {statistics.median(during) * 1000:.1f} ms, p95 "
            f"{p95(during) * 1000:.1f} ms, max {max(during) * 1000:.1f} ms "
            f"({len(during)} samples); end pause "
            f"{statistics.median(pauses[src]) * 1000:.0f} ms (median)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
