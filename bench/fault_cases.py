"""The faults bench/faults.py tries, all taken from the tests; nothing new is invented here.

Feed cases (bodies from tests/integration/test_hostile_feeds.py and test_big_feeds.py) re-route
the path where a good version of the feed was stored, or point the feed at another URL, and return
the URL the feed is then fetched from. The other rows: SIGKILLs during `refresh --full` on
tests/integration/crash_farm.py's farm, tests/ui/test_concurrency.py run as it is, and the
frozen schema-1 cache of tests/integration/schema1_cache.py.
"""

from __future__ import annotations

if __name__ == "__main__":  # bench/run_all.py runs every bench/*.py: this one is a helper
    raise SystemExit(77)  # run_all's "skipped itself"

import functools
import hashlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tests.support import crash_farm, schema1_cache
from tests.support.big_feeds import chunked, fifty_mb_feed, hundred_k_feed, run_cli
from tests.support.feedgen import Item, items, rss
from tests.support.hostile_feeds import BILLION_LAUGHS, XXE, closed_port
from tests.support.loopback import LoopbackServer

from newsreader.core.store import schema
from newsreader.core.store.store import DB_NAME, Store

ROOT = Path(__file__).resolve().parents[1]

Serve = Callable[[LoopbackServer, str], str]
Probe = Callable[[sqlite3.Connection, int], str]

# What must never reach the store: entity expansions, a local file, NULs, mojibake.
BAD_TEXT = ("lollol", "root:x:", "\x00", "Ã")
# The trickle row alone shortens the timeouts, as the hostile-farm test does (the default
# total timeout of 60 s would make each try a minute long).
SHORT_TIMEOUTS = "[network]\nread_timeout = 2.0\ntotal_timeout = 4.0\nretries = 0\n"


@dataclass(frozen=True)
class Case:
    name: str
    serve: Serve
    slow: bool = False  # tried --slow-repeat times, not --repeat
    config: str = ""  # config.toml for the refresh; empty: the defaults
    again: bool = False  # refresh the same body once more (a row of its own)
    probe: Probe | None = None  # a note on what the fault feed stored (default: titles)


def body(data: bytes | Callable[[], bytes], **route: object) -> Serve:
    def serve(server: LoopbackServer, path: str) -> str:
        return server.route(path, data if isinstance(data, bytes) else data(), **route)

    return serve


def redirect(target: str | None) -> Serve:
    """A 302 to `target`, or to itself (a loop) when None."""

    def serve(server: LoopbackServer, path: str) -> str:
        location = target or server.url(path)
        return server.route(path, b"", status=302, headers={"Location": location})

    return serve


def elsewhere(url: Callable[[], str]) -> Serve:
    """The feed moves to a URL no server answers (`set_feed_url` in the runner)."""
    return lambda server, path: url()


@functools.cache
def gzip_bomb() -> bytes:
    """500 MB of NULs gzipped (as test_hostile_feeds.py), compressed in 1 MB steps."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\x00" * (1024 * 1024)
    parts = [packer.compress(b"<rss>")]
    parts += [packer.compress(chunk) for _ in range(500)]
    return b"".join([*parts, packer.flush()])


fifty_mb = functools.cache(fifty_mb_feed)  # built once: the server holds it for every try
hundred_k = functools.cache(hundred_k_feed)


def dupes() -> bytes:
    return rss([Item(title=f"Doppelt {i}", link=f"http://e/{i}", guid="same") for i in range(3)])


def weird_dates() -> bytes:
    return rss(
        [
            Item(
                "Jahr 1",
                "http://e/y1",
                "y1",
                extra="<pubDate>Mon, 01 Jan 0001 00:00:00 GMT</pubDate>",
            ),
            Item(
                "Jahr 9999",
                "http://e/y9",
                "y9",
                extra="<pubDate>Fri, 31 Dec 9999 23:59:59 GMT</pubDate>",
            ),
        ]
    )


def years(conn: sqlite3.Connection, feed_id: int) -> str:
    """The years the fault feed's new entries were stored with (year 1/9999 must be clamped)."""
    rows = conn.execute(
        "SELECT published FROM entries WHERE feed_id = ? AND title LIKE 'Jahr %'", (feed_id,)
    ).fetchall()
    found = sorted(datetime.fromtimestamp(r[0], UTC).year for r in rows)
    return "years " + ",".join(map(str, found)) if found else "no dated rows"


def titles(conn: sqlite3.Connection, feed_id: int) -> str:
    rows = conn.execute(
        "SELECT title FROM entries WHERE feed_id = ? AND title NOT LIKE 'Gut %'",
        (feed_id,),
    ).fetchall()
    if len(rows) > 3:
        return f"{len(rows)} rows from it, e.g. {rows[0][0][:24]}"
    return "from it: " + "; ".join(sorted(r[0][:24] for r in rows)) if rows else ""


