"""The feed pane: all headlines, the saved searches, each tag, each feed, with unread counts;
and their upkeep from inside the reader: remove a feed or a search saved with S (`d`), rename
or re-address a feed (`E`), retry it (`r`).

A feed whose last fetch failed gets a `!` before its name and its error on a second line, so
the mark never rests on colour alone. The pane's writes go to the App's writer thread and are
reported back as `JobDone(WRITE, FeedsChanged(...))`, which redraws every pane.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from newsreader.core.config import SavedSearch
from newsreader.core.models import EntryFilter, Feed
from newsreader.core.store.feeds import tag_counts
from newsreader.core.store.store import Store
from newsreader.ui.entry_filters import on_screen
from newsreader.ui.messages import JobDone
from newsreader.ui.saved_searches import Reader, SearchCounter, all_searches
from newsreader.ui.text import one_line


@dataclass(frozen=True, slots=True)
class FeedsChanged:
    """The key of the writer-thread jobs that change subscriptions: the App redraws every
    pane, then fetches `refetch` (a feed just given a new address), once the write is in."""

    refetch: int | None = None


@dataclass(frozen=True, slots=True)
class SearchesChanged:
    """The key of the writer-thread job that deletes a saved search: the counts are redrawn."""


@dataclass(frozen=True, slots=True)
class Scope:
    """Which slice of the cache the headline list shows: a feed, a tag or a saved search."""

    feed_id: int | None = None
    tag: str | None = None
    search: SavedSearch | None = None


# A row is its label, a space and a 5-wide count: 22 columns, what the pane (app.tcss: 26 wide,
# a border, padding each side) leaves beside its 1-wide scrollbar. A row that wrapped lost its
# count when the count came later: the row kept the height measured without it.
LABEL_WIDTH = 16
Writer = Callable[..., None]


@dataclass(frozen=True, slots=True)
class _RowText:
    """What a row shows; equal rows need no redraw."""

    label: str
    unread: int | None  # None: a saved search not counted yet
    indent: str = ""
    error: str | None = None

    def render(self) -> Content:
        # Assembled from plain parts (never markup: titles and errors are the feeds'). Parsed
        # from markup with $variables, a row took 50 us: 0.1 s of the reader's pause when a
        # refresh of 2,000 feeds ended and every row was made again; assembled, 2 us.
        count = f"{self.unread:>5}" if self.unread else "     "
        width = LABEL_WIDTH - len(self.indent)
        label = self.label
        if label.isascii():
            label = label[: width - 1] + "…" if len(label) > width else label.ljust(width)
        else:  # by terminal cells: an emoji or a CJK character takes two (the count moved)
            fits = cell_len(label) <= width
            label = set_cell_size(label, width) if fits else set_cell_size(label, width - 1) + "…"
        if self.error is None:
            return Content.assemble(self.indent, label, " ", (count, "dim"))
        reason = one_line(self.error, 200)
        if cell_len(reason) > LABEL_WIDTH + 2:  # by cells, as the label: CJK text wrapped
            reason = set_cell_size(reason, LABEL_WIDTH + 1) + "…"
        return Content.assemble(self.indent, label, " ", (count, "dim"), "\n    ", (reason, "dim"))


class FeedPane(OptionList):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Next", show=False, id="feeds.down"),
        Binding("k,up", "cursor_up", "Previous", show=False, id="feeds.up"),
        Binding("g,home", "first", "First", show=False, id="feeds.first"),
        Binding("G,end", "last", "Last", show=False, id="feeds.last"),
        Binding("enter,l", "select", "Show feed", id="feeds.select"),
        Binding("d", "remove_feed", "Remove feed/search", id="feeds.remove"),
        Binding("E", "edit_feed", "Rename / address", id="feeds.edit"),
    ]

    @dataclass
    class ScopeChosen(Message):
        pane: FeedPane
        scope: Scope

        @property
        def control(self) -> FeedPane:
            return self.pane

    def __init__(self, store: Store, write: Writer, read: Reader, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.store = store
        self.write = write
        self.counter = SearchCounter(read, self.set_timer, self._user_busy)
        self._scopes: list[Scope] = []
        self._rows: list[_RowText] = []
        self._feeds: dict[int, Feed] = {}
        self._feed_order: list[Feed] = []
        self._shown = False
        self._tags: list[tuple[str, int]] = []
        self._unread = 0
        self.searches: list[SavedSearch] = []

    def _user_busy(self) -> bool:
        """The reader's keys are in use (asked from the reader thread: a plain read)."""
        busy = getattr(self.app, "user_busy", None)
        return bool(busy()) if callable(busy) else False

    @property
    def highlighted_scope(self) -> Scope | None:
        index = self.highlighted
        return self._scopes[index] if index is not None and index < len(self._scopes) else None

    @property
    def highlighted_feed(self) -> Feed | None:
        scope = self.highlighted_scope
        return self._feeds.get(scope.feed_id) if scope and scope.feed_id is not None else None

    @property
    def highlighted_search(self) -> SavedSearch | None:
        scope = self.highlighted_scope
        return scope.search if scope is not None else None

    def set_feeds(
        self,
        feeds: list[Feed],
        tags: list[tuple[str, int]],
        current: Scope,
        *,
        unread: int,
        searches: Sequence[SavedSearch] = (),
    ) -> None:
        """`unread` is every unread headline, also those of removed feeds kept for a star;
        the searches' counts are the last the counter made."""
        self._feeds = {f.id: f for f in feeds}
        self._tags, self._unread, self.searches = tags, unread, list(searches)
        scopes: list[Scope] = [Scope()]
        rows: list[_RowText] = [_RowText("All", unread)]
        for search in self.searches:
            scopes.append(Scope(search=search))
            rows.append(_RowText("/ " + one_line(search.name, 60), self.counter.counts(search)))
        for tag, tag_unread in tags:
            scopes.append(Scope(tag=tag))
            rows.append(_RowText("# " + one_line(tag, 60), tag_unread))
        for feed in feeds:
            scopes.append(Scope(feed_id=feed.id))
            title = one_line(feed.title, 60) or one_line(feed.url, 60)
            if feed.last_error:
                title = "! " + title
            rows.append(_RowText(title, feed.unread, "  ", feed.last_error))
        self._show_rows(scopes, rows, current)

    def _show_rows(self, scopes: list[Scope], rows: list[_RowText], current: Scope) -> None:
        """When the rows are the same feeds and tags as before, only rows whose text changed
        are redrawn: a read mark with 2,000 feeds re-made 2,000 rows (a second)."""
        highlighted = self.highlighted
        # While the user moves through the pane, a refresh ending must not move the highlight.
        if self.has_focus and highlighted is not None and highlighted < len(self._scopes):
            current = self._scopes[highlighted]
        if scopes == self._scopes and len(rows) == self.option_count:
            pairs = enumerate(zip(self._rows, rows, strict=True))
            self._redraw_rows([(index, new.render()) for index, (old, new) in pairs if old != new])
        else:
            self._scopes = scopes
            self.clear_options()
            self.add_options([Option(row.render()) for row in rows])
        self._rows = rows
        if current in scopes:
            if self.highlighted != scopes.index(current):
                self.highlighted = scopes.index(current)
        elif highlighted is not None and highlighted < len(scopes):
            self.highlighted = highlighted

    def _redraw_rows(self, prompts: list[tuple[int, Content]]) -> None:
        """Rows' new text. OptionList's own `replace_option_prompt_at_index` measures the
        height of every row again (a tenth of a second with 2,000 feeds); a new count keeps
        a row as long as it was, so only those rows' renderings are dropped, in one pass over
        the render cache (up to 2,048 renderings): with a pass per row, new counts for 734 of
        2,200 feeds took 41-53 ms, now 23-35 ms."""
        redrawn: set[int] = set()
        for index, prompt in prompts:
            option = self.get_option_at_index(index)
            was = str(option.prompt)
            if len(was) != len(prompt.plain) or was.count("\n") != prompt.plain.count("\n"):
                self.replace_option_prompt_at_index(index, prompt)
                continue
            option._set_prompt(prompt)
            redrawn.add(id(option))
        if redrawn:
            cache = self._option_render_cache
            for key in list(cache.keys()):  # an LRUCache, not a dict
                if id(key[0]) in redrawn:
                    cache.discard(key)  # the other rows keep their rendering
            self.refresh()

    def show_store(
        self, store: Store, filters: EntryFilter, config_searches: Sequence[SavedSearch]
    ) -> tuple[datetime | None, bool]:
        """Redrawn from the counters the store keeps, the searches' counts asked for anew;
        returns, for the status bar, when a feed last answered (200-399) and whether any
        was fetched at all: a refresh that reached no feed said "refreshed now" (a helper's
        tour)."""
        feeds = store.feeds()
        self._feed_order, self._shown = feeds, True
        searches = all_searches(config_searches, store)
        current = self._scope_of(filters, searches)
        tags = tag_counts(feeds)
        self.set_feeds(feeds, tags, current, unread=store.unread_count(), searches=searches)
        self.counter.request(store, searches)
        fetched = [
            f.last_fetched
            for f in feeds
            if f.last_fetched is not None
            and f.last_status is not None
            and 200 <= f.last_status < 400
        ]
        tried = any(f.last_fetched is not None for f in feeds)
        return (max(fetched) if fetched else None), tried

    def show_counts(
        self, store: Store, filters: EntryFilter, config_searches: Sequence[SavedSearch]
    ) -> None:
        """Only the counts changed (a read mark): the rows shown before with the counters'
        numbers, a few milliseconds where reading and making every row again took a tenth
        of a second with 2,000 feeds. The searches' counts are asked for anew."""
        if not self._shown:
            self.show_store(store, filters, config_searches)
            return
        self._show_counted(store.feed_counts(), store.unread_count(), filters)
        self.counter.request(store, self.searches)

    def count_mark(self, feed_id: int, delta: int, filters: EntryFilter) -> None:
        """A read mark's counts before the writer thread has stored it: one feed's unread
        and the total by `delta` (show_counts, once the mark is stored, finds the same)."""
        if not self._shown or feed_id not in self._feeds:
            return
        counts = {f.id: (f.entries, f.unread) for f in self._feed_order}
        entries, unread = counts[feed_id]
        counts[feed_id] = (entries, max(0, unread + delta))
        self._show_counted(counts, max(0, self._unread + delta), filters)

    def _show_counted(
        self, counts: dict[int, tuple[int, int]], unread_total: int, filters: EntryFilter
    ) -> None:
        rows = list(self._rows)
        self._unread = unread_total
        rows[0] = replace(rows[0], unread=self._unread)
        first_feed = len(rows) - len(self._feed_order)
        changed = False
        for i, feed in enumerate(self._feed_order):
            entries, unread = counts.get(feed.id, (0, 0))
            if (entries, unread) != (feed.entries, feed.unread):
                feed = self._feed_order[i] = replace(feed, entries=entries, unread=unread)
                self._feeds[feed.id] = feed
                row = rows[first_feed + i]
                rows[first_feed + i] = _RowText(row.label, unread, row.indent, row.error)
                changed = True
        if changed:
            self._tags = tag_counts(self._feed_order)
            first_tag = 1 + len(self.searches)
            for i, (_, tag_unread) in enumerate(self._tags):
                rows[first_tag + i] = replace(rows[first_tag + i], unread=tag_unread)
        self._show_rows(self._scopes, rows, self._scope_of(filters, self.searches))

    def _scope_of(self, filters: EntryFilter, searches: list[SavedSearch]) -> Scope:
        search = on_screen(filters, searches)
        return Scope(search=search) if search else Scope(filters.feed_id, filters.tag)

    def counts_made(self, job: JobDone) -> None:
        """A counting round ended: its counts drawn, the highlight where it was."""
        if self.counter.arrived(job):
            current = self.highlighted_scope or Scope()
            self.set_feeds(
                self._feed_order, self._tags, current, unread=self._unread, searches=self.searches
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "remove_feed":
            return self.highlighted_feed is not None or self.highlighted_search is not None
        if action == "edit_feed":
            return self.highlighted_feed is not None
        return True

    def on_option_list_option_highlighted(self) -> None:
        self.refresh_bindings()  # d and E show on feed rows only

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self._scopes):
            self.post_message(self.ScopeChosen(self, self._scopes[event.option_index]))

    def action_cursor_down(self) -> None:
        self._step(1)

    def action_cursor_up(self) -> None:
        self._step(-1)

    def _step(self, delta: int) -> None:
        """The next row with `j`, the previous with `k`, stopping at the ends as the
        headline list does: OptionList's own wrap took `j` on the last feed to "All"."""
        index = self.highlighted
        if index is None:
            if delta > 0:
                self.action_first()
            else:
                self.action_last()
            return
        index += delta
        while 0 <= index < self.option_count:
            if not self.get_option_at_index(index).disabled:
                self.highlighted = index
                return
            index += delta

    def action_remove_feed(self) -> None:
        from newsreader.ui.confirm_dialog import ConfirmDialog  # start-up speed: lazily

        search = self.highlighted_search
        if search is not None:
            self._delete_search(search)
            return
        feed = self.highlighted_feed
        if feed is None:
            return
        store, feed_id = self.store, feed.id

        def answered(yes: bool | None) -> None:
            if yes:
                self.write(lambda: store.remove_feed(feed_id), key=FeedsChanged())

        question = (
            f"Remove {one_line(feed.title, 80)} and its {feed.entries:,} headlines? "
            "Starred ones are kept."
        )
        self.app.push_screen(ConfirmDialog(question), answered)

    def _delete_search(self, search: SavedSearch) -> None:
        from newsreader.ui.confirm_dialog import ConfirmDialog  # start-up speed: lazily

        if not search.in_cache:
            self.app.notify(
                f"{search.name} is {search.where} of config.toml: remove it there.",
                markup=False,
            )
            return
        store, name = self.store, search.name

        def answered(yes: bool | None) -> None:
            if yes:
                self.write(lambda: store.delete_saved_search(name), key=SearchesChanged())

        self.app.push_screen(
            ConfirmDialog(f"Delete the saved search {one_line(name, 80)}?"), answered
        )

    def action_edit_feed(self) -> None:
        from newsreader.ui.feed_dialog import EditFeedDialog, FeedEdit  # start-up speed

        feed = self.highlighted_feed
        if feed is None:
            return
        store = self.store

        def edited(edit: FeedEdit | None) -> None:
            if edit is None:
                return
            refetch = edit.feed_id if edit.url != feed.url else None
            self.write(
                lambda: store.edit_feed(edit.feed_id, title=edit.title, url=edit.url),
                key=FeedsChanged(refetch),
            )

        taken = {f.url for f in self._feeds.values()}
        self.app.push_screen(EditFeedDialog(feed, taken), edited)
