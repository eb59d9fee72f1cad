"""The middle pane: the headline list, the search field above it, a note when it is empty."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import Input, Static

from newsreader.core.errors import QueryError
from newsreader.core.models import EntryFilter
from newsreader.core.search_query import parse_query
from newsreader.core.store.store import Store
from newsreader.ui.headline_view import HeadlineView
from newsreader.ui.search_input import SearchInput

EMPTY_CACHE = (
    "No subscriptions yet.\n\nPress a to add a feed or a site, i to import an OPML file, "
    "d to open the sample edition; or from a shell:  newsreader add URL"
)
FIRST_SYNC = (
    "No feeds here yet: the first sync with the server is fetching your subscriptions. "
    "Their headlines appear on the left when it is done."
)

FIRST_SYNC_LIST = "Waiting for the first sync with the server."

SEARCH_HINT = 'Search titles and text: words, "a phrase", OR, -word, feed:, tag:, after:, before:'


class ListPane(Vertical):
    @dataclass
    class Searched(Message):
        """The user submitted a search (None: an empty one) or cancelled it (`cancelled`)."""

        query: str | None
        cancelled: bool = False

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], datetime],
        filt: EntryFilter | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.store = store
        self.clock = clock
        self.first_filter = filt

    def compose(self) -> ComposeResult:
        # The note on an empty list is mounted when the list is first empty: with headlines,
        # one widget fewer to make and style before they paint (10 M instructions).
        yield HeadlineView(self.store, clock=self.clock, filt=self.first_filter, id="headlines")

    def show_empty_note(self, *, filtered: bool, syncing: bool = False) -> None:
        """Say why the list is empty (no feeds, nothing cached, nothing matches), or hide.
        With a sync server and no feeds yet, the server brings them: no add-a-feed advice."""
        view = self.query_one(HeadlineView)
        try:
            empty = self.query_one("#list-empty", Static)
        except NoMatches:
            if view.count:
                return
            empty = Static(id="list-empty", markup=False)
            self.mount(empty, before=view)
        empty.display = not view.count
        if not empty.display:
            return
        if filtered:
            empty.update("No headlines match this filter. Press escape to clear it.")
        else:
            has_feeds = self.store.has_feeds()
            if not has_feeds and syncing:
                empty.update(FIRST_SYNC_LIST)
            else:
                empty.update(EMPTY_CACHE if not has_feeds else "No headlines cached yet.")

    def open_search(self, query: str) -> None:
        # Mounted on first use: one widget fewer to style before the headlines paint.
        try:
            search = self.query_one("#search", SearchInput)
        except NoMatches:
            search = SearchInput(placeholder=SEARCH_HINT, id="search")
            self.mount(search, before=0)
        search.display = True
        search.value = query
        search.focus()

    def hide_search(self) -> None:
        for search in self.query("#search"):
            search.display = False

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        query = event.value.strip()
        try:
            parse_query(query)
        except QueryError as exc:
            # The field stays open with what was typed, to be mended.
            self.app.notify(str(exc), title="Search", severity="warning", markup=False)
            return
        if not query:
            self.hide_search()
        self.post_message(self.Searched(query or None))
        self.query_one(HeadlineView).focus()

    @on(SearchInput.Cancelled)
    def _search_cancelled(self, event: SearchInput.Cancelled) -> None:
        event.stop()
        self.hide_search()
        self.post_message(self.Searched(None, cancelled=True))
        self.query_one(HeadlineView).focus()
