"""The second part of bench/scale.py: a reader and a refresh on a cache of a million entries.

The cache is written through the Store's own `record_feeds` (so its index rows are whatever
the source tree under test writes), in a child process importing that tree: 2,000 feeds of
German local news (farm.py's vocabulary), titles, a 1-4 sentence summary, and HTML content of
0.5-3 KB on one entry in four; published over the last 80 days, 95 % of it read. A rare word
sits in one entry in 100,000. Then issue 14's local power (local_power.py): one entry in 150
of the last week reprinted in other feeds and clustered, four watch words and eight saved
searches in the reader's config, clustering on. Per source tree:
- start: reader (first frame with headlines) against a bare Textual app, medians;
- j: key press to the next frame, median and p95 over 150 presses;
- search in the reader: enter in the search field to the first frame after the list took the
  search (its count and first rows), a common and a rare word;
- m: a read mark to the next frame (the row), to the first frame with the header's and the
  feed pane's counts changed, and to the first frame after the writer thread stored the mark
  and the counts were read from the store;
- open: enter on an entry with a cached 20 KB page to the first frame with its body;
- `articles --search WORD --limit 50`: wall of the command;
- DB bytes per entry, and a cold refresh of --cache-feeds farm feeds on top of the cache.

Standalone (bench/ and the tree's src on PYTHONPATH):
    python bench/bigcache.py DIR ENTRIES            generate (with reprints and clusters)
    python bench/bigcache.py DIR --prepare          add reprints and clusters to a cache
    python bench/bigcache.py DIR --reader ARTICLE [--src A,B] [--runs 5]
        the reader's figures on a copy of the cache in DIR (ARTICLE: the id generate printed)
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from farm import Farm, _content, _sentence, _sentences
from local_power import SEARCHES, WATCH, prepare, settings
from long_article import save_long_article
from reader import START_CHILD, p95
from refresh import child_env, subscribe
from scale import DB_NAME, Row, env_for, measure, med, refresh_run

FEEDS = 2000
RARE = "Zwetschgendatschi"
COMMON = "Stadt"


def generate(data_dir: Path, entries: int) -> int:
    """Write the cache; returns the id of the entry whose page is cached."""
    from newsreader.core.parsed import ParsedEntry, ParsedFeed
    from newsreader.core.store.feed_writes import FeedUpdate
    from newsreader.core.store.store import Store

    store = Store.in_dir(data_dir)
    rng = random.Random(15)
    pool = _sentences(2026)
    now = datetime.now(UTC).replace(microsecond=0)
    per_feed = max(1, entries // FEEDS)
    feeds = min(FEEDS, entries)
    ids = [
        store.add_feed(f"http://127.0.0.1:9/feed/{f}", title=f"Lokalzeitung {f}").id
        for f in range(feeds)
    ]
    batch: list[FeedUpdate] = []
    serial = 0
    for f, feed_id in enumerate(ids):
        site = f"https://www.zeitung-{f}.de"
        items = []
        for n in range(per_feed):
            serial += 1
            # Its own sentences, not the pool's: a summary made of pool sentences is found
            # whole in the content of other entries, and the clustering pass chained the
            # week's entries into one story (73,063 of 88,353).
            summary = " ".join(_sentence(rng) for _ in range(rng.randint(1, 4)))
            if serial % 100_000 == 7:
                summary += f" {RARE} vom Bäcker am Markt."
            content = (
                _content(rng, pool, site, rng.randint(500, 3000)) if rng.random() < 0.25 else ""
            )
            items.append(
                ParsedEntry(
                    key=f"{site}/{n}",
                    title=rng.choice(pool)[:90].rstrip(".!?:"),
                    url=f"{site}/lokales/{n}.html",
                    author=None,
                    summary=f"<p>{summary}</p>",
                    content=content,
                    published=now - timedelta(seconds=rng.randint(60, 80 * 86400)),
                    categories=("Lokales",),
                    html_base=f"{site}/",
                )
            )
        batch.append(FeedUpdate(feed_id, ParsedFeed(f"Lokalzeitung {f}", site, tuple(items)), 200))
        if len(batch) >= 20 or f == feeds - 1:
            store.record_feeds(batch)
            batch = []
    with store.transaction() as conn:
        conn.execute("UPDATE entries SET read = 1 WHERE id % 20 != 0")
        conn.execute("UPDATE entries SET starred = 1 WHERE id % 1000 = 3")
    target_id = save_long_article(store, now)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return target_id


UI_CHILD = r"""
import asyncio, json, sys, time
from local_power import config_from
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.article_view import ArticleView
from newsreader.ui.status_bar import StatusBar

