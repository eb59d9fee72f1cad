"""What the filter keys and the feed pane do to the App's `EntryFilter`, what the headline list
is asked for, and how the status bar names it."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from newsreader.core.config import Config, SavedSearch
from newsreader.core.models import EntryFilter
from newsreader.core.store.saved_searches import search_filter
from newsreader.core.store.store import Store
from newsreader.ui.text import one_line

if TYPE_CHECKING:  # types only: the feed pane is mounted after the first paint
    from newsreader.ui.feed_pane import Scope

FLAGS = ("unread", "starred", "hide_paywalled", "show_hidden")


def toggled(filters: EntryFilter, flag: str) -> EntryFilter:
    """`u`, `*`, `p`, `H`: one flag flipped; an unknown name (from a keymap) changes nothing."""
    if flag not in FLAGS:
        return filters
    return replace(filters, **{flag: not getattr(filters, flag)})  # type: ignore[arg-type]


def on_screen(filters: EntryFilter, searches: list[SavedSearch]) -> SavedSearch | None:
    """The saved search the list shows, if it shows one (the view's own flags aside)."""
    chosen = replace(filters, hide_paywalled=False, show_hidden=False)
    return next((s for s in searches if search_filter(s) == chosen), None)


def chosen(filters: EntryFilter, scope: Scope, searches: list[SavedSearch]) -> EntryFilter:
    """A row picked in the feed pane. A saved search replaces the filter in force; a feed or
    a tag narrows it, unless it is a saved search: that is left, like newsboat's query feeds.
    The view's own flags (`p`, `H`) stay either way."""
    if scope.search is not None:
        picked = search_filter(scope.search)
    elif on_screen(filters, searches) is not None:
        picked = EntryFilter(feed_id=scope.feed_id, tag=scope.tag)
    else:
        return replace(filters, feed_id=scope.feed_id, tag=scope.tag)
    return replace(picked, hide_paywalled=filters.hide_paywalled, show_hidden=filters.show_hidden)


def listing(filters: EntryFilter, config: Config) -> EntryFilter:
    """What the user chose, with what config.toml adds: watch words, one story once."""
    return replace(filters, watch=config.watch.words, one_per_story=config.cluster.enabled)


def describe(filters: EntryFilter, store: Store) -> str:
    parts = []
    if filters.feed_id is not None:
        feed = store.feed(filters.feed_id)
        parts.append("feed: " + one_line(feed.title if feed else "?", 40))
    if filters.tag is not None:
        parts.append("tag: " + one_line(filters.tag, 40))
    if filters.unread:
        parts.append("unread")
    if filters.starred:
        parts.append("starred")
    if filters.hide_paywalled:
        parts.append("no paywall")
    if filters.show_hidden:
        parts.append("hidden shown")
    if filters.search:
        parts.append("search: " + one_line(filters.search, 40))
    return ", ".join(parts)
