"""Sync benchmark: `newsreader sync` against the fake FreshRSS server at 50 ms per request,
and (when its venv is there or can be built) against a real coldsweat Fever server.

Google Reader API, 100 feeds and 10,000 items (crawled over the last 10 days, a third unread,
200 starred): the first sync; a sync with nothing new, from the CLI (a new login each time)
and in a reader-like session that keeps its token in memory; a sync pushing 500 queued marks.
Each CLI sync runs in a child process; we print wall time, requests and the child's peak RSS.
Fever: coldsweat with 20 feeds of 100 items; a first sync and an incremental one.

Run: .venv/bin/python bench/sync.py [--feeds 100] [--items 10000] [--latency 0.05] [--no-fever]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.support.fake_greader import FakeGReader  # noqa: E402
from tests.support.feedgen import items as feed_items  # noqa: E402
from tests.support.feedgen import rss  # noqa: E402
from tests.support.loopback import LoopbackServer  # noqa: E402
from tests.support.sync_setup import API_PASSWORD, write_sync_config  # noqa: E402

from newsreader.core.config_file import load_config  # noqa: E402
from newsreader.core.store.store import Store  # noqa: E402
from newsreader.core.sync.session import SyncSession  # noqa: E402

CHILD = (
    "import resource, sys\n"
    "from newsreader.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "print('RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def cli(env: dict[str, str], *args: str) -> tuple[float, Any, int]:
    started = time.perf_counter()
    done = subprocess.run(
        [python(), "-c", CHILD, *args], env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"newsreader {' '.join(args)} failed: {done.stderr.strip()}")
    rss_kb = int(done.stderr.split("RSS_KB")[-1].split()[0])
    return seconds, json.loads(done.stdout) if done.stdout.strip() else {}, rss_kb


def populate(fake: FakeGReader, feeds: int, items: int, rng: random.Random) -> None:
    now = time.time()
    made = [
        fake.add_feed(f"http://news{n}.example/feed.xml", f"Quelle {n}", [f"Ort {n % 7}"])
        for n in range(feeds)
    ]
    body = "<p>" + "Der Rat der Stadt hat am Dienstag beraten. " * 12 + "</p>"
    for n in range(items):
        when = now - rng.uniform(0, 10 * 86400)
        fake.add_item(
            made[n % feeds],
            f"Meldung {n}: Straßenfest in Münster",
            f"http://news{n % feeds}.example/artikel/{n}",
            content=body,
            published=int(when),
            crawled=when,
            read=rng.random() > 1 / 3,
            starred=n % 50 == 0,
        )


def bench_greader(args: argparse.Namespace) -> None:
    rng = random.Random(7)
    fake = FakeGReader(api_password=API_PASSWORD).start()
    try:
        populate(fake, args.feeds, args.items, rng)
        fake.latency = args.latency
        with tempfile.TemporaryDirectory(prefix="nr-bench-sync-") as tmp:
            config = write_sync_config(Path(tmp) / "config.toml", "greader", fake.url, "alice")
            env = {
                **os.environ,
                "NEWSREADER_DATA_DIR": str(Path(tmp) / "data"),
                "NEWSREADER_CONFIG": str(config),
                "NEWSREADER_SYNC_PASSWORD": API_PASSWORD,
            }
            print(
                f"Google Reader API (fake FreshRSS, {args.latency * 1000:.0f} ms per request): "
                f"{args.feeds} feeds, {args.items} items"
            )
            row = "  {:<34} {:>7.2f} s  {:>5} requests  peak RSS {:>4.0f} MB  {}"
            before = fake.api_calls()
            seconds, report, rss_kb = cli(env, "sync", "--json")
            print(
                row.format(
                    "first sync",
                    seconds,
                    fake.api_calls() - before,
                    rss_kb / 1024,
                    f"{report['pulled_items']} items, {report['feeds_added']} feeds",
                )
            )
            before = fake.api_calls()
            seconds, report, rss_kb = cli(env, "sync", "--json")
            print(
                row.format(
                    "nothing new (CLI)",
                    seconds,
                    fake.api_calls() - before,
                    rss_kb / 1024,
                    f"sync itself {report['seconds']:.2f} s",
                )
            )
            # A reader session: the reader's one SyncSession, logged in once, syncing again.
            os.environ["NEWSREADER_SYNC_PASSWORD"] = API_PASSWORD
            sync = load_config(config).sync
            store = Store.in_dir(Path(tmp) / "data")
            session = SyncSession(store, sync)
            session.sync()
            before = fake.api_calls()
            started = time.perf_counter()
            session.sync()
            seconds = time.perf_counter() - started
            session.close()
            print(
                row.format(
                    "nothing new (session, token kept)", seconds, fake.api_calls() - before, 0, ""
                ).replace("peak RSS    0 MB  ", "")
            )
            _, rows, _ = cli(env, "articles", "--json", "--unread", "--limit", "500")
            ids = [str(r["id"]) for r in rows]
            _, marked, _ = cli(env, "mark", *ids, "--read", "--json")
            before = fake.api_calls()
            edits_before = len(fake.edits)
            seconds, report, rss_kb = cli(env, "sync", "--json")
            print(
                row.format(
                    f"push {marked['queued']} queued marks",
                    seconds,
                    fake.api_calls() - before,
                    rss_kb / 1024,
                    f"{report['pushed']} pushed in {len(fake.edits) - edits_before} edit-tag",
                )
            )
            store.close()
    finally:
        fake.stop()


def bench_fever(args: argparse.Namespace) -> None:
    from tests.support.coldsweat import Coldsweat, ProxyTrap, PypiUnreachable, ensure_venv

    try:
        script = ensure_venv()
    except PypiUnreachable as exc:
        print(f"Fever (coldsweat): skipped, PyPI unreachable ({exc})")
        return
    server = LoopbackServer().start()
    trap = ProxyTrap()
    try:
        for n in range(20):
            server.route(
                f"/feed{n}.xml",
                rss(feed_items(100, base=f"http://site{n}.example"), title=f"Quelle {n}"),
            )
        with tempfile.TemporaryDirectory(prefix="nr-bench-fever-") as tmp:
            work = Path(tmp) / "coldsweat"
            work.mkdir()
            opml = Path(tmp) / "feeds.opml"
            outlines = "".join(
                f'<outline type="rss" text="Quelle {n}" xmlUrl="{server.url(f"/feed{n}.xml")}"/>'
                for n in range(20)
            )
            opml.write_text(
                f'<?xml version="1.0"?><opml version="2.0"><body>{outlines}</body></opml>',
                encoding="utf-8",
            )
            instance = Coldsweat(script, work, trap)
            instance.setup("alice@example.org", "coldsweat-secret")
            instance.import_opml(opml, "alice@example.org")
            instance.fetch()
            instance.start()
            try:
                config = write_sync_config(
                    Path(tmp) / "config.toml", "fever", instance.url, "alice@example.org"
                )
                env = {
                    **os.environ,
                    "NEWSREADER_DATA_DIR": str(Path(tmp) / "data"),
                    "NEWSREADER_CONFIG": str(config),
                    "NEWSREADER_SYNC_PASSWORD": "coldsweat-secret",
                }
                print("Fever (coldsweat 0.10.2 on 127.0.0.1, no added latency): 20 feeds")
                row = "  {:<34} {:>7.2f} s  peak RSS {:>4.0f} MB  {}"
                seconds, report, rss_kb = cli(env, "sync", "--json")
                print(
                    row.format(
                        "first sync", seconds, rss_kb / 1024, f"{report['pulled_items']} items"
                    )
                )
                for n in range(20):  # 10 more items in every feed
                    server.route(
                        f"/feed{n}.xml",
                        rss(feed_items(110, base=f"http://site{n}.example"), title=f"Quelle {n}"),
                    )
                instance.pretend_feeds_are_due()
                instance.fetch()
                seconds, report, rss_kb = cli(env, "sync", "--json")
                print(
                    row.format(
                        "incremental sync",
                        seconds,
                        rss_kb / 1024,
                        f"{report['pulled_items']} new items",
                    )
                )
            finally:
                instance.stop()
    finally:
        trap.close()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--no-fever", action="store_true")
    args = parser.parse_args()
    bench_greader(args)
    if not args.no_fever:
        bench_fever(args)


if __name__ == "__main__":
    main()