data_dir, article_id, presses, spec = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
words = sys.argv[5:]
body_set = []
_set_body = ArticleView._set_body
def _timed(self, markdown):
    _set_body(self, markdown)
    body_set.append(time.perf_counter())
ArticleView._set_body = _timed

from newsreader.ui.headline_view import HeadlineView
filtered = []
_set_filter = HeadlineView.set_filter
def _timed_filter(self, filt):
    _set_filter(self, filt)
    filtered.append((time.perf_counter(), filt.search))
HeadlineView.set_filter = _timed_filter

counted = []
_update_counts = NewsreaderApp.update_counts
def _timed_counts(self, **kwargs):
    _update_counts(self, **kwargs)
    counted.append(time.perf_counter())
NewsreaderApp.update_counts = _timed_counts

class Timed(NewsreaderApp):
    frames = []
    def _display(self, screen, renderable):
        self.frames.append(time.perf_counter())
        return super()._display(screen, renderable)

async def frame_after(app, t0):
    app.refresh()
    while not app.frames or app.frames[-1] < t0:
        await asyncio.sleep(0.0005)
    return min(f for f in app.frames if f >= t0)

async def main():
    app = Timed(Store.in_dir(data_dir), config_from(spec), offline=True)
    out = {"j": [], "m": [], "m_counts": [], "m_stored": [], "search": {}}
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause(0.5)
        for i in range(presses):
            t0 = time.perf_counter()
            await pilot.press("k" if i % 50 >= 45 else "j")
            out["j"].append(await frame_after(app, t0) - t0)
        status = app.query_one(StatusBar)
        unread_set = []  # when the header's count changed, whoever changed it
        app.watch(status, "unread", lambda _: unread_set.append(time.perf_counter()), init=False)
        for _ in range(5):
            before = status.unread
            t0 = time.perf_counter()
            await pilot.press("m")
            out["m"].append(await frame_after(app, t0) - t0)
            # The counts: the first frame after the header's count changed (the feed pane's
            # changes with it), whether the reader counted the mark at once or only once the
            # writer thread had stored it (update_counts); and, apart, that second moment.
            while status.unread == before:
                if time.perf_counter() - t0 > 30:
                    raise SystemExit("the unread count never changed")
                await asyncio.sleep(0.0005)
            changed_at = min(c for c in unread_set if c >= t0)
            out["m_counts"].append(await frame_after(app, changed_at) - t0)
            while not any(c >= t0 for c in counted):
                if time.perf_counter() - t0 > 30:
                    raise SystemExit("the mark was never stored")
                await asyncio.sleep(0.0005)
            stored_at = min(c for c in counted if c >= t0)
            out["m_stored"].append(await frame_after(app, stored_at) - t0)
            await pilot.press("j")
        for word in words:
            samples = []
            for _ in range(3):
                app.action_clear_filters()
                await pilot.pause(0.1)
                await pilot.press("slash")
                for ch in word:
                    await pilot.press(ch)
                t0 = time.perf_counter()
                await pilot.press("enter")
                # The first frame after the list took the search (the field closing may
                # paint a frame before that).
                while not any(t >= t0 and s == word for t, s in filtered):
                    if time.perf_counter() - t0 > 30:
                        raise SystemExit("the search never reached the list")
                    await asyncio.sleep(0.0005)
                listed = min(t for t, s in filtered if t >= t0 and s == word)
                samples.append(await frame_after(app, listed) - t0)
            out["search"][word] = [samples, app.headlines.count]
        app.action_clear_filters()
        await pilot.pause(0.2)
        view = app.headlines
        view.move_to(view.source.position(article_id))
        await pilot.pause(0.2)
        t0 = time.perf_counter()
        await pilot.press("enter")
        while "Absatz 40" not in app.detail.article.body_source:
            if time.perf_counter() - t0 > 30:
                raise SystemExit("the cached article never appeared")
            await asyncio.sleep(0.0005)
        out["open"] = await frame_after(app, body_set[-1]) - t0
    print(json.dumps(out))

