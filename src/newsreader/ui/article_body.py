"""The article text: wrapped once per width, painted line by line.

A Static re-renders every line of its content on each layout pass; opening a 20 KB article
took three passes of ~80 ms. Here the wrap happens once per width and each visible line is
turned into a Strip on demand, so the open costs one wrap and a screenful of lines.
"""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget


class ArticleBody(Widget):
    DEFAULT_CSS = """
    ArticleBody { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._content = Content("")
        self._wrapped: tuple[int, list[Content]] = (-1, [])
        self._strips: dict[int, Strip] = {}

    @property
    def plain(self) -> str:
        return self._content.plain

    @property
    def content(self) -> Content:
        return self._content

    def update(self, content: Content) -> None:
        self._content = content
        self._wrapped = (-1, [])
        self._strips.clear()
        self.refresh(layout=True)

    def lines(self, width: int) -> list[Content]:
        """The body wrapped to `width`, cached until the width or the text changes."""
        if self._wrapped[0] != width:
            self._wrapped = (width, self._content.wrap(width) if width > 0 else [])
            self._strips.clear()
        return self._wrapped[1]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        lines = self.lines(width)
        strip = self._strips.get(y)
        if strip is None:
            base = self.visual_style
            if 0 <= y < len(lines):
                segments = lines[y].render_segments(base)
                strip = Strip(segments).adjust_cell_length(width, base.rich_style)
            else:
                strip = Strip.blank(width, base.rich_style)
            self._strips[y] = strip
        return strip
