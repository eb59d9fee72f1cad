"""What names whose lookups hang cost the other feeds of a refresh: failures and wall time.

--live farm feeds (bench/farm.py, 50 ms) are fetched by one Fetcher, as a refresh does, each
under a host name of its own (so each is looked up), beside --hanging feeds on names whose
lookup hangs for --hang seconds and then fails, as glibc's does while a domain's name
servers stay silent. No name server can be put in front of glibc here without changing
/etc/resolv.conf, so the lookups are imitated at socket.getaddrinfo, in the child that
fetches: a live name maps to its farm address at once, through the real getaddrinfo.
Each source tree runs in a child process of its own, the cases in turn; "exit s" is the time
from the child's last fetch to its exit, which waits for any lookup thread it must join.
Prints numbers; asserts nothing.

Run: .venv/bin/python bench/slow_dns.py [--live 300] [--hanging 0,6,12] [--hang 5]
     [--connect-timeout 3] [--src /tmp/base,.]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench")]

from farm import Farm  # noqa: E402

CHILD = r"""
import asyncio, json, socket, sys, time
from urllib.parse import urlsplit
from newsreader.core.net.fetch import FetchConfig, Fetcher

urls, hanging, hang, connect_timeout = json.loads(sys.argv[1])
real = socket.getaddrinfo
names = {}

def lookup(host, port, *args, **kwargs):
    if str(host).startswith("hang"):
        time.sleep(hang)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
    return real(names.get(host, host), port, *args, **kwargs)

socket.getaddrinfo = lookup
live = []
for i, url in enumerate(urls):
    address = urlsplit(url).hostname
    names[f"live{i}.test"] = address
    live.append(url.replace(address, f"live{i}.test", 1))
dead = [f"http://hang{i}.test/feed.xml" for i in range(hanging)]

async def main():
    started = time.perf_counter()
    config = FetchConfig(connect_timeout=connect_timeout)
    async with Fetcher(config) as fetcher:
        results = await asyncio.gather(*map(fetcher.fetch, dead + live))
    wall = time.perf_counter() - started
    failed = [r.error for r in results[hanging:] if not r.ok]
    print(json.dumps({"wall": wall, "failed": len(failed), "first": failed[:1]}), flush=True)
    print(time.time(), flush=True)  # the fetching is over: from here, the process's exit

asyncio.run(main())
"""


def run(tree: str, urls: list[str], hanging: int, hang: float, timeout: float) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(Path(tree) / "src")}
    env.update(HTTP_PROXY="", HTTPS_PROXY="", http_proxy="", https_proxy="", ALL_PROXY="")
    argument = json.dumps([urls, hanging, hang, timeout])
    done = subprocess.run(
        [sys.executable, "-c", CHILD, argument], env=env, capture_output=True, text=True
    )
    exited = time.time()
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    report, fetched = done.stdout.strip().splitlines()[-2:]
    return {**json.loads(report), "exit": exited - float(fetched)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--live", type=int, default=300)
    parser.add_argument("--hanging", default="0,6,12")
    parser.add_argument("--hang", type=float, default=5.0)
    parser.add_argument("--connect-timeout", type=float, default=3.0)
    parser.add_argument("--src", default=str(ROOT), help="source trees, comma-separated")
    args = parser.parse_args()
    trees = [s.strip() for s in args.src.split(",") if s.strip()]
    counts = [int(n) for n in args.hanging.split(",")]
    print(
        f"{args.live} live feeds, each on a name of its own; lookups of the hanging names take"
        f" {args.hang:g} s and fail; connect timeout {args.connect_timeout:g} s"
    )
    print(
        f"{'tree':28} {'hanging':>7} {'wall s':>7} {'exit s':>6} {'live failed':>11}  first failure"
    )
    with Farm(feeds=args.live, latencies_ms=(50,), gzip=False) as farm:
        for tree in trees:
            for hanging in counts:
                r = run(tree, farm.urls[50], hanging, args.hang, args.connect_timeout)
                first = (r["first"] or [""])[0]  # type: ignore[index]
                print(
                    f"{tree[-28:]:28} {hanging:7} {r['wall']:7.2f} {r['exit']:6.2f}"
                    f" {r['failed']:11}  {first}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