asyncio.run(main())
"""


def with_bench(env: dict[str, str]) -> dict[str, str]:
    """The children import helpers from this folder (reader_rules, local_power)."""
    bench = str(Path(__file__).resolve().parent)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p] + [bench]
    return {**env, "PYTHONPATH": os.pathsep.join(paths)}


def start_time(data: Path, env: dict[str, str], kind: str, spec: str) -> float:
    """reader.py's start child, with local_power's watch words and saved searches."""
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", START_CHILD, kind, str(data), "0", "0", spec],
        capture_output=True,
        text=True,
        env=with_bench(env),
        check=True,
    ).stdout.split()
    return float(out[-2]) - started


def ui_latencies(data: Path, env: dict[str, str], article_id: int, spec: str) -> dict[str, object]:
    cmd = [sys.executable, "-c", UI_CHILD, str(data), str(article_id), "150", spec, COMMON, RARE]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=with_bench(env), check=False)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def cli_search(data: Path, env: dict[str, str], word: str) -> float:
    cmd = [sys.executable, "-m", "newsreader", "--data-dir", str(data), "articles"]
    times = []
    for _ in range(3):
        m = measure([*cmd, "--search", word, "--limit", "50"], env)
        if m.rc != 0:
            raise SystemExit(m.stderr)
        times.append(m.wall)
    return statistics.median(times)


def compiled(srcs: list[Path]) -> None:
    """Measure what an installed copy runs: bytecode, not source compiled at every start
    (with PYTHONDONTWRITEBYTECODE set, as on this machine, no start writes it). This folder
    too: the reader's children import local_power, the bare app's do not."""
    for src in srcs:
        compileall.compile_dir(src / "src", quiet=1)
    compileall.compile_dir(Path(__file__).resolve().parent, quiet=1)


def reader_figures(data: Path, env: dict[str, str], article: int, runs: int) -> dict[str, Any]:
    """Start-up (bare and ours alternated), the UI child's latencies, `articles --search`."""
    spec = settings()
    bare: list[float] = []
    start: list[float] = []
    for _ in range(runs):
        bare.append(start_time(data, env, "bare", spec))
        start.append(start_time(data, env, "reader", spec))
    return {
        "bare": bare,
        "start": start,
        "ui": ui_latencies(data, env, article, spec),
        "cli": {w: cli_search(data, env, w) for w in (COMMON, RARE)},
    }


def print_reader(r: dict[str, Any]) -> None:
    ui = r["ui"]
    j = [v * 1000 for v in ui["j"]]
    m = [v * 1000 for v in ui["m"]]
    counts = [v * 1000 for v in ui["m_counts"]]
    bare, start = med(r["bare"]), med(r["start"])
    spread = f"{min(r['start']):.3f}-{max(r['start']):.3f}"
    print(
        f"  start: bare {bare:.3f} s, reader {start:.3f} s ({spread}) = {start / bare:.2f}x"
        " (target 1.4x)"
    )
    print(f"  j -> frame: median {statistics.median(j):.1f} ms, p95 {p95(j):.1f} ms (< 50)")
    print(f"  m -> frame: median {statistics.median(m):.1f} ms (< 50)")
    print(
        f"  m -> frame with the header and feed pane counts: median"
        f" {statistics.median(counts):.1f} ms, max {max(counts):.1f} ms (< 50)"
    )
    if ui.get("m_stored"):
        stored = [v * 1000 for v in ui["m_stored"]]
        print(
            f"  m -> frame after the mark is stored and counted from the store: median"
            f" {statistics.median(stored):.1f} ms, max {max(stored):.1f} ms"
        )
    for word, (samples, count) in ui["search"].items():
        took = statistics.median(samples) * 1000
        print(
            f"  search {word!r} in the reader: median {took:.0f} ms"
            f" ({count:,} hits; < 150 rare, < 300 common)"
        )
    for word, wall in r["cli"].items():
        print(f"  articles --search {word!r} --limit 50: {wall:.2f} s wall")
    print(f"  open cached 20 KB article: {float(ui['open']) * 1000:.0f} ms (< 100)")


