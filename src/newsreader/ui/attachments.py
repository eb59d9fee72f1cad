"""An article's audio and video enclosures, listed under its header; `e` plays the first.

The player streams the URL itself: nothing is downloaded or cached here. Each line is built
from Content pieces, so a feed's type or URL text is never read as markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from newsreader.core.article_records import Enclosure
from newsreader.ui.text import one_line


@dataclass
class PlayEnclosure(Message):
    """The article pane asks the App to hand this URL to the configured player."""

    url: str


def playable(enclosures: tuple[Enclosure, ...]) -> tuple[Enclosure, ...]:
    """Audio, video and untyped files; image enclosures are thumbnails, not attachments."""
    return tuple(e for e in enclosures if e.playable)


class AttachmentList(Static):
    DEFAULT_CSS = """
    AttachmentList { height: auto; margin-bottom: 1; }
    """

    def show(self, enclosures: tuple[Enclosure, ...]) -> None:
        self.display = bool(enclosures)
        lines = [
            Content.assemble(
                ("▶ " if n == 0 else "  ", "bold"),
                (one_line(enclosure.description, 120), "bold" if n == 0 else ""),
                "  ",
                (one_line(enclosure.url, 300), "dim"),
            )
            for n, enclosure in enumerate(enclosures)
        ]
        self.update(Content("\n").join(lines))
