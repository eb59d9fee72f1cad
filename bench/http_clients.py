"""HTTP client benchmark: CPU per 200 and per 304 response against the loopback farm.

Each client fetches --feeds farm feeds (0 ms latency: CPU, not waiting, is measured) with the
refresh's caps (32 requests in flight, 4 per host, one pool per host), reading every body under
the decompressed-size cap; then fetches them again with their validators, which the farm
answers 304. CPU is the child process's own (time.process_time), so each client runs in a
child of its own, the farm in another; medians over --runs, clients interleaved.

Clients:
- fetcher: newsreader's Fetcher as the refresh uses it (its HTTP/1.1 client, redirects, caps),
  once per --src tree (before/after);
- httpcore: httpcore's pool alone (what httpx is built on, on anyio): no httpx models;
- aiohttp: only with --aiohttp-python, an interpreter that has it (it is not a dependency).

Run: .venv/bin/python bench/http_clients.py [--feeds 500] [--runs 3] [--src /tmp/base,.]
                                            [--aiohttp-python /tmp/venv/bin/python]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
CAP = 10 * 1024 * 1024
IN_FLIGHT, PER_HOST = 32, 4
TIMEOUT = 30.0

# One (status, etag, last_modified, body length) per URL.
Fetched = tuple[int, str | None, str | None, int]
Fetch = Callable[[str, dict[str, str]], Awaitable[Fetched]]


def _host(url: str) -> str:
    return urlsplit(url).netloc


async def _round(fetch: Fetch, urls: list[str], validators: dict[str, Fetched]) -> list[Fetched]:
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(url: str) -> Fetched:
        headers = {}
        if url in validators:
            _, etag, modified, _ = validators[url]
            if etag:
                headers["If-None-Match"] = etag
            if modified:
                headers["If-Modified-Since"] = modified
        async with gate:
            return await fetch(url, headers)

    return list(await asyncio.gather(*(one(u) for u in urls)))


async def _measure(fetch: Fetch, urls: list[str]) -> dict[str, Any]:
    """CPU of a warm-up round, the 200 round and the 304 round."""
    await _round(fetch, urls[:20], {})  # connections and imports, not counted
    start = time.process_time()
    first = await _round(fetch, urls, {})
    cold = time.process_time() - start
    validators = dict(zip(urls, first, strict=True))
    start = time.process_time()
    second = await _round(fetch, urls, validators)
    warm = time.process_time() - start
    return {
        "ms_per_200": cold / len(urls) * 1000,
        "ms_per_304": warm / len(urls) * 1000,
        "statuses": sorted({r[0] for r in first} | {r[0] for r in second}),
        "bytes": sum(r[3] for r in first),
    }


# --- the clients (each runs in a child: python bench/http_clients.py --child NAME URLS) ------


async def _fetcher(urls: list[str]) -> dict[str, Any]:
    sys.path.insert(0, os.environ.get("HTTP_CLIENTS_SRC", str(ROOT / "src")))
    from newsreader.core.net import fetch as fetch_module

    config = fetch_module.FetchConfig(max_concurrency=IN_FLIGHT, per_host=PER_HOST)
    fetcher = fetch_module.Fetcher(config)
    async with fetcher:

        async def fetch(url: str, headers: dict[str, str]) -> Fetched:
            result = await fetcher.fetch(
                url,
                etag=headers.get("If-None-Match"),
                last_modified=headers.get("If-Modified-Since"),
            )
            return (result.status or 0, result.etag, result.last_modified, len(result.body or b""))

        return await _measure(fetch, urls)


async def _httpcore(urls: list[str]) -> dict[str, Any]:
    import httpcore

    sys.path.insert(0, str(ROOT / "src"))
    from newsreader.core.net.decode import _Inflater

    pools: dict[str, httpcore.AsyncConnectionPool] = {}
    timeouts = {"connect": TIMEOUT, "read": TIMEOUT, "write": TIMEOUT, "pool": TIMEOUT}

    async def fetch(url: str, headers: dict[str, str]) -> Fetched:
        host = _host(url)
        pool = pools.get(host)
        if pool is None:
            pool = pools[host] = httpcore.AsyncConnectionPool(max_connections=PER_HOST)
        request_headers = [(b"Accept-Encoding", b"gzip, deflate"), (b"User-Agent", b"bench")]
        request_headers += [(k.encode(), v.encode()) for k, v in headers.items()]
        async with pool.stream(
            "GET", url, headers=request_headers, extensions={"timeout": timeouts}
        ) as resp:
            got = {k.decode().lower(): v.decode("latin-1") for k, v in resp.headers}
            size = 0
            encoding = got.get("content-encoding", "identity")
            inflate = _Inflater(encoding).feed if encoding != "identity" else None
            async for raw in resp.aiter_stream():
                for piece in inflate(raw) if inflate else (raw,):
                    size += len(piece)
                    if size > CAP:
                        break
            return (resp.status, got.get("etag"), got.get("last-modified"), size)

    try:
        return await _measure(fetch, urls)
    finally:
        for pool in pools.values():
            await pool.aclose()


async def _aiohttp(urls: list[str]) -> dict[str, Any]:
    import zlib

    import aiohttp  # type: ignore[import-not-found]  # not a dependency: --aiohttp-python

    timeout = aiohttp.ClientTimeout(total=None, connect=TIMEOUT, sock_read=TIMEOUT)
    sessions: dict[str, aiohttp.ClientSession] = {}

    async def fetch(url: str, headers: dict[str, str]) -> Fetched:
        host = _host(url)
        session = sessions.get(host)
        if session is None:
            session = sessions[host] = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=PER_HOST),
                timeout=timeout,
                auto_decompress=False,  # capped decoding is ours, as in decode.py
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        request_headers = {"Accept-Encoding": "gzip, deflate", "User-Agent": "bench", **headers}
        async with session.get(url, headers=request_headers, allow_redirects=False) as resp:
            size = 0
            encoding = resp.headers.get("Content-Encoding", "identity")
            inflater = zlib.decompressobj(zlib.MAX_WBITS | 16) if encoding == "gzip" else None
            async for raw in resp.content.iter_any():
                piece = inflater.decompress(raw, CAP) if inflater else raw
                size += len(piece)
                if size > CAP:
                    break
            return (
                resp.status,
                resp.headers.get("ETag"),
                resp.headers.get("Last-Modified"),
                size,
            )

    try:
        return await _measure(fetch, urls)
    finally:
        for session in sessions.values():
            await session.close()


CLIENTS: dict[str, Callable[[list[str]], Coroutine[Any, Any, dict[str, Any]]]] = {
    "fetcher": _fetcher,
    "httpcore": _httpcore,
    "aiohttp": _aiohttp,
}


def child(name: str, urls_file: str) -> int:
    urls = json.loads(Path(urls_file).read_text())
    print(json.dumps(asyncio.run(CLIENTS[name](urls))))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=500)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--clients", default="fetcher,httpcore")
    ap.add_argument("--src", default=str(ROOT), help="trees for the fetcher, comma-separated")
    ap.add_argument("--aiohttp-python", help="an interpreter with aiohttp (adds that client)")
    ap.add_argument("--child", nargs=2, metavar=("CLIENT", "URLS_JSON"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(*args.child)
    sys.path.insert(0, str(ROOT / "bench"))
    from farm import Farm

    clients = []
    for name in args.clients.split(","):
        if name == "fetcher":  # one per source tree: fetcher@/tmp/base, fetcher@/work/tree
            clients += [f"fetcher@{Path(src).resolve()}" for src in args.src.split(",") if src]
        elif name:
            clients.append(name)
    if args.aiohttp_python:
        clients.append("aiohttp")
    results: dict[str, list[dict[str, Any]]] = {c: [] for c in clients}
    with Farm(feeds=args.feeds, latencies_ms=(0,)) as farm:
        urls_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"http-clients-{os.getpid()}.json"
        urls_file.write_text(json.dumps(farm.urls[0][: args.feeds]))
        env = {**os.environ, "NO_PROXY": "127.0.0.0/8,localhost", "no_proxy": "127.0.0.0/8"}
        try:
            for run in range(args.runs):
                for name in clients:
                    python = args.aiohttp_python if name == "aiohttp" else sys.executable
                    client, _, src = name.partition("@")
                    cmd = [python, __file__, "--child", client, str(urls_file)]
                    child_env = {**env, "HTTP_CLIENTS_SRC": str(Path(src or ROOT) / "src")}
                    done = subprocess.run(
                        cmd, capture_output=True, text=True, env=child_env, check=False
                    )
                    if done.returncode != 0:
                        print(f"  {name}: ERROR {done.stderr.strip()[-500:]}")
                        continue
                    result = json.loads(done.stdout)
                    results[name].append(result)
                    print(
                        f"  run {run + 1} {name:<14} {result['ms_per_200']:.3f} ms/200, "
                        f"{result['ms_per_304']:.3f} ms/304, statuses {result['statuses']}, "
                        f"load {os.getloadavg()[0]:.1f}",
                        flush=True,
                    )
        finally:
            urls_file.unlink(missing_ok=True)
    print(f"\nCPU per response, median of {args.runs} ({args.feeds} feeds, 0 ms farm):")
    for name, runs in results.items():
        if runs:
            per_200 = statistics.median(r["ms_per_200"] for r in runs)
            per_304 = statistics.median(r["ms_per_304"] for r in runs)
            print(f"  {name:<14} {per_200:.3f} ms per 200   {per_304:.3f} ms per 304")
    return 0


if __name__ == "__main__":
    sys.exit(main())
