"""The numbered teaser links under an article. Teasers are few, so an OptionList is fine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from newsreader.core.models import Teaser
from newsreader.ui.keys import DETAIL_FOOTER
from newsreader.ui.text import one_line


def teaser_prompt(number: int, teaser: Teaser) -> Content:
    """Title on the first line, a one-line description below; all of it plain text."""
    title = one_line(teaser.title, 300) or one_line(teaser.url, 300)
    mark = " ↓" if teaser.offline else ""
    prompt = Content.from_markup(
        "[b]$n.[/b] $title[dim]$mark[/dim]", n=str(number), title=title, mark=mark
    )
    description = one_line(teaser.description, 300)
    if description:
        prompt = prompt + Content("\n   ") + Content(description).stylize("dim")
    return prompt


class TeaserList(OptionList):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Next", show=False, id="teaser.down"),
        Binding("k,up", "cursor_up", "Previous", show=False, id="teaser.up"),
        Binding("enter", "select", "Open teaser", id="teaser.open"),
        *DETAIL_FOOTER,
    ]

    DEFAULT_CSS = """
    TeaserList {
        height: auto; max-height: 45%; border-top: solid $primary-muted;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    @dataclass
    class Chosen(Message):
        """Open this teaser inside the article pane."""

        teaser_list: TeaserList
        teaser: Teaser

        @property
        def control(self) -> TeaserList:
            return self.teaser_list

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.teasers: tuple[Teaser, ...] = ()

    def set_teasers(self, teasers: tuple[Teaser, ...], *, keep_highlight: bool = False) -> None:
        """Replace the list; previews arriving for the same article keep the highlight."""
        if teasers == self.teasers:
            return
        highlighted = self.highlighted if keep_highlight else None
        self.teasers = teasers
        self.clear_options()
        self.add_options(
            Option(teaser_prompt(n, t), id=str(n - 1)) for n, t in enumerate(teasers, 1)
        )
        self.display = bool(teasers)
        if highlighted is not None and highlighted < len(teasers):
            self.highlighted = highlighted
        self.border_title = f"Teasers ({len(teasers)})" if teasers else None

    def jump(self, index: int) -> bool:
        if 0 <= index < len(self.teasers):
            self.highlighted = index
            self.focus()
            return True
        return False

    def step(self, delta: int) -> None:
        """`]` / `[`: move and focus; the first press lands on the first (or last) teaser."""
        if not self.teasers:
            return
        if not self.has_focus or self.highlighted is None:
            index = 0 if delta > 0 else len(self.teasers) - 1
            if self.highlighted is not None and not self.has_focus:
                index = self.highlighted
        else:
            index = (self.highlighted + delta) % len(self.teasers)
        self.jump(index)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = event.option_index
        if 0 <= index < len(self.teasers):
            self.post_message(self.Chosen(self, self.teasers[index]))
