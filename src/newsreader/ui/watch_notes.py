"""Watch words in the reader: the header's count of unread matches, and a note (with the
bell and a desktop notification, if config.toml asks) when a refresh brings new ones."""

from __future__ import annotations

from typing import Any

from textual.app import App

from newsreader.core.config import WatchConfig
from newsreader.core.models import EntryFilter, EntrySummary
from newsreader.core.store.store import Store
from newsreader.ui.desktop_notify import notify_desktop
from newsreader.ui.status_bar import StatusBar

# Headlines a desktop notification names; more are counted.
_NAMED = 3


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
        if watch.rings_bell:
            app.bell()
        if watch.notifies_desktop:
            newest = store.entries(watched, limit=min(new, _NAMED))
            notify_desktop(app, "Watch words", _desktop_body(new, newest))


def _desktop_body(new: int, newest: list[EntrySummary]) -> str:
    """The newest matching headlines with their feeds, and how many more there are."""
    named = "; ".join(f"{row.title} ({row.feed_title})" for row in newest)
    more = new - len(newest)
    return named + (f"; and {more} more" if more > 0 else "")
