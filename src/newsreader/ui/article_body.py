"""The article text: wrapped once per width, painted line by line.

A Static re-renders every line of its content on each layout pass; opening a 20 KB article
took three passes of ~80 ms. Here the wrap happens once per width and each visible line is
turned into a Strip on demand. The first layout wraps only the paragraphs of the first
screens and estimates the height of the rest from them; the rest is wrapped right after that
frame, and the height corrected (only the scrollbar shows it: the lines on screen are the
same either way, since each paragraph wraps on its own).
"""

from __future__ import annotations

from math import ceil

from textual.content import Content
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

SCREENS_FIRST = 2  # screens of wrapped lines the first layout makes; the rest follows


class _Wrap:
    """The body's paragraphs wrapped to one width, from the top, as far as asked."""

    def __init__(self, paragraphs: list[Content], width: int) -> None:
        self.paragraphs = paragraphs
        self.width = width
        self.lines: list[Content] = []
        self.done = 0  # paragraphs wrapped

    @property
    def complete(self) -> bool:
        return self.done == len(self.paragraphs)

    def until(self, lines: int) -> None:
        """Wrap paragraphs until there are at least `lines` lines, or none is left."""
        while len(self.lines) < lines and not self.complete:
            self._next()

    def finish(self) -> None:
        while not self.complete:
            self._next()

    def _next(self) -> None:
        self.lines += self.paragraphs[self.done].wrap(self.width) if self.width > 0 else []
        self.done += 1

    def height(self) -> int:
        """Exact once complete; before that, the wrapped lines and an estimate for the rest:
        its cells per line of width, scaled by how the wrapped paragraphs came out."""
        if self.complete:
            return len(self.lines)
        plain = sum(_rows(p, self.width) for p in self.paragraphs[: self.done])
        ratio = len(self.lines) / plain if plain else 1.0
        rest = sum(_rows(p, self.width) for p in self.paragraphs[self.done :])
        return len(self.lines) + round(rest * ratio)


def _rows(paragraph: Content, width: int) -> int:
    return max(1, ceil(paragraph.cell_length / width)) if width > 0 else 0


class ArticleBody(Widget):
    DEFAULT_CSS = """
    ArticleBody { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._content = Content("")
        self._paragraphs: list[Content] | None = None
        self._wrap: _Wrap | None = None
        self._strips: dict[int, Strip] = {}

    @property
    def plain(self) -> str:
        return self._content.plain

    @property
    def content(self) -> Content:
        return self._content

    @property
    def wrapped(self) -> bool:
        """The whole text is wrapped to the current width (tests look)."""
        return self._wrap is not None and self._wrap.complete

    def update(self, content: Content) -> None:
        self._content = content
        self._paragraphs = None
        self._wrap = None
        self._strips.clear()
        self.refresh(layout=True)

    def lines(self, width: int) -> list[Content]:
        """The whole body wrapped to `width`, cached until the width or the text changes."""
        wrap = self._wrap_for(width)
        wrap.finish()
        return wrap.lines

    def _wrap_for(self, width: int) -> _Wrap:
        if self._wrap is None or self._wrap.width != width:
            if self._paragraphs is None:
                self._paragraphs = self._content.split(allow_blank=True)
            self._wrap = _Wrap(self._paragraphs, width)
            self._strips.clear()
        return self._wrap

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        wrap = self._wrap_for(width)
        if not wrap.complete:
            wrap.until(max(viewport.height, 1) * SCREENS_FIRST)
            if not wrap.complete:
                self.call_after_refresh(self._wrap_the_rest, wrap)
        return wrap.height()

    def _wrap_the_rest(self, wrap: _Wrap) -> None:
        if wrap is not self._wrap or wrap.complete:
            return
        estimated = wrap.height()
        wrap.finish()
        if wrap.height() != estimated:
            self.refresh(layout=True)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        wrap = self._wrap_for(width)
        wrap.until(y + 1)
        strip = self._strips.get(y)
        if strip is None:
            base = self.visual_style
            if 0 <= y < len(wrap.lines):
                segments = wrap.lines[y].render_segments(base)
                strip = Strip(segments).adjust_cell_length(width, base.rich_style)
            else:
                strip = Strip.blank(width, base.rich_style)
            self._strips[y] = strip
        return strip
