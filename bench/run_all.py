"""Run every benchmark script in bench/ (what `make bench` does), each in its own process.

A script that needs ../shared/corpus is skipped with a note when the corpus is absent; a
script may also exit 77 to say it skipped itself. Exit status: 1 if any script failed.

Run: .venv/bin/python bench/run_all.py [--quick] [--only refresh.py,...]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CORPUS = REPO.parent / "shared" / "corpus" / "dev"
ORDER = ("refresh.py", "extraction.py", "reader.py")  # then any other script, by name
HELPERS = frozenset(
    {
        "bigcache.py",
        "farm.py",
        "fault_cases.py",
        "local_power.py",
        "long_article.py",
        "reader_rules.py",
        "run_all.py",
        "teaser_gold.py",
        "__init__.py",
    }
)  # imported, not run
SKIPPED = 77  # the automake convention for "skipped"
QUICK_ARGS = {
    "refresh.py": ["--feeds", "50", "--runs", "1", "--parse-samples", "5"],
    # Its thread phase takes ~2 s a press: Pilot waits for the busy process to go idle.
    "cluster_keys.py": ["--presses", "30"],
    "dead_hosts.py": [
        "--live",
        "50",
        "--dead",
        "20",
        "--dropped",
        "4",
        "--silent",
        "4",
        "--connect-timeout",
        "0.5",
        "--read-timeout",
        "0.5",
    ],
    "faults.py": ["--repeat", "1", "--kills", "3"],
    "slow_dns.py": ["--live", "50", "--hanging", "0,12", "--hang", "2", "--connect-timeout", "1"],
    "parse_cost.py": ["--feeds", "10"],
    "scale.py": ["--feeds", "50", "--runs", "1", "--cache", "5000", "--cache-feeds", "50"],
    "busy_reader.py": ["--feeds", "100", "--runs", "1"],
}


def python() -> str:
    venv = REPO / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def scripts() -> list[Path]:
    found = {p.name: p for p in BENCH.glob("*.py") if p.name not in HELPERS}
    ordered = [found.pop(name) for name in ORDER if name in found]
    return ordered + [found[name] for name in sorted(found) if not name.startswith("_")]


def needs_corpus(script: Path) -> bool:
    source = script.read_text(encoding="utf-8", errors="replace")
    return '"corpus"' in source or "shared/corpus" in source


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, one run (a smoke test)")
    ap.add_argument("--only", default="", help="comma-separated script names")
    args = ap.parse_args()
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    failed: list[str] = []
    for script in scripts():
        if only and script.name not in only:
            continue
        print(f"\n=== bench/{script.name} ===", flush=True)
        if needs_corpus(script) and not CORPUS.is_dir():
            print(f"skipped: needs the dev corpus at {CORPUS}, which is absent")
            continue
        cmd = [python(), str(script), *(QUICK_ARGS.get(script.name, []) if args.quick else [])]
        start = time.perf_counter()
        code = subprocess.run(cmd, cwd=REPO, check=False).returncode
        took = time.perf_counter() - start
        if code == SKIPPED:
            print(f"=== bench/{script.name} skipped itself ({took:.0f} s)")
        elif code != 0:
            print(f"=== bench/{script.name} FAILED with exit status {code} ({took:.0f} s)")
            failed.append(script.name)
        else:
            print(f"=== bench/{script.name} done in {took:.0f} s")
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
