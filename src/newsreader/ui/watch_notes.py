"""Watch words in the reader: the header's count of unread matches, and a note (with the
bell, if config.toml asks) when a refresh brings new ones."""

from __future__ import annotations

from typing import Any

from textual.app import App

from newsreader.core.config import WatchConfig
from newsreader.core.models import EntryFilter
from newsreader.core.store.store import Store
from newsreader.ui.status_bar import StatusBar


def count_watched(
    app: App[Any], store: Store, watch: WatchConfig, *, tell_new_matches: bool = False
) -> None:
    """A cheap count of the store's unread watched entries; new matches are said once."""
    if not watch.words:
        return
    status = app.query_one(StatusBar)
    watched = EntryFilter(unread=True, watch=watch.words, watched_only=True)
    before, status.watched = status.watched, store.count_entries(watched)
    if tell_new_matches and status.watched > before:
        new = status.watched - before
        app.notify(
            f"{new} new {'article matches' if new == 1 else 'articles match'} your watch words.",
            title="Watch words",
            markup=False,
        )
        if watch.bell:
            app.bell()
