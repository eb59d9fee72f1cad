"""Reader benchmarks on a 50,000-entry cache (500 feeds); prints a table, asserts nothing.

    .venv/bin/python bench/reader.py [--entries 50000] [--feeds 500] [--runs 5]
        [--saved-searches 20] [--kill-rules 20]

- start: wall time from spawning `python` to the first frame handed to the driver
  (`App._display`) that shows headline rows, for our App, and to the first frame of a bare
  Textual App (one Static), alternated in the same run; medians. Our App's child holds the
  collector off until that frame where `newsreader` (cli.main) does (collector.py).
- j: in a child process, `App.run_test()` headless; each sample is the time from posting the `j`
  key to the next frame the App hands to its driver (`App._display`), so it includes the
  action, the reactive update, the line renders and the compositor, like a real keypress.
  Measured idle and while a 500-feed refresh against a loopback server runs in the background.
- article: the same child, from `enter` on a cached entry with a 20 KB extracted page to the
  first frame painted after its body is in place.
- RSS: ru_maxrss of that child (and of the start-up child).
- --saved-searches / --kill-rules: both children run with that many [[search]] and [[hide]]
  tables (bench/reader_rules.py; the rules are applied to the cache before the runs, as a
  reader started before would have). The latency child's feed pane counts the searches on its
  reader thread while `j` is pressed.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from long_article import save_long_article  # noqa: E402  (bench/, the script's folder)

START_CHILD = r"""
import resource, sys, time
kind, data_dir, searches, rules = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
painted = []
# Both apps note the wall time at which the first frame that shows what they are for is handed
# to the driver (App._display): any frame for the bare app, one with headline rows for ours.
if kind == "bare":
    from textual.app import App
    from textual.widgets import Static

    class Bare(App[None]):
        def compose(self):
            yield Static("hello")

        def _display(self, screen, renderable):
            super()._display(screen, renderable)
            if not painted:
                painted.append(time.time())
                self.call_later(self.exit)

    app = Bare()
else:
    try:  # as `newsreader` (cli.main) starts the reader, in a tree that does so
        from newsreader.collector import hold_collector

        hold_collector()
    except ImportError:
        pass
    from newsreader.core.config import Config, ReaderConfig
    from newsreader.core.store.store import Store
    from newsreader.ui.app import NewsreaderApp

    class Timed(NewsreaderApp):
        def _display(self, screen, renderable):
            super()._display(screen, renderable)
            view = self.query("#headlines")
            if not painted and view and view.first().count and view.first().size.height:
                painted.append(time.time())
                self.call_later(self.exit)

        def _after_first_paint(self):
            pass  # no refresh, no panes: only the first frame is measured

    from reader_rules import saved_and_hidden

    saved, hidden = saved_and_hidden(searches, rules)
    config = Config(reader=ReaderConfig(refresh_on_start=False), searches=saved, hide=hidden)
    if len(sys.argv) > 5:  # bigcache.py: its watch words and saved searches (local_power.py)
        from local_power import config_from

        config = config_from(sys.argv[5])
    app = Timed(Store.in_dir(data_dir), config, offline=True)
