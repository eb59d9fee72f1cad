"""The command-line parsers of `sync` and `mark` (argparse only: cli.py builds every parser
on each start, so nothing heavy is imported here)."""

from __future__ import annotations

import argparse
from typing import Any

from newsreader.cli_numbers import whole_number


def add_sync_parsers(sub: Any) -> None:
    sync = sub.add_parser(
        "sync",
        help="sync with the [sync] server: push marks, pull feeds, items and marks",
        description="Push the queued read/star marks, then pull subscriptions (categories "
        "become tags), new items and the server's unread and starred marks.",
    )
    sync.add_argument("--json", action="store_true", help="print one JSON document")

    mark = sub.add_parser(
        "mark",
        help="mark articles read, unread, starred or unstarred",
        description="Marks from the command line; with [sync] they are queued for the server "
        "and sent by the next sync.",
    )
    mark.add_argument(
        "ids", type=whole_number, nargs="+", metavar="ID", help="as `articles` lists them"
    )
    how = mark.add_mutually_exclusive_group(required=True)
    for flag in ("read", "unread", "star", "unstar"):
        how.add_argument(
            f"--{flag}", dest="action", action="store_const", const=flag, help=f"mark {flag}"
        )
    mark.add_argument("--json", action="store_true", help="print one JSON document")


def add_no_sync_flag(refresh: argparse.ArgumentParser) -> None:
    refresh.add_argument(
        "--no-sync", action="store_true", help="do not sync with the [sync] server first"
    )
