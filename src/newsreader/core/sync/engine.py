"""One sync, in the issue's order: push the queue, pull subscriptions, new items and the
unread/starred id sets, then apply all of it in one transaction.

Everything the server says is fetched and validated before anything is written, so a bad
answer or a dead server leaves the cache as it was. Marks the server took are dropped from the
queue at once: sending them again after a kill would only repeat the same state.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Sequence
from typing import Protocol

from newsreader.core.config import SyncConfig
from newsreader.core.errors import SyncError
from newsreader.core.net.urls import canonical_address
from newsreader.core.store.db import Database
from newsreader.core.store.sync import SyncTables
from newsreader.core.sync.credentials import sync_password
from newsreader.core.sync.fever import FeverClient
from newsreader.core.sync.greader import GReaderClient
from newsreader.core.sync.http import SyncHttp
from newsreader.core.sync.label import server_label
from newsreader.core.sync_records import (
    QueuedFeedChange,
    QueuedFeedEdit,
    QueuedMark,
    RemoteFeed,
    RemoteItem,
    SyncReport,
)

# Ids the server lists as unread or starred but we lack are fetched by id; more than this
# in one sync is an account far beyond a news reader's cache.
MAX_MISSING = 50_000


class SyncService(Protocol):
    service: str
    http: SyncHttp

    def login(self) -> None: ...
    def push(self, marks: Sequence[QueuedMark], done: list[int]) -> None:
        """Send the marks; each queue row the server took goes to `done` as it does, so
        those are forgotten even when a later one fails."""
        ...

    def push_feeds(self, changes: Sequence[QueuedFeedChange]) -> list[int]: ...
    def push_edits(self, edits: Sequence[QueuedFeedEdit]) -> list[int]: ...
    def subscriptions(self) -> list[RemoteFeed]: ...
    def items_since(self, cursor: str | None, first_days: int) -> tuple[list[RemoteItem], str]: ...
    def unread_ids(self) -> set[str]: ...
    def starred_ids(self) -> set[str]: ...
    def items_by_id(self, ids: Iterable[str]) -> list[RemoteItem]: ...
    def close(self) -> None: ...


def make_client(sync: SyncConfig) -> SyncService:
    """The client for [sync]; the password is looked up now and lives only in the client."""
    password = sync_password(sync)
    if sync.service == "fever":
        return FeverClient(sync, password)
    return GReaderClient(sync, password)


def account_key(sync: SyncConfig) -> str:
    """Which server and user the cache's remote ids belong to (a hash: no name in the file),
    the address in one spelling: `HTTP://Host:80/api/` is `http://host/api` (a respelling
    made another account of it, and dropped the marks queued for it: a helper's tour)."""
    return _key(sync, canonical_address(sync.url.strip()).rstrip("/"))


def legacy_account_key(sync: SyncConfig) -> str:
    """The key as caches made before the one spelling hold it: the same account still."""
    return _key(sync, sync.url.rstrip("/"))


def _key(sync: SyncConfig, url: str) -> str:
    text = f"{sync.service}\x1f{url}\x1f{sync.user}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def run_sync(db: Database, sync: SyncConfig, *, client: SyncService | None = None) -> SyncReport:
    """A whole sync. Raises SyncError (SyncAuthError for credentials) with nothing applied
    beyond the marks the server confirmed."""
    started = time.monotonic()
    tables = SyncTables(db)
    own = client is None
    service = client or make_client(sync)
    try:
        service.login()
        # Only once the server took the login: a mistyped url or user made another account
        # of it before the login failed, and the switch dropped the queued marks and made
        # every server feed a local one (a refresh then fetched them, twice over).
        dropped = tables.use_account(account_key(sync), legacy_account_key(sync))
        changes = tables.queued_feed_changes()
        sent_changes = service.push_feeds(changes) if changes else []
        if sent_changes:
            tables.forget_feed_changes(sent_changes)
        edits = tables.queued_feed_edits()
        sent_edits = service.push_edits(edits) if edits else []
        if sent_edits:
            tables.forget_feed_edits(sent_edits)
        queued = tables.queued()
        pushed: list[int] = []
        try:
            if queued:
                service.push(queued, pushed)
        finally:
            # Those the server took are not sent again if a later one failed: the next sync
            # sent them anew, over what was changed on the server since (a helper's tour).
            if pushed:
                tables.forget(pushed)
        feeds = service.subscriptions()
        cursor = tables.state("cursor")
        items, new_cursor = service.items_since(cursor, sync.first_sync_days)
        unread = service.unread_ids()
        starred = service.starred_ids()
        have = tables.known_item_ids() | {i.remote_id for i in items}
        missing = sorted((unread | starred) - have, key=int)
        if len(missing) > MAX_MISSING:
            raise SyncError(
                f"the server lists {len(missing):,} unread or starred items this cache lacks; "
                f"more than {MAX_MISSING:,} in one sync is refused"
            )
        if missing:
            items = [*items, *service.items_by_id(missing)]
        applied = tables.apply(
            feeds=feeds,
            items=items,
            unread=unread,
            starred=starred,
            state={"cursor": new_cursor, "last_sync": str(int(time.time()))},
        )
    finally:
        if own:
            service.close()
    return SyncReport(
        server=server_label(sync),
        # What the server took: a change it cannot take (Fever's unsubscribe) stays queued,
        # and was counted as sent on every sync (a helper's tour).
        pushed=len(pushed) + len(sent_changes) + len(sent_edits),
        dropped=dropped,
        pulled_items=applied.pulled_items,
        pulled_marks=applied.pulled_marks,
        feeds_added=applied.feeds_added,
        feeds_removed=applied.feeds_removed,
        seconds=round(time.monotonic() - started, 3),
    )