def _two(**route: object) -> Serve:
    return body(lambda: rss(items(2)), **route)


CASES: tuple[Case, ...] = (
    Case("billion laughs (entity expansion)", body(BILLION_LAUGHS)),
    Case("XXE (file:///etc/passwd entity)", body(XXE)),
    Case(
        "gzip bomb (500 MB of NULs, 0.5 MB gzipped)",
        body(gzip_bomb, headers={"Content-Encoding": "gzip"}),
    ),
    Case("oversize: 12 MB body, Content-Length", body(b"<rss>" + b"x" * (12 * 1024 * 1024))),
    Case(
        "trickle: 1 byte/s (timeouts 2 s read, 4 s total)", _two(trickle=1.0), config=SHORT_TIMEOUTS
    ),
    Case("redirect loop (302 to itself)", redirect(None)),
    Case("redirect to file:///etc/passwd", redirect("file:///etc/passwd")),
    Case("redirect to ftp://", redirect("ftp://example.org/f")),
    Case("redirect to javascript:", redirect("javascript:alert(1)")),
    Case(
        "NUL bytes in the text",
        body(lambda: rss(items(2)).replace(b"Kurzfassung", b"Kurz\x00fassung")),
    ),
    Case(
        "bad UTF-8 bytes",
        body(lambda: rss(items(2)).replace(b"Stra\xc3\x9fe", b"Stra\xff\xfee")),
    ),
    Case(
        "lying charset (UTF-8 body, header says ISO-8859-1)",
        _two(content_type="application/rss+xml; charset=ISO-8859-1"),
    ),
    Case("3 items with the same GUID", body(dupes)),
    Case("dates in year 1 and 9999", body(weird_dates), probe=years),
    Case("empty feed (no items)", body(lambda: rss([]))),
    Case(
        "HTML page instead of a feed",
        body(b"<html><body>Wartung</body></html>", content_type="text/html"),
    ),
    Case(
        "connection refused",
        elsewhere(lambda: f"http://127.0.0.1:{closed_port()}/feed.xml"),
    ),
    Case("unresolvable host (.invalid)", elsewhere(lambda: "http://feed.example.invalid/rss")),
    Case("100,000-entry feed (10 MB)", body(hundred_k), slow=True, again=True),
    Case("50 MB feed, Content-Length", body(fifty_mb), slow=True),
    Case(
        "50 MB feed, chunked, no length",
        lambda server, path: server.route(path, handler=chunked(fifty_mb())),
        slow=True,
    ),
    Case("50 MB feed, gzip", body(fifty_mb, gzip=True), slow=True),
)


def short(text: str, width: int = 58) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= width else text[: width - 1] + "…"


def counted(values: Sequence[object]) -> str:
    return ", ".join(f"{v} ×{n}" for v, n in sorted(Counter(values).items(), key=str))


def spread(values: list[int]) -> str:
    return f"{min(values)}" if min(values) == max(values) else f"{min(values)}–{max(values)}"


def crash_row(root: Path, kills_wanted: int, rng: random.Random) -> list[str]:
    """test_crash's farm (12 feeds of 15 entries with pages); SIGKILL `refresh --full` at random
    moments; after each: integrity_check and feeds whose entries were half written."""
    feeds, per = crash_farm.FEEDS, crash_farm.ITEMS
    server = LoopbackServer().start()
    try:
        data = root / "data"
        crash_farm.serve_farm(server, data)
        cmd = [sys.executable, "-m", "newsreader", "--data-dir", str(data), "refresh", "--full"]
        starts = kills = half = mid_work = 0
        checks: list[str] = []
        while kills < kills_wanted and starts < kills_wanted * 3:
            starts += 1
            proc = subprocess.Popen(
                cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
            )
            time.sleep(rng.uniform(0.3, 2.0))
            killed = proc.poll() is None
            if killed:
                os.killpg(proc.pid, signal.SIGKILL)
                kills += 1
            proc.wait()
            raw = sqlite3.connect(data / DB_NAME)
            checks.append(raw.execute("PRAGMA integrity_check").fetchone()[0])
            stored = raw.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
            pages = raw.execute("SELECT COUNT(*) FROM pages").fetchone()[0]
            mid_work += killed and (stored < feeds * per or pages < per)  # work left undone
            for feed_id, etag in raw.execute("SELECT id, etag FROM feeds").fetchall():
                sql = "SELECT COUNT(*) FROM entries WHERE feed_id = ?"
                count = raw.execute(sql, (feed_id,)).fetchone()[0]
                half += count not in ((per,) if etag else (0, per))
            raw.close()
        done = run_cli(data, "refresh", "--full", "--json")
        store = Store.in_dir(data)
        rows = store.entries(limit=feeds * per + 100)
        offline = sum(r.offline for r in rows)
        store.close()
    finally:
        server.stop()
    try:
        failed = len(json.loads(done.out)["failed"])
    except (ValueError, KeyError):
        failed = -1
    held = (
        f"integrity_check {counted(checks)}; half-written feeds {half}; next `refresh --full`: "
        f"{failed} failed, {len(rows)}/{feeds * per} entries, {offline} offline"
    )
    name = f"SIGKILL during `refresh --full` ({feeds} feeds × {per}, pages)"
    tried = f"{kills} kills ({mid_work} left work undone) in {starts} starts"
    return [
        name,
        tried,
        f"next refresh {done.code}",
        held,
        f"{done.peak_rss_mb:.0f}",
        f"{done.seconds:.1f}",
    ]


