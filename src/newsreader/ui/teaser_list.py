"""The numbered teaser links under an article, under the labels of the blocks they came from.

Teasers are few, so an OptionList is fine: block labels are disabled options (the cursor skips
them), and a long "more" block shows its first few teasers and a `+ N more` row that expands.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from newsreader.core.article_records import Teaser
from newsreader.core.models import TeaserGroup
from newsreader.ui.keys import BACK_TO_LIST, DETAIL_FOOTER
from newsreader.ui.text import one_line

# A "more" block (most-read, latest news) longer than this shows only its first teasers.
MORE_SHOWN = 5
# Headings for unlabelled blocks, used only when the list has more than one block.
UNLABELLED: dict[TeaserGroup, str] = {"related": "In the article", "more": "More stories"}

RowKind = Literal["heading", "teaser", "expander"]


def unlabelled_heading(block: Block, teasers: Sequence[Teaser]) -> str:
    """ "In the article" only for links that are in its text: a page's related block without
    a label was headed so too, with links the text does not hold (a helper's tour)."""
    if block.group == "related" and any(teasers[i].kind != "inline" for i in block.indexes):
        return "Related"
    return UNLABELLED[block.group]


KICKER_CHARS = 24


def teaser_prompt(number: int, teaser: Teaser) -> Content:
    """Kicker (dim) and title on the first line, a one-line description below; plain text."""
    title = one_line(teaser.title, 300) or one_line(teaser.url, 300)
    # The kicker is short: a long one ("Aufregung um Greta Thunberg im ICE") filled the
    # row, and the headline after it was cut away whole (a helper's tour).
    kicker = one_line(teaser.kicker, KICKER_CHARS)
    mark = " ↓" if teaser.offline else ""
    # Assembled from plain parts, not markup: untrusted text stays text, and the space after
    # the number survives an empty kicker (markup dropped it before an empty styled span).
    prompt = Content.assemble(
        (f"{number}.", "b"),
        " ",
        (f"{kicker} · " if kicker else "", "dim"),
        title,
        (mark, "dim"),
    )
    description = one_line(teaser.description, 300)
    if description:
        indent = " " * (len(str(number)) + 2)
        prompt = prompt + Content(f"\n{indent}") + Content(description).stylize("dim")
    return prompt


def heading_prompt(label: str) -> Content:
    return Content(one_line(label, 120)).stylize("dim")


def expander_prompt(hidden: int) -> Content:
    return Content.from_markup("   [b]+ $n more[/b]", n=str(hidden))


@dataclass(frozen=True, slots=True)
class Block:
    """A run of teasers the page gave under one label, in the store's order."""

    label: str
    group: TeaserGroup
    indexes: tuple[int, ...]  # into the article's teasers

    @property
    def collapsible(self) -> bool:
        return self.group == "more" and len(self.indexes) > MORE_SHOWN


def teaser_blocks(teasers: Sequence[Teaser]) -> list[Block]:
    blocks: list[Block] = []
    start = 0
    for index in range(1, len(teasers) + 1):
        if index == len(teasers) or (teasers[index].block, teasers[index].group) != (
            teasers[start].block,
            teasers[start].group,
        ):
            first = teasers[start]
            blocks.append(Block(first.block, first.group, tuple(range(start, index))))
            start = index
    return blocks


@dataclass(frozen=True, slots=True)
class Row:
    """One line group of the list: a block heading, a numbered teaser, or a `+ N more` row."""

    kind: RowKind
    block: int
    teaser: int = -1  # index into the teasers, for a teaser row
    number: int = 0  # the number shown (and typed to jump), for a teaser row
    hidden: int = 0  # teasers behind an expander row


def teaser_rows(teasers: Sequence[Teaser], expanded: frozenset[int]) -> Iterator[Row]:
    """What the list shows; teaser numbers count only the teasers on screen."""
    blocks = teaser_blocks(teasers)
    headed = len(blocks) > 1 or any(b.label for b in blocks)
    number = 0
    for b, block in enumerate(blocks):
        if headed:
            yield Row("heading", b)
        shown = block.indexes
        if block.collapsible and b not in expanded:
            shown = block.indexes[:MORE_SHOWN]
        for index in shown:
            number += 1
            yield Row("teaser", b, teaser=index, number=number)
        if len(shown) < len(block.indexes):
            yield Row("expander", b, hidden=len(block.indexes) - len(shown))


class TeaserList(OptionList):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Next", show=False, id="teaser.down"),
        Binding("k,up", "cursor_up", "Previous", show=False, id="teaser.up"),
        Binding("enter,l", "select", "Open teaser", id="teaser.open"),
        BACK_TO_LIST,
        *DETAIL_FOOTER,
    ]

    DEFAULT_CSS = """
    TeaserList {
        height: auto; max-height: 45%; border-top: solid $primary-muted;
        text-wrap: nowrap; text-overflow: ellipsis;
        & > .option-list--option-disabled { color: $text-muted; text-style: bold; }
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
        self.expanded: frozenset[int] = frozenset()  # blocks whose `+ N more` was opened
        self.rows: list[Row] = []

    def set_teasers(self, teasers: tuple[Teaser, ...], *, keep_highlight: bool = False) -> None:
        """Replace the list; previews arriving for the same article keep highlight and expansion."""
        if teasers == self.teasers:
            return
        current = self.current if keep_highlight else None
        highlighted = self.highlighted if keep_highlight else None
        self.teasers = teasers
        if not keep_highlight:
            self.expanded = frozenset()
        self._rebuild()
        self._restore(current.url if current else None, highlighted)
        self.display = bool(teasers)
        self.border_title = f"Teasers ({len(teasers)})" if teasers else None

    def _rebuild(self) -> None:
        blocks = teaser_blocks(self.teasers)
        self.rows = list(teaser_rows(self.teasers, self.expanded))
        self.clear_options()
        self.add_options(self._option(row, blocks) for row in self.rows)

    def _restore(self, url: str | None, position: int | None) -> None:
        """The cursor stays on its teaser even where a fuller list moved it to another row."""
        for index, row in enumerate(self.rows):
            if row.kind == "teaser" and self.teasers[row.teaser].url == url:
                self.highlighted = index
                return
        if position is not None and self.rows:
            self.highlighted = min(position, len(self.rows) - 1)
            if self.options[self.highlighted].disabled:
                self.action_cursor_down()

    def _option(self, row: Row, blocks: list[Block]) -> Option:
        block = blocks[row.block]
        if row.kind == "heading":
            label = block.label or unlabelled_heading(block, self.teasers)
            return Option(heading_prompt(label), id=f"h{row.block}", disabled=True)
        if row.kind == "expander":
            return Option(expander_prompt(row.hidden), id=f"more{row.block}")
        return Option(teaser_prompt(row.number, self.teasers[row.teaser]), id=f"t{row.teaser}")

    @property
    def current(self) -> Teaser | None:
        """The highlighted teaser (None on a `+ N more` row)."""
        if self.highlighted is None or not self.rows:
            return None
        row = self.rows[self.highlighted]
        return self.teasers[row.teaser] if row.kind == "teaser" else None

    def jump(self, index: int) -> bool:
        """Highlight the teaser shown as number `index + 1`."""
        for position, row in enumerate(self.rows):
            if row.kind == "teaser" and row.number == index + 1:
                self.highlighted = position
                self.focus()
                return True
        return False

    def step(self, delta: int) -> None:
        """`]` / `[`: move and focus; the first press lands on the first (or last) row."""
        stops = [i for i, row in enumerate(self.rows) if row.kind != "heading"]
        if not stops:
            return
        if self.highlighted is not None and not self.has_focus:
            position = self.highlighted
        elif self.highlighted is None or self.highlighted not in stops:
            position = stops[0] if delta > 0 else stops[-1]
        else:
            position = stops[(stops.index(self.highlighted) + delta) % len(stops)]
        self.highlighted = position
        self.focus()

    def expand_block(self, block: int) -> None:
        """Show a collapsed block whole; the cursor lands on the first teaser it revealed."""
        position = next(
            (i for i, row in enumerate(self.rows) if row.kind == "expander" and row.block == block),
            None,
        )
        if position is None:
            return
        self.expanded = self.expanded | {block}
        self._rebuild()
        self.highlighted = position

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if not 0 <= event.option_index < len(self.rows):
            return
        row = self.rows[event.option_index]
        if row.kind == "expander":
            self.expand_block(row.block)
        elif row.kind == "teaser":
            self.post_message(self.Chosen(self, self.teasers[row.teaser]))
