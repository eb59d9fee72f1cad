"""Parse and store one fetched feed: the job refresh hands to its worker processes.

Doing both in the worker keeps the parsed entries out of the pickle channel and the main
process (which serves the network, and in the reader the UI) free of parsing and indexing.
Imports are deferred on purpose: the main process only names the job, the workers run it.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from newsreader.core.models import FeedOutcome, FeedParseError

if TYPE_CHECKING:
    from newsreader.core.store import Store

_stores: dict[str, Store] = {}
_lock = threading.Lock()
_write_gate: AbstractContextManager[object] | None = None


def init_worker(write_gate: AbstractContextManager[object]) -> None:
    """Process-pool initializer: all workers of one refresh share one lock for writes."""
    global _write_gate
    _write_gate = write_gate


def _store(path: str) -> Store:
    """One Store per process and path; it hands each thread its own connection."""
    from newsreader.core.store import Store

    with _lock:
        store = _stores.get(path)
        if store is None:
            store = _stores[path] = Store(Path(path))
            if _write_gate is not None:
                store.write_gate = _write_gate
        return store


def ingest_feed(
    db_path: str,
    feed_id: int,
    body: bytes,
    *,
    url: str,
    headers: dict[str, str],
    status: int | None,
    etag: str | None,
    last_modified: str | None,
) -> FeedOutcome:
    # Imported here, not at the top: the refreshing process only names this job, and a warm
    # refresh (all 304) should not pay for loading the parsers.
    from newsreader.core.feeds import parse_feed

    store = _store(db_path)
    try:
        parsed = parse_feed(body, url=url, headers=headers)
    except FeedParseError as exc:
        store.record_failure(feed_id, status=status, error=str(exc))
        return FeedOutcome(feed_id=feed_id, url=url, error=str(exc))
    return store.record_feed(feed_id, parsed, status=status, etag=etag, last_modified=last_modified)


def ingest_page(db_path: str, url: str, final_url: str, body: bytes) -> None:
    """Extract an article page and cache it (prefetch's job for the worker processes)."""
    from newsreader.core.extract import extract_fetched_page

    page = extract_fetched_page(body, url=url, final_url=final_url)
    _store(db_path).save_page(page, body)
