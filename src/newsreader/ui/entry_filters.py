"""What the filter keys do to the App's `EntryFilter`, what the headline list is asked for,
and how the status bar names it."""

from __future__ import annotations

from dataclasses import replace

from newsreader.core.config import Config
from newsreader.core.models import EntryFilter
from newsreader.core.store.store import Store
from newsreader.ui.text import one_line

FLAGS = ("unread", "starred", "hide_paywalled", "show_hidden")


def toggled(filters: EntryFilter, flag: str) -> EntryFilter:
    """`u`, `*`, `p`, `H`: one flag flipped; an unknown name (from a keymap) changes nothing."""
    if flag not in FLAGS:
        return filters
    return replace(filters, **{flag: not getattr(filters, flag)})  # type: ignore[arg-type]


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