app.run(headless=True, size=(140, 40))
print(painted[0], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def build_cache(data_dir: Path, entries: int, feeds: int) -> int:
    """Returns the id of an entry whose 20 KB page is cached."""
    from newsreader.core.parsed import ParsedEntry, ParsedFeed
    from newsreader.core.store.store import Store

    store = Store.in_dir(data_dir)
    now = datetime.now(UTC)
    per_feed = entries // feeds
    for f in range(feeds):
        feed = store.add_feed(f"http://127.0.0.1:1/feed/{f}", title=f"Lokalzeitung {f}")
        parsed = tuple(
            ParsedEntry(
                key=f"{f}-{n}",
                title=f"Meldung {n} aus Ort {f}: Stadtrat beschließt neue Radwege",
                url=f"https://example.org/{f}/{n}",
                summary=f"<p>Kurzer Text {n} zu Ort {f}.</p>",
                published=now - timedelta(minutes=n * feeds + f),
                html_base=f"https://example.org/{f}/",  # its links are read when it is opened
            )
            for n in range(per_feed)
        )
        store.record_feed(
            feed.id,
            ParsedFeed(f"Lokalzeitung {f}", None, parsed),
            status=200,
            etag=None,
            last_modified=None,
        )
    target_id = save_long_article(store, now)
    store.close()
    return target_id


def prepare_rules(data_dir: Path, searches: int, rules: int) -> None:
    """Decide the kill rules once, as the reader's first start with them would; time one
    round of the saved searches' counts, as the feed pane's reader thread makes it."""
    from dataclasses import replace

    from newsreader.core.store.saved_searches import search_filter
    from newsreader.core.store.store import Store
    from reader_rules import saved_and_hidden

    saved, hidden = saved_and_hidden(searches, rules)
    store = Store.in_dir(data_dir)
    t = time.perf_counter()
    checked = store.apply_hide_rules(hidden)
    if rules:
        print(
            f"{rules} kill rules decided for {checked:,} entries in {time.perf_counter() - t:.1f} s"
        )
    slowest = (0.0, "")
    t = time.perf_counter()
    for search in saved:
        started = time.perf_counter()
        store.count_entries(replace(search_filter(search), unread=True))
        slowest = max(slowest, (time.perf_counter() - started, search.query))
    if saved:
        print(
            f"{len(saved)} saved searches counted in {time.perf_counter() - t:.2f} s "
            f"(slowest {slowest[0]:.2f} s: {slowest[1]})"
        )
    store.close()


def start_times(
    data_dir: Path, runs: int, searches: int, rules: int
) -> dict[str, tuple[list[float], int]]:
    """Samples per kind: the bare app, ours, and (with saved searches or kill rules) ours with
    them, interleaved in one run so the machine's load falls on each alike."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}:{ROOT / 'bench'}", "TEXTUAL": ""}
    kinds = [("bare", 0, 0), ("reader", 0, 0)]
    if searches or rules:
        kinds.append(("reader+rules", searches, rules))
    result: dict[str, tuple[list[float], int]] = {kind: ([], 0) for kind, _, _ in kinds}
    for run in range(runs):
        # Every other run in reverse, so no kind always follows the same one.
        for kind, kind_searches, kind_rules in kinds if run % 2 == 0 else kinds[::-1]:
            argv = [kind.split("+")[0], str(data_dir), str(kind_searches), str(kind_rules)]
            started = time.time()
            out = subprocess.run(
                [sys.executable, "-c", START_CHILD, *argv],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            ).stdout.split()
            times, rss = result[kind]
            times.append(float(out[-2]) - started)
            result[kind] = (times, max(rss, int(out[-1])))
    return result


LATENCY_CHILD = r"""
import asyncio, json, resource, sys, time
from newsreader.core.config import Config, ReaderConfig
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from tests.support.loopback import LoopbackServer

data_dir, article_id, presses = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
from reader_rules import saved_and_hidden

saved, hidden = saved_and_hidden(int(sys.argv[4]), int(sys.argv[5]))

from newsreader.ui.article_view import ArticleView

body_set: list = []
_set_body = ArticleView._set_body

def _timed_set_body(self, markdown):
    _set_body(self, markdown)
    body_set.append(time.perf_counter())

ArticleView._set_body = _timed_set_body

class Timed(NewsreaderApp):
    frames: list = []
    def _display(self, screen, renderable):
        self.frames.append(time.perf_counter())
        return super()._display(screen, renderable)

async def next_frame(app, t0, pilot):
    while not app.frames or app.frames[-1] < t0:
        await asyncio.sleep(0.0005)
    return min(f for f in app.frames if f >= t0) - t0

async def j_samples(app, pilot, n, while_refreshing=False):
    samples = []
    for i in range(n):
        if while_refreshing and not app.refreshing:
            break
        t0 = time.perf_counter()
        await pilot.press("k" if i % 50 >= 45 else "j")
        samples.append(await next_frame(app, t0, pilot))
    return samples

async def main():
    store = Store.in_dir(data_dir)
    server = LoopbackServer().start()
    config = Config(reader=ReaderConfig(refresh_on_start=False), searches=saved, hide=hidden)
    app = Timed(store, config, offline=False)
    out = {}
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause(0.5)
        out["j_idle"] = await j_samples(app, pilot, presses)
        # The cached article: enter on it, until its Markdown is mounted and painted.
        view = app.headlines
        view.move_to(view.source.position(article_id))
        await pilot.pause(0.2)
        t0 = time.perf_counter()
        await pilot.press("enter")
        while True:
            article = app.detail.article
            if "Absatz 40" in article.body_source:
                break
            if time.perf_counter() - t0 > 30:
                raise SystemExit("the cached article never appeared")
            await asyncio.sleep(0.0005)
        # Opened = the first frame painted after the body is in place. (Background work the
        # open starts online, such as link previews, may repaint later; that is not the open.)
        t_body = body_set[-1]
        app.refresh()  # a frame is due anyway; make sure one comes even if nothing moved
        await next_frame(app, t_body, pilot)
        out["article"] = min(f for f in app.frames if f >= t_body) - t0
        await pilot.pause(0.5)
        # j while a 500-feed refresh runs against the loopback server.
        rss = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
               + "".join(f"<item><guid>g{i}</guid><title>Neu {i}</title></item>" for i in range(20))
               + "</channel></rss>")
        server.route("/feed", rss, delay=0.2)
        for feed in store.feeds():
            store.set_feed_url(feed.id, server.url(f"/feed/{feed.id}"))
            server.route(f"/feed/{feed.id}", rss, delay=0.2)
        view.move_to(0)
        app.action_refresh()
        await pilot.pause(0.1)
        out["j_refresh"] = await j_samples(app, pilot, presses, while_refreshing=True)
        out["notes"] = [n.message for n in app._notifications]
        # The counts give way while keys come in (user_activity.py): the round made after the
        # presses is the one to see, once the keys rest.
        counter = app.query_one("#feeds").counter
        waited = time.perf_counter()
        while saved and counter._last is None and time.perf_counter() - waited < 30:
            await asyncio.sleep(0.05)
        out["counted"] = len(counter._last.counts) if saved and counter._last else 0
    server.stop()
    out["rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(out))

asyncio.run(main())
"""


def latency(
    data_dir: Path, article_id: int, presses: int, searches: int, rules: int
) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}:{ROOT / 'bench'}"}
    argv = [str(data_dir), str(article_id), str(presses), str(searches), str(rules)]
    proc = subprocess.run(
        [sys.executable, "-c", LATENCY_CHILD, *argv],
        capture_output=True,
        text=True,
        env=env,
    )
    if proc.returncode != 0:
        sys.exit(proc.stderr)
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--saved-searches", type=int, default=0, metavar="N", help="at most 20")
    parser.add_argument("--kill-rules", type=int, default=0, metavar="N", help="at most 20")
    args = parser.parse_args()
    # Measure what an installed copy runs: bytecode, not source compiled at every start.
    compileall.compile_dir(Path(__file__).resolve().parents[1] / "src", quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "cache"
        t = time.perf_counter()
        article_id = build_cache(data_dir, args.entries, args.feeds)
        prepare_rules(data_dir, args.saved_searches, args.kill_rules)
        print(
            f"cache: {args.entries:,} entries, {args.feeds} feeds, "
            f"built in {time.perf_counter() - t:.1f} s"
        )
        # The 50,000 rows just written are still being flushed to disk: let that finish, so
        # the start-up runs (ours reads the cache, the bare app does not) compete with nothing.
        os.sync()
        time.sleep(2)
        starts = start_times(data_dir, args.runs, args.saved_searches, args.kill_rules)
        plain_lat = None
        if args.saved_searches or args.kill_rules:
            # The latency run moves the feeds to its loopback server: the plain run gets a copy.
            shutil.copytree(data_dir, Path(tmp) / "plain")
            plain_lat = latency(Path(tmp) / "plain", article_id, args.presses, 0, 0)
        lat = latency(data_dir, article_id, args.presses, args.saved_searches, args.kill_rules)
    bare = statistics.median(starts["bare"][0])
    ours = statistics.median(starts["reader"][0])
    with_rules = statistics.median(starts["reader+rules"][0]) if "reader+rules" in starts else 0
    j_idle = [v * 1000 for v in lat["j_idle"]]  # type: ignore[attr-defined]
    j_busy = [v * 1000 for v in lat["j_refresh"]] or [float("nan")]  # type: ignore[attr-defined]
    rows = [
        ("start: bare Textual app (median)", f"{bare:.3f} s", ""),
        (
            "start: first headlines (median)",
            f"{ours:.3f} s",
            f"{ours / bare:.2f}x bare (target < 1.4x)",
        ),
        *(
            [
                (
                    f"start: first headlines, {args.saved_searches} searches / "
                    f"{args.kill_rules} rules",
                    f"{with_rules:.3f} s",
                    f"{with_rules / bare:.2f}x bare",
                )
            ]
            if with_rules
            else []
        ),
        (
            "j -> repaint median / p95, idle",
            f"{statistics.median(j_idle):.1f} / {p95(j_idle):.1f} ms",
            "target < 25 / < 50 ms",
        ),
        (
            "j -> repaint median / p95, refreshing",
            f"{statistics.median(j_busy):.1f} / {p95(j_busy):.1f} ms",
            f"{len(j_busy)} presses while the refresh ran",
        ),
        (
            "open cached 20 KB article",
            f"{float(lat['article']) * 1000:.0f} ms",  # type: ignore[arg-type]
            "target < 100 ms",
        ),
        (
            "peak RSS (latency child / start child)",
            f"{int(lat['rss_kb']) // 1024} / {starts['reader'][1] // 1024} MB",  # type: ignore[call-overload]
            "target < 250 MB",
        ),
    ]
    if plain_lat is not None:
        print(
            f"j and article with {args.saved_searches} saved searches ({lat['counted']} counted "
            f"in the latency child) and {args.kill_rules} kill rules; without them:"
        )
        for name, samples in (
            ("idle", plain_lat["j_idle"]),
            ("refreshing", plain_lat["j_refresh"]),
        ):
            ms = [v * 1000 for v in samples] or [float("nan")]  # type: ignore[attr-defined]
            median = statistics.median(ms)
            print(f"  j -> repaint median / p95, {name}: {median:.1f} / {p95(ms):.1f} ms")
        print(f"  open cached 20 KB article: {float(plain_lat['article']) * 1000:.0f} ms")  # type: ignore[arg-type]
    if lat.get("notes"):
        print("notifications:", lat["notes"])
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>18}  {note}")


if __name__ == "__main__":
    main()
