"""The SQLite cache facade: one `Store` composed of sibling mixins over one `Database`.

`feeds` (subscriptions), `entries` (headlines and articles), `pages` (pages, teasers, link
previews), `feed_writes` (what a refresh stores, and retention), `settings` (the reader's
remembered choices), `saved_searches` (those saved with S), `clusters` (versions of one
story) and `hide` (kill rules) each extend `Database` alone; only the Store sees them all. Its
public methods raise `StoreError`, never sqlite3's.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from newsreader.core.errors import StoreError
from newsreader.core.store.clusters import ClusterQueries
from newsreader.core.store.db import Database
from newsreader.core.store.entries import EntryQueries
from newsreader.core.store.feed_writes import FeedWrites
from newsreader.core.store.feeds import FeedQueries
from newsreader.core.store.hide import HideQueries
from newsreader.core.store.pages import PageQueries
from newsreader.core.store.retention import Retention
from newsreader.core.store.saved_searches import SavedSearchQueries
from newsreader.core.store.settings import SettingsQueries
from newsreader.core.store.stream_writes import StreamWrites

if TYPE_CHECKING:  # types only (the reader's start-up does without them)
    from newsreader.core.article_records import Entry

DB_NAME = "newsreader.sqlite3"

_StoreT = TypeVar("_StoreT", bound=type[Database])


def _wrap_sqlite_errors(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: Database, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            detail = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise StoreError(f"the cache {self.path} failed: {detail}") from exc

    return wrapper


def _public_methods_raise_store_errors(cls: _StoreT) -> _StoreT:
    """Wrap every public method the mixins define: callers catch one error type, ours.

    A try block per call, not a proxy object: on the UI's paging path it costs well under a
    microsecond against a query's tens. Database's own helpers (conn, transaction) stay bare,
    since the mixins use them inside the wrapped methods.
    """
    names = {
        name
        for mixin in cls.__mro__
        if mixin is not Database and issubclass(mixin, Database)
        for name, member in vars(mixin).items()
        if not name.startswith("_") and inspect.isfunction(member)
    }
    for name in names:
        setattr(cls, name, _wrap_sqlite_errors(getattr(cls, name)))
    return cls


@_public_methods_raise_store_errors
class Store(
    FeedQueries,
    EntryQueries,
    PageQueries,
    FeedWrites,
    StreamWrites,
    Retention,
    SettingsQueries,
    ClusterQueries,
    HideQueries,
    SavedSearchQueries,
):
    """The facade the CLI, refresh and the UI use; queries live in the mixins by topic."""

    @classmethod
    def in_dir(
        cls,
        data_dir: Path | str,
        *,
        read_only: bool = False,
        on_progress: Callable[[str], None] | None = None,
    ) -> Store:
        return cls(Path(data_dir) / DB_NAME, read_only=read_only, on_progress=on_progress)

    def entry(self, entry_id: int) -> Entry | None:
        """One article with everything needed to show it, its teasers included."""
        entry = self.entry_without_teasers(entry_id)
        if entry is None:
            return None
        return dataclasses.replace(entry, teasers=self.entry_teasers(entry_id))
