"""What a host that cannot be reached costs a refresh: wall time with it and without it.

A refresh of --live farm feeds (bench/farm.py, 50 ms), alone, then beside --dead feeds on one
host that refuses connections (a closed port on 127.0.0.1), then beside --dropped feeds on one
host that never answers a connection (a listening socket whose backlog is full, so the
kernel drops every new SYN: what a firewalled or vanished server looks like), then beside
--silent feeds on one host that takes the requests and never answers them (a socket that
listens and never accepts: a stopped or wedged server). Each source tree runs each case
once, in a fresh data dir; the dropped case runs with `connect_timeout` set to
--connect-timeout, the silent one with `read_timeout` set to --read-timeout (the defaults, 10
and 20 s, made the old code take minutes). Prints numbers; asserts nothing.

Run: .venv/bin/python bench/dead_hosts.py [--live 500] [--dead 200] [--dropped 20]
     [--silent 20] [--connect-timeout 2] [--read-timeout 2] [--src /tmp/base,.]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from tests.support.unreachable import closed_port, dropping_port, silent_port  # noqa: E402

from farm import Farm  # noqa: E402
from refresh import child_env, subscribe  # noqa: E402


def refresh(src: str, urls: list[str], network: str = "") -> tuple[float, str]:
    """Wall time of one cold refresh of `urls`, and its summary line; `network`, lines for
    the config's [network] section."""
    with tempfile.TemporaryDirectory(prefix="dead-hosts-", dir="/var/tmp") as tmp:
        work = Path(tmp)
        env = child_env(work)
        env["PYTHONPATH"] = str(Path(src) / "src")
        if network:
            config = work / "config.toml"
            config.write_text(f"[network]\n{network}\n")
            env["NEWSREADER_CONFIG"] = str(config)
        data = work / "data"
        data.mkdir()
        subscribe(urls, data, env)
        cmd = [sys.executable, "-m", "newsreader", "--data-dir", str(data), "refresh"]
        start = time.perf_counter()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        lines = done.stdout.strip().splitlines()
        return wall, lines[-1] if lines else done.stderr.strip()[-200:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--live", type=int, default=500)
    parser.add_argument("--dead", type=int, default=200)
    parser.add_argument("--dropped", type=int, default=20)
    parser.add_argument("--silent", type=int, default=20)
    parser.add_argument("--connect-timeout", type=float, default=2.0)
    parser.add_argument("--read-timeout", type=float, default=2.0)
    parser.add_argument("--src", default=str(ROOT), help="source trees, comma-separated")
    args = parser.parse_args()
    trees = [s.strip() for s in args.src.split(",") if s.strip()]
    rows: list[tuple[str, str, float, str]] = []
    with Farm(feeds=args.live, latencies_ms=(50,), gzip=False) as farm:
        live = farm.urls[50]
        for tree in trees:
            wall, summary = refresh(tree, live)
            rows.append((tree, f"{args.live} live", wall, summary))
            port = closed_port()
            dead = [f"http://127.0.0.1:{port}/feeds/{i}.xml" for i in range(args.dead)]
            wall, summary = refresh(tree, live + dead)
            rows.append((tree, f"+ {args.dead} refused", wall, summary))
            with dropping_port() as port:
                dropped = [f"http://127.0.0.1:{port}/feeds/{i}.xml" for i in range(args.dropped)]
                network = f"connect_timeout = {args.connect_timeout}"
                wall, summary = refresh(tree, live + dropped, network)
            case = f"+ {args.dropped} dropped ({args.connect_timeout:g} s)"
            rows.append((tree, case, wall, summary))
            with silent_port() as port:
                silent = [f"http://127.0.0.1:{port}/feeds/{i}.xml" for i in range(args.silent)]
                network = f"read_timeout = {args.read_timeout}"
                wall, summary = refresh(tree, live + silent, network)
            rows.append((tree, f"+ {args.silent} silent ({args.read_timeout:g} s)", wall, summary))
    print(f"{'tree':28} {'case':26} {'wall s':>7}  refresh's summary")
    for tree, case, wall, summary in rows:
        print(f"{tree[-28:]:28} {case:26} {wall:7.2f}  {summary[:90]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