def cache_part(args: argparse.Namespace, srcs: list[Path], work: Path) -> None:
    base_env = child_env(work)
    base_env["TEXTUAL"] = ""
    compiled(srcs)
    caches: dict[Path, tuple[Path, int, float, int, str]] = {}
    for src in srcs:
        env = env_for(src, base_env)
        data = work / f"cache-{srcs.index(src)}"
        data.mkdir()
        t = time.perf_counter()
        out = subprocess.run(
            [sys.executable, str(Path(__file__)), str(data), str(args.cache)],
            env=with_bench(env),
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            raise SystemExit(out.stderr[-3000:])
        size = (data / DB_NAME).stat().st_size
        *notes, article = out.stdout.strip().splitlines()
        built = time.perf_counter() - t
        caches[src] = (data, int(article), built, size, " ".join(notes))
    subprocess.run(["sync"], check=False)
    results: dict[Path, dict[str, Any]] = {}
    for src in srcs:
        data, article = caches[src][:2]
        results[src] = reader_figures(data, env_for(src, base_env), article, 5)
    with Farm(feeds=args.cache_feeds, latencies_ms=(args.latency,)) as farm:
        for src in srcs:
            env = env_for(src, base_env)
            data = caches[src][0]
            subscribe(farm.urls[args.latency], data, env)
            row = Row()
            note = refresh_run(data, env, row, args.cache_feeds, "cold")
            results[src]["refresh"] = note
    load = os.getloadavg()
    print(f"\nA cache of {args.cache:,} entries ({FEEDS} feeds); load average now {load}")
    print(f"  watch words {WATCH}; {len(SEARCHES)} saved searches; clustering on")
    for src in srcs:
        r = results[src]
        data, _, built, size, notes = caches[src]
        print(f"[{src}] generated in {built:.0f} s: {notes}")
        print_reader(r)
        print(f"  DB: {size / 1e6:.0f} MB, {size / args.cache:,.0f} B/entry")
        print(f"  cold refresh of {args.cache_feeds} new feeds on top: {r['refresh']}")


def reader_only(cache: Path, article: int, srcs: list[Path], runs: int) -> None:
    """The reader's figures on a cache made before (`--reader`): each tree gets its own copy,
    and the copies are taken in turn, so the trees meet the same load."""
    compiled(srcs)
    with tempfile.TemporaryDirectory(prefix="bigread-", dir=cache.parent) as tmp:
        print(f"load average {os.getloadavg()} before")
        for src in srcs:
            data = Path(tmp) / "cache"
            shutil.copytree(cache, data)
            subprocess.run(["sync"], check=False)
            env = env_for(src, {**child_env(Path(tmp)), "TEXTUAL": ""})
            figures = reader_figures(data, env, article, runs)
            print(f"[{src}] load average {os.getloadavg()}")
            print_reader(figures)
            shutil.rmtree(data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path, help="the cache's folder")
    ap.add_argument("entries", type=int, nargs="?", default=1_000_000)
    ap.add_argument("--reader", type=int, metavar="ARTICLE_ID", help="measure an existing cache")
    ap.add_argument("--prepare", action="store_true", help="add reprints and clusters only")
    ap.add_argument("--src", default=str(Path(__file__).resolve().parents[1]))
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    if args.reader is not None:
        srcs = [Path(s).resolve() for s in args.src.split(",") if s]
        reader_only(args.data.resolve(), args.reader, srcs, args.runs)
        return
    # reader.py put this checkout's src (and root) first; the tree under test comes by
    # PYTHONPATH. Only those inserted entries go: when the tree under test is this checkout,
    # its PYTHONPATH entry further down must stay.
    root = Path(__file__).resolve().parents[1]
    for inserted in (str(root / "src"), str(root)):
        if inserted in sys.path:
            sys.path.remove(inserted)  # the first occurrence: reader.py's
    if args.prepare:
        print(prepare(args.data))
        return
    t = time.perf_counter()
    article = generate(args.data, args.entries)
    size = (args.data / DB_NAME).stat().st_size
    print(
        f"generated {args.entries} in {time.perf_counter() - t:.0f} s,"
        f" {size / args.entries:.0f} B/entry",
        file=sys.stderr,
    )
    print(prepare(args.data))
    print(article)


if __name__ == "__main__":
    main()