def concurrency_row(runs: int) -> tuple[list[str], list[str]]:
    """tests/ui/test_concurrency.py run as it is, `runs` times; its printed figures kept."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider"]
    cmd.append("tests/ui/test_concurrency.py")
    codes, figures, times = [], [], []
    for _ in range(runs):
        start = time.monotonic()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
        times.append(time.monotonic() - start)
        codes.append(done.returncode)
        found = re.search(r"^concurrency: .*$", done.stdout, re.M)
        figures.append(found.group(0) if found else short(done.stdout.strip()[-300:], 300))
    held = f"pytest passed {codes.count(0)}/{runs} (2 refreshes + reader; see figures below)"
    name = "2 `refresh` processes + a reader session, one cache"
    row = [name, str(runs), counted(codes), held, "—", f"{statistics.median(times):.1f}"]
    return row, figures


def upgrade_rows(root: Path, repeat: int) -> list[list[str]]:
    """test_upgrade's frozen schema-1 cache: opened by today's CLI; and one that claims a newer
    schema, which must be refused with the file left byte-identical."""
    old, new = [], []
    for k in range(repeat):
        data = root / f"old{k}" / "data"
        data.mkdir(parents=True)
        shutil.copyfile(schema1_cache.FIXTURE, data / DB_NAME)
        run = run_cli(data, "--offline", "articles", "--json")
        listed = {r["title"]: r for r in json.loads(run.out)} if run.code == 0 else {}
        kept = sum(
            t in listed and (listed[t]["read"], listed[t]["starred"]) == (v[2], v[3])
            for t, v in schema1_cache.ENTRIES.items()
        )
        raw = sqlite3.connect(data / DB_NAME)
        version = raw.execute("PRAGMA user_version").fetchone()[0]
        check = raw.execute("PRAGMA integrity_check").fetchone()[0]
        raw.close()
        old.append((run.code, kept, version, check, run.peak_rss_mb, run.seconds))

        data = root / f"new{k}" / "data"
        data.mkdir(parents=True)
        shutil.copyfile(schema1_cache.FIXTURE, data / DB_NAME)
        raw = sqlite3.connect(data / DB_NAME)
        raw.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
        raw.close()
        digest = hashlib.sha256((data / DB_NAME).read_bytes()).hexdigest()
        run = run_cli(data, "--offline", "articles")
        same = hashlib.sha256((data / DB_NAME).read_bytes()).hexdigest() == digest
        lines = run.err.strip().splitlines()
        new.append(
            (run.code, same, lines[-1] if lines else "", len(lines), run.peak_rss_mb, run.seconds)
        )
    n, total = len(old), len(schema1_cache.ENTRIES)
    held_old = (
        f"entries with read/star marks intact: {spread([o[1] for o in old])}/{total}; "
        f"schema 1 → {counted([o[2] for o in old])}; integrity_check {counted([o[3] for o in old])}"
    )
    held_new = (
        f"file byte-identical {sum(x[1] for x in new)}/{n}; stderr lines "
        f"{counted([x[3] for x in new])}: {short(new[-1][2], 70)}"
    )
    return [
        [
            "schema-1 cache (test_upgrade fixture) opened by today's CLI",
            str(n),
            counted([o[0] for o in old]),
            held_old,
            f"{max(o[4] for o in old):.0f}",
            f"{statistics.median(o[5] for o in old):.1f}",
        ],
        [
            f"cache claiming schema {schema.SCHEMA_VERSION + 1} (newer)",
            str(n),
            counted([x[0] for x in new]),
            held_new,
            f"{max(x[4] for x in new):.0f}",
            f"{statistics.median(x[5] for x in new):.1f}",
        ],
    ]
