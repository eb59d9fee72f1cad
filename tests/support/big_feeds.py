"""Big feeds and a child-process CLI runner that reports its own peak memory.

Shared by tests/integration/test_big_feeds.py and the fault bench (bench/faults.py). Not
ru_maxrss from wait4: on Linux a child started by fork/vfork + exec inherits the parent's
high-water mark, so it would report the caller's memory instead of the refresh's.
"""

from __future__ import annotations

import contextlib
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

from newsreader.core.config import NetworkConfig

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
