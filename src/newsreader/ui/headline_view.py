"""The headline list: a Line-API ScrollView that renders only the rows on screen.

`virtual_size` is the row count of the current filter; `render_line` asks the block-cached
`HeadlineSource` for one row and keeps rendered strips in an LRU, so a `j` repaints two rows
and 50,000 headlines never become 50,000 widgets (the toolong pattern).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from newsreader.core.models import Cursor, EntryFilter, EntrySummary
from newsreader.core.store.store import Store
from newsreader.ui.headline_source import Flag, HeadlineSource
from newsreader.ui.text import one_line, relative_age

SOURCE_WIDTH = 16  # at most; narrow lists give the title more room
AGE_WIDTH = 6  # "20.11" (the date's last dot dropped) and a space
MARKS_WIDTH = 5  # ●★€↓ and a space
TITLE_SHARE = 0.6  # of the row, at least, once the list is 40 cells wide
MAX_STRIPS = 2000
# `N` from the bottom: the rows after this, oldest first, start with the oldest unread. It
# was a far future, after which no row comes: `N` into the previous feed found nothing, and
# left the cursor on that feed's first row.
FAR_PAST = datetime(1, 1, 2, tzinfo=UTC)
# A row's styles, the cursor's row or another: base, title (read, unread), the watched title's
# addition, meta, badge. A tuple, not a class: a dataclass made at import costs the first
# frame a millisecond.
_RowStyles = tuple[Style, Style, Style, Style, Style, Style]


class HeadlineView(ScrollView, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Next", id="headline.next"),
        Binding("k,up", "cursor_up", "Previous", id="headline.previous"),
        Binding("g,home", "first", "First", show=False, id="headline.first"),
        Binding("G,end", "last", "Last", show=False, id="headline.last"),
        Binding("pagedown", "page_down", "Page down", show=False, id="headline.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="headline.page_up"),
        Binding("enter,l", "open", "Open", id="headline.open"),
        Binding("J", "app.feed_step(1)", "Next feed", show=False, id="headline.next_feed"),
        Binding("K", "app.feed_step(-1)", "Previous feed", show=False, id="headline.previous_feed"),
        # The App's: the row and the counts change in one frame (store_writes.toggle_read).
        Binding("m", "app.toggle_read", "Read/unread", id="headline.toggle_read"),
        Binding("s", "app.toggle_star", "Star", id="headline.toggle_star"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "headline-view--cursor",
        "headline-view--unread",
        "headline-view--read",
        "headline-view--meta",
        "headline-view--badge",
        "headline-view--watched",
    }

    DEFAULT_CSS = """
    HeadlineView { background: $surface; }
    HeadlineView > .headline-view--cursor { background: $block-cursor-blurred-background; }
    HeadlineView:focus > .headline-view--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground;
        text-style: bold;
    }
    HeadlineView > .headline-view--unread { text-style: bold; }
    HeadlineView > .headline-view--read { color: $text-muted; }
    HeadlineView > .headline-view--meta { color: $text-muted; }
    HeadlineView > .headline-view--badge { color: $warning; }
    HeadlineView > .headline-view--watched { color: $accent; text-style: bold underline; }
    """

    cursor: reactive[int] = reactive(0, repaint=False, always_update=False)

    @dataclass
    class Opened(Message):
        """The user asked to read a headline (enter or click)."""

        view: HeadlineView
        entry: EntrySummary

        @property
        def control(self) -> HeadlineView:
            return self.view

    @dataclass
    class Changed(Message):
        """The row count or a row's flags changed (the header's unread count may be stale)."""

        view: HeadlineView

        @property
        def control(self) -> HeadlineView:
            return self.view

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], datetime],
        filt: EntryFilter | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """`filt`: the first list's filter, so that its length is counted once, not once
        for a default filter and again for this one."""
        super().__init__(name=name, id=id, classes=classes)
        self.source = HeadlineSource(store, filt)
        self._clock = clock
        self._strips: OrderedDict[tuple[object, ...], Strip] = OrderedDict()
        self._row_styles: dict[bool, _RowStyles] = {}  # by `selected`, for one rendering pass
        self._now = clock()
        # The longest feed name of the whole cache, not of the rows on screen: the source
        # column keeps its width through a search or a filter.
        self._longest_source = self._measure_sources()

    # --- data ---------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return self.source.count

    @property
    def current(self) -> EntrySummary | None:
        return self.source.row(self.cursor)

    @property
    def filter(self) -> EntryFilter:
        return self.source.filter

    def set_filter(self, filt: EntryFilter) -> None:
        """Show another filter from its top."""
        self.source.set_filter(filt)
        self._strips.clear()
        self._sync_size()
        self.set_reactive(HeadlineView.cursor, 0)
        self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Changed(self))

    def reload(self) -> None:
        """Re-read the store (after a refresh) keeping the cursor on the same headline and
        that headline on the same screen line."""
        current = self.current
        screen_line = self.cursor - round(self.scroll_y)
        self.source.reset()
        self._longest_source = self._measure_sources()
        self._now = self._clock()
        self._strips.clear()
        self._sync_size()
        position = self.source.position(current.id) if current is not None else None
        if position is None:
            position = min(self.cursor, max(0, self.count - 1))
        self.set_reactive(HeadlineView.cursor, position)
        self.scroll_to(y=max(0, position - screen_line), animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Changed(self))

    def refresh_ages(self) -> None:
        """Relative ages drift while the reader stays open; re-render the visible rows."""
        self._now = self._clock()
        self._strips.clear()
        self.refresh()

    def set_flags(
        self, entry_id: int, *, read: bool | None = None, starred: bool | None = None
    ) -> None:
        """Flags shown at once, and held until `flags_stored` says the writer stored them."""
        self.source.hold_flags(entry_id, read=read, starred=starred)
        if self.source.update_flags(entry_id, read=read, starred=starred) is not None:
            self.refresh()

    def flags_stored(self, entry_id: int, flag: Flag) -> None:
        self.source.release_flags(entry_id, flag)

    def _measure_sources(self) -> int:
        """The longest feed name, as far as the column's cap: past it, the rest need no look
        (2,000 feeds' names made shorter cost a few ms of the first frame)."""
        longest = -1  # no feed at all
        for title in self.source.store.feed_titles():
            longest = max(longest, len(one_line(title, 80)))
            if longest >= SOURCE_WIDTH:
                break
        return SOURCE_WIDTH if longest < 0 else longest

    def source_width(self, width: int) -> int:
        """The source column: as wide as the longest feed name up to a cap, and never so wide
        that the title gets less than `TITLE_SHARE` of the row."""
        room = width - int(width * TITLE_SHARE + 0.999) - MARKS_WIDTH - AGE_WIDTH - 1
        return max(3, min(SOURCE_WIDTH, self._longest_source, room))

    def _sync_size(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self.count)

    # --- lifecycle ----------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._sync_size()
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: object) -> None:
        """The rows painted in the old theme go: kept, they showed its colours until the
        cursor passed over them."""
        self._strips.clear()
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._strips.clear()
        self._sync_size()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # --- rendering ----------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        """One pass over the lines on screen: the row styles are made once for all of it (each
        row made its own, the widget's style walking its ancestors: a tenth of the first
        frame's rendering), and again for the next pass, which sees a new theme or focus."""
        self._row_styles.clear()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        index = round(self.scroll_y) + y
        width = self.scrollable_content_region.width
        row = self.source.row(index)
        if row is None:
            return Strip.blank(width, self.rich_style)
        selected = index == self.cursor
        key = (row, selected, selected and self.has_focus, width)
        strip = self._strips.get(key)
        if strip is None:
            strip = self.render_row(row, selected, width)
            self._strips[key] = strip
            if len(self._strips) > MAX_STRIPS:
                self._strips.popitem(last=False)
        else:
            self._strips.move_to_end(key)
        return strip

    def render_row(self, row: EntrySummary, selected: bool, width: int) -> Strip:
        """One headline as a row of cells (also what tests check for inert text)."""
        styles = self._row_styles.get(selected) or self._make_row_styles(selected)
        base, read, unread, watched, meta, badge = styles
        title_style = read if row.read or row.hidden else unread
        if row.watched:  # a [watch] word: the word itself is shown in the article pane
            title_style += watched
        source_width = self.source_width(width)
        source = one_line(row.feed_title, 80)[:source_width].ljust(source_width)
        age = relative_age(row.published, self._now).removesuffix(".").rjust(AGE_WIDTH - 1)
        segments = [
            Segment("●" if not row.read else " ", badge),
            Segment("★" if row.starred else " ", badge),
            Segment("€" if row.paywalled else " ", badge),
            # A hidden row shown by `H` is marked `h` here, as README says, not only dimmed
            # (NO_COLOR dims nothing); whether it is offline matters less than that.
            Segment("h" if row.hidden else "↓" if row.offline else " ", meta),
            Segment(" ", base),
            Segment(source + " ", meta),
            Segment(age + " ", meta),
            # A story with versions in other feeds (issue 14): they are in the article pane.
            *([Segment(f"×{row.versions} ", badge)] if row.versions > 1 else []),
            Segment(one_line(row.title, 400), title_style),
        ]
        return Strip(segments).adjust_cell_length(width, base)

    def _make_row_styles(self, selected: bool) -> _RowStyles:
        base = self.rich_style
        if selected:
            base = base + self.get_component_rich_style("headline-view--cursor")
        component = self.get_component_rich_style
        styles = (
            base,
            base + component("headline-view--read"),
            base + component("headline-view--unread"),
            component("headline-view--watched"),
            base + component("headline-view--meta"),
            base + component("headline-view--badge"),
        )
        self._row_styles[selected] = styles
        return styles

    # --- cursor -------------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old)
        self.refresh_line(new)
        top = round(self.scroll_y)
        height = self.scrollable_content_region.height
        if new < top:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif height and new >= top + height:
            self.scroll_to(y=new - height + 1, animate=False, immediate=True)

    def move_to(self, index: int) -> None:
        if self.count:
            self.cursor = max(0, min(index, self.count - 1))

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(self.count - 1)

    def action_page_down(self) -> None:
        self.move_to(self.cursor + max(1, self.scrollable_content_region.height - 1))

    def action_page_up(self) -> None:
        self.move_to(self.cursor - max(1, self.scrollable_content_region.height - 1))

    def action_open(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Opened(self, row))

    def step_unread(self, delta: int, *, from_edge: bool = False) -> EntrySummary | None:
        """Move to the next (`delta` 1) or previous (-1) unread headline of this list, or from
        its top (bottom) with `from_edge`; one indexed query, however much is read between."""
        store = self.source.store
        unread = replace(self.filter, unread=True)
        current = None if from_edge else self.current
        if current is not None:
            mark = Cursor(current.published, current.id)
            rows = store.entries(
                unread,
                after=mark if delta > 0 else None,
                before=mark if delta < 0 else None,
                limit=1,
            )
        elif delta > 0:
            rows = store.entries(unread, limit=1)
        else:
            rows = store.entries(unread, before=Cursor(FAR_PAST, 0), limit=1)
        position = self.source.position(rows[0].id) if rows else None
        if position is None:
            return None
        self.move_to(position)
        return self.current

    def on_click(self, event: events.Click) -> None:
        index = round(self.scroll_y) + event.y
        if 0 <= index < self.count:
            self.cursor = index
            self.action_open()
