"""Big feeds: 100,000 entries in one feed, and a 50 MB feed, through the real `refresh`.

Each refresh runs as the real program (`newsreader.cli.main`, what `python -m newsreader` runs)
in a child process, which reports its own peak RSS as it exits. Not ru_maxrss from wait4: on
Linux a child started by fork/vfork + exec inherits the parent's high-water mark, so it would
report pytest's memory (the 50 MB body sits there) instead of the refresh's. The bounds are
generous and no time is asserted; the figures print as `FIGURE ...` lines (`pytest -s`).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from newsreader.core.config import NetworkConfig
from newsreader.core.models import EntryFilter
from newsreader.core.store.store import Store
from tests.support.feedgen import items, rss
from tests.support.loopback import LoopbackServer

BASE = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
CAP_MB = NetworkConfig().max_feed_mb
CAP = int(CAP_MB * 1024 * 1024)


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    seconds: float
    peak_rss_mb: float


# VmHWM is this process image's own peak (unlike ru_maxrss, not inherited through exec); its
# reaped workers count too (theirs may include our RSS at their start, never more than our peak).
_CHILD = """
import resource, sys
from newsreader.cli import main
try:
    code = main(sys.argv[2:])
finally:
    with open("/proc/self/status") as status:
        own = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(sys.argv[1], "w") as out:
        out.write(str(max(own, workers)))
sys.exit(code)
"""


def run_cli(data: Path, *args: str) -> Run:
    """`newsreader --data-dir DATA ARGS...` in a child process; its peak RSS in MB (Linux)."""
    out_path, err_path = data.parent / "stdout.txt", data.parent / "stderr.txt"
    peak_path = data.parent / "peak_kb.txt"
    env = {**os.environ, "NEWSREADER_CONFIG": str(data.parent / "config.toml")}
    cmd = [sys.executable, "-c", _CHILD, str(peak_path), "--data-dir", str(data), *args]
    started = time.monotonic()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        code = subprocess.call(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
    return Run(
        code=code,
        out=out_path.read_text(encoding="utf-8"),
        err=err_path.read_text(encoding="utf-8"),
        seconds=round(time.monotonic() - started, 2),
        peak_rss_mb=round(int(peak_path.read_text()) / 1024, 1),
    )


def hundred_k_feed(n: int = 100_000) -> bytes:
    """Minimal RSS items: the guid is a permalink, so it is both the key and the link; that
    and a short RFC 822 date keep 100,000 items under the feed cap."""
    parts = [
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        b"<title>Gro\xc3\x9fe Chronik</title><link>http://chronik.test/</link>"
    ]
    for i in range(n):
        d = BASE - timedelta(minutes=i)
        parts.append(
            f"<item><title>N {i}</title><guid>http://t/{i}</guid>"
            f"<pubDate>{d.day} {d:%b %Y %H:%M} GMT</pubDate></item>".encode()
        )
    parts.append(b"</channel></rss>")
    return b"".join(parts)


@pytest.mark.timeout(300)
def test_hundred_thousand_entries_store_once_with_bounded_memory(
    server: LoopbackServer, tmp_path: Path
) -> None:
    body = hundred_k_feed()
    assert len(body) < CAP  # the point is a feed the program must accept
    data = tmp_path / "data"
    store = Store.in_dir(data)
    big = store.add_feed(server.route("/chronik.xml", body))  # no validators: full body again
    small = [
        store.add_feed(server.route(f"/klein{k}.xml", rss(items(3, prefix=f"Klein{k}"))))
        for k in range(2)
    ]
    store.close()

    first = run_cli(data, "refresh", "--json")
    report = json.loads(first.out)
    assert first.code == 0, first.err
    assert report["failed"] == [] and report["feeds"] == 3
    assert report["new_entries"] == 100_000 + 6

    store = Store.in_dir(data)
    assert store.count_entries(EntryFilter(feed_id=big.id)) == 100_000
    assert all(store.count_entries(EntryFilter(feed_id=f.id)) == 3 for f in small)
    newest = store.entries(EntryFilter(feed_id=big.id), limit=2)
    assert [r.title for r in newest] == ["N 0", "N 1"] and newest[0].url == "http://t/0"
    oldest = store.entries_at(EntryFilter(feed_id=big.id), offset=99_999, limit=5)
    assert [r.title for r in oldest] == ["N 99999"]
    store.set_read([newest[0].id])
    store.close()

    # The same 10 MB again: parsed, compared, nothing duplicated, nothing rewritten.
    server.route("/klein0.xml", rss(items(4, prefix="Klein0")))
    second = run_cli(data, "refresh", "--json")
    again = json.loads(second.out)
    assert second.code == 0, second.err
    assert (again["new_entries"], again["updated_entries"], again["failed"]) == (1, 0, [])
    assert server.hits["/chronik.xml"] == 2
    store = Store.in_dir(data)
    assert store.count_entries(EntryFilter(feed_id=big.id)) == 100_000
    assert store.count_entries(EntryFilter(feed_id=small[0].id)) == 4
    assert store.count_entries() == 100_007
    assert store.entries(EntryFilter(feed_id=big.id), limit=1)[0].read  # the mark stayed
    store.close()

    print(
        f"\nFIGURE 100k-entries: stored=100000 (+6 small), seconds={first.seconds}, "
        f"peak_rss_mb={first.peak_rss_mb}; same body again: seconds={second.seconds}, "
        f"peak_rss_mb={second.peak_rss_mb}; feed bytes={len(body)}"
    )
    assert first.peak_rss_mb < 400 and second.peak_rss_mb < 400


def fifty_mb_feed() -> bytes:
    """A valid RSS document of 50 MB: real items whose descriptions are long German text."""
    text = ("Straßenfest in Münster: Sperrungen rund um den Prinzipalmarkt. " * 160).encode()
    head = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        b"<title>Dicke Zeitung</title><link>http://dick.test/</link>"
    )
    parts = [head]
    size, i = len(head), 0
    while size < 50 * 1024 * 1024:
        item = (
            f"<item><title>Füllartikel {i}</title><guid>http://dick.test/{i}</guid>"
            "<description>".encode()
            + text
            + b"</description></item>"
        )
        parts.append(item)
        size += len(item)
        i += 1
    parts.append(b"</channel></rss>")
    return b"".join(parts)


Handler = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


def chunked(body: bytes) -> Handler:
    """A route handler that streams `body` chunked, with no Content-Length at all.

    It writes the whole response itself, then shuts the socket's sending side so the
    loopback's own reply afterwards goes nowhere (its BrokenPipeError is swallowed there)."""

    def handler(req: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        req.close_connection = True
        try:
            req.wfile.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            )
            for start in range(0, len(body), 256 * 1024):
                chunk = body[start : start + 256 * 1024]
                req.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            req.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading at its cap, as it should
        with contextlib.suppress(OSError):
            req.connection.shutdown(socket.SHUT_WR)
        return 200, {}, b""

    return handler


