"""The feed pane: all headlines, each tag, each feed, with unread counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from newsreader.core.models import Feed
from newsreader.ui.text import one_line


@dataclass(frozen=True, slots=True)
class Scope:
    """Which slice of the cache the headline list shows."""

    feed_id: int | None = None
    tag: str | None = None


LABEL_WIDTH = 19


def _row(label: str, unread: int, *, indent: str = "") -> Content:
    count = f"{unread:>5}" if unread else "     "
    width = LABEL_WIDTH - len(indent)
    label = label[: width - 1] + "…" if len(label) > width else label.ljust(width)
    return Content.from_markup(
        "$indent$label [dim]$count[/dim]", indent=indent, label=label, count=count
    )


class FeedPane(OptionList):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Next", show=False, id="feeds.down"),
        Binding("k,up", "cursor_up", "Previous", show=False, id="feeds.up"),
        Binding("enter", "select", "Show feed", id="feeds.select"),
    ]

    @dataclass
    class ScopeChosen(Message):
        pane: FeedPane
        scope: Scope

        @property
        def control(self) -> FeedPane:
            return self.pane

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self._scopes: list[Scope] = []

    def set_feeds(self, feeds: list[Feed], tags: list[tuple[str, int]], current: Scope) -> None:
        scopes: list[Scope] = [Scope()]
        options = [Option(_row("All", sum(f.unread for f in feeds)))]
        for tag, unread in tags:
            scopes.append(Scope(tag=tag))
            options.append(Option(_row("# " + one_line(tag, 60), unread)))
        for feed in feeds:
            scopes.append(Scope(feed_id=feed.id))
            title = one_line(feed.title, 60) or one_line(feed.url, 60)
            if feed.last_error:
                title = "! " + title
            options.append(Option(_row(title, feed.unread, indent="  ")))
        highlighted = self.highlighted
        # While the user moves through the pane, a refresh ending must not move the highlight.
        if self.has_focus and highlighted is not None and highlighted < len(self._scopes):
            current = self._scopes[highlighted]
        self._scopes = scopes
        self.clear_options()
        self.add_options(options)
        if current in scopes:
            self.highlighted = scopes.index(current)
        elif highlighted is not None and highlighted < len(scopes):
            self.highlighted = highlighted

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self._scopes):
            self.post_message(self.ScopeChosen(self, self._scopes[event.option_index]))
