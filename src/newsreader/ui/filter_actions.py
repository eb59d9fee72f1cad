"""Filters, search and mark-all-read: what the headline list shows, apart from the App's routing."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual import on
from textual.app import App
from textual.css.query import NoMatches
from textual.widgets import Input

from newsreader.core.models import EntryFilter
from newsreader.core.store.store import Store
from newsreader.ui.headline_view import HeadlineView
from newsreader.ui.status_bar import StatusBar
from newsreader.ui.text import one_line

if TYPE_CHECKING:  # mounted after the first paint, imported then (handlers go by name)
    from newsreader.ui.feed_pane import FeedPane
    from newsreader.ui.search_input import SearchInput

_FLAGS = ("unread", "starred", "hide_paywalled")


class FilterActions(App[None]):
    """Mixed into the reader App, which provides the store, the panes and the updates."""

    store: Store
    filters: EntryFilter

    @property
    def headlines(self) -> HeadlineView:
        raise NotImplementedError

    def _update_empty(self) -> None:
        raise NotImplementedError

    def _update_feeds(self) -> None:
        raise NotImplementedError

    def set_filters(self, filters: EntryFilter) -> None:
        self.filters = filters
        self.headlines.set_filter(filters)
        self.query_one(StatusBar).filter_label = _describe(filters, self.store)
        self._update_empty()

    def action_toggle_filter(self, name: str) -> None:
        if name in _FLAGS:
            flags = {name: not getattr(self.filters, name)}
            self.set_filters(replace(self.filters, **flags))  # type: ignore[arg-type]

    def action_clear_filters(self) -> None:
        if self.filters != EntryFilter():
            self.set_filters(EntryFilter())
            self._hide_search()

    def on_feed_pane_scope_chosen(self, event: FeedPane.ScopeChosen) -> None:
        self.set_filters(replace(self.filters, feed_id=event.scope.feed_id, tag=event.scope.tag))

    def _hide_search(self) -> None:
        for search in self.query("#search"):
            search.display = False

    def action_search(self) -> None:
        from newsreader.ui.search_input import SearchInput

        # Mounted on first use: one widget fewer to style before the headlines paint.
        try:
            search = self.query_one("#search", SearchInput)
        except NoMatches:
            search = SearchInput(placeholder="Search titles and text…", id="search")
            self.query_one("#list-pane").mount(search, before=0)
        search.display = True
        search.value = self.filters.search or ""
        search.focus()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        query = event.value.strip()
        self.set_filters(replace(self.filters, search=query or None))
        if not query:
            self._hide_search()
        self.headlines.focus()

    def on_search_input_cancelled(self, _: SearchInput.Cancelled) -> None:
        self._hide_search()
        if self.filters.search:
            self.set_filters(replace(self.filters, search=None))
        self.headlines.focus()

    def action_mark_all_read(self) -> None:
        count = self.store.mark_all_read(self.filters)
        self.headlines.reload()
        self._update_feeds()
        self.notify(f"Marked {count:,} headlines read.", markup=False)

    def action_toggle_feed_pane(self) -> None:
        slot = self.query_one("#feeds-slot")
        slot.display = not slot.display


def _describe(filters: EntryFilter, store: Store) -> str:
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
    if filters.search:
        parts.append("search: " + one_line(filters.search, 40))
    return ", ".join(parts)