@pytest.mark.timeout(300)
def test_fifty_mb_feed_is_refused_clearly_and_keeps_what_was_stored(
    server: LoopbackServer, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    store = Store.in_dir(data)
    fat = store.add_feed(server.route("/dick.xml", rss(items(5, prefix="Dick"))))
    others = [
        store.add_feed(server.route(f"/normal{k}.xml", rss(items(2, prefix=f"Normal{k}"))))
        for k in range(2)
    ]
    store.close()
    good = run_cli(data, "refresh")
    assert good.code == 0 and "3 feeds, 9 new entries" in good.out, good.err
    store = Store.in_dir(data)
    kept = {r.title for r in store.entries(EntryFilter(feed_id=fat.id))}
    assert len(kept) == 5
    store.set_starred(store.entries(EntryFilter(feed_id=fat.id), limit=1)[0].id, True)
    store.close()

    body = fifty_mb_feed()
    assert len(body) >= 50 * 1024 * 1024
    figures = []
    variants: dict[str, dict[str, Any]] = {
        "content-length": {"body": body},
        "chunked": {"handler": chunked(body)},
        "gzip": {"body": body, "gzip": True},
    }
    for round_no, (name, route) in enumerate(variants.items(), start=1):
        url = server.route("/dick.xml", **route)
        for k in range(2):  # each round the other feeds have one more entry
            server.route(f"/normal{k}.xml", rss(items(2 + round_no, prefix=f"Normal{k}")))
        run = run_cli(data, "refresh")
        assert run.code == 1, (
            name,
            run.err,
        )  # exit_codes.FAILED: some feeds failed, the rest stored
        assert "3 feeds, 2 new entries" in run.out and "1 failed" in run.out, (name, run.out)
        failures = [line for line in run.err.splitlines() if line.startswith("failed:")]
        assert failures == [f"failed: {url}: response larger than {CAP_MB:g} MB"], name
        assert "Traceback" not in run.err
        store = Store.in_dir(data)
        assert {r.title for r in store.entries(EntryFilter(feed_id=fat.id))} == kept, name
        assert store.entries(EntryFilter(feed_id=fat.id, starred=True))
        feed = store.feed(fat.id)
        assert feed is not None and feed.last_error == f"response larger than {CAP_MB:g} MB"
        for other in others:
            assert store.count_entries(EntryFilter(feed_id=other.id)) == 2 + round_no, name
        store.close()
        figures.append(f"{name}: seconds={run.seconds}, peak_rss_mb={run.peak_rss_mb}")
        # Reading at most the cap must not cost the 50 MB: bounded against an ordinary run.
        assert run.peak_rss_mb < good.peak_rss_mb + 60, (name, run.peak_rss_mb)
    print(
        f"\nFIGURE 50MB-feed: bytes={len(body)}, cap_mb={CAP_MB:g}, "
        f"ordinary refresh peak_rss_mb={good.peak_rss_mb}; " + "; ".join(figures)
    )
