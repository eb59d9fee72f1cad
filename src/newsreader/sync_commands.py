"""`newsreader sync`, `newsreader mark`, and the sync that runs before a refresh.

The sync engine (httpx, which pulls in rich through its own CLI) and the refresh are imported
where used: commands.py imports this module on every start, `mark` and `articles` included."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Collection
from typing import Any

from newsreader import exit_codes
from newsreader.core.config import Config
from newsreader.core.errors import NewsreaderError, SyncAuthError, SyncError
from newsreader.core.extract.render import one_line as line
from newsreader.core.store.store import Store
from newsreader.core.store.sync import SyncTables
from newsreader.core.sync_records import SyncReport
from newsreader.output import counted, print_json


def sync_json(report: SyncReport) -> dict[str, Any]:
    return {
        "server": report.server,
        "pushed": report.pushed,
        "pulled_items": report.pulled_items,
        "pulled_marks": report.pulled_marks,
        "feeds_added": report.feeds_added,
        "feeds_removed": report.feeds_removed,
        "seconds": report.seconds,
    }


def sync_once(store: Store, config: Config) -> tuple[int, SyncReport | None]:
    """One sync; a failure is one line on stderr and an exit code (2 for credentials)."""
    from newsreader.core.sync.engine import run_sync  # start-up speed: the network stack

    try:
        return exit_codes.OK, run_sync(store, config.sync)
    except SyncAuthError as exc:
        print(f"newsreader: sync: {line(str(exc))}", file=sys.stderr)
        return exit_codes.USAGE, None
    except SyncError as exc:
        print(f"newsreader: sync: {line(str(exc))}", file=sys.stderr)
        return exit_codes.FAILED, None


def cmd_sync(args: argparse.Namespace, store: Store, config: Config) -> int:
    if not config.sync.enabled:
        raise NewsreaderError("sync is off: add a [sync] section to config.toml")
    if args.offline:
        raise NewsreaderError("sync needs the network; drop --offline")
    code, report = sync_once(store, config)
    if report is None:
        return code
    if report.dropped:
        print(
            f"newsreader: warning: {counted(report.dropped, 'change')} queued for the server "
            f"before {'was' if report.dropped == 1 else 'were'} dropped: [sync] names another "
            "server or user now",
            file=sys.stderr,
        )
    if args.json:
        print_json(sync_json(report))
    else:
        print(
            f"synced with {line(report.server)}: {counted(report.pushed, 'change')} sent, "
            f"{counted(report.pulled_items, 'item')} and {counted(report.pulled_marks, 'mark')} "
            f"pulled, {counted(report.feeds_added, 'feed')} added, {report.feeds_removed} removed "
            f"in {report.seconds:.1f} s"
        )
    return code


# What each --action makes of an article: "marked 2 articles starred", not "star".
_MARKED_AS = {"read": "read", "unread": "unread", "star": "starred", "unstar": "unstarred"}


def cmd_mark(args: argparse.Namespace, store: Store, config: Config) -> int:
    tables = SyncTables(store)
    ids = list(dict.fromkeys(args.ids))
    if missing := tables.missing_entries(ids):
        raise NewsreaderError(f"no article with id {missing[0]} (see `newsreader articles`)")
    queued = tables.mark(ids, args.action)
    if args.json:
        print_json({"marked": ids, "queued": queued})
    else:
        note = f"; {queued} queued for the sync server" if queued else ""
        done = _MARKED_AS[args.action]
        print(f"marked {len(ids)} {'article' if len(ids) == 1 else 'articles'} {done}{note}")
    return exit_codes.OK


def sync_before_refresh(
    args: argparse.Namespace, store: Store, config: Config
) -> tuple[int, SyncReport | None, Collection[int] | None]:
    """With [sync] on: sync first (unless --no-sync), then say which feeds refresh fetches
    itself: the server fetches the synced ones unless fetch_feeds_locally is set.
    Returns (exit code of the sync, its report, feed ids for refresh or None for all)."""
    if not config.sync.enabled:
        return exit_codes.OK, None, None
    code, report = exit_codes.OK, None
    synced = SyncTables(store).synced_feed_ids()
    # `refresh --feed F` syncs only when F is a synced feed: a local one needs no server.
    named = {f.id for f in (store.find_feed(text) for text in args.feed) if f is not None}
    if not args.no_sync and (not named or named & synced):
        code, report = sync_once(store, config)
        synced = SyncTables(store).synced_feed_ids()
    if config.sync.fetch_feeds_locally:
        return code, report, None
    from newsreader.core.refresh.run import due_feeds  # start-up speed: lazily

    return code, report, [f.id for f in due_feeds(store) if f.id not in synced]
