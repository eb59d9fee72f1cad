"""The "Also in" line: the other versions of the story on screen (issue 14), above teasers.

One line, plain text assembled from parts (feed titles are untrusted), the version on screen
left out; `v` shows the next one. Hidden when the story stands alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static

from newsreader.core.article_records import StoryVersion
from newsreader.ui.text import one_line


def also_in_line(versions: Sequence[StoryVersion], shown_id: int) -> Content:
    """The other versions, best first, a paywalled one marked with €."""
    parts: list[Content | str | tuple[str, str]] = [("Also in: ", "b")]
    others = [v for v in versions if v.id != shown_id]
    for n, version in enumerate(others):
        if n:
            parts.append(" · ")
        parts.append(one_line(version.feed_title, 60) or "(untitled feed)")
        if version.paywalled:
            parts.append(" €")
    position = next((n for n, v in enumerate(versions, 1) if v.id == shown_id), 1)
    parts.append((f"   ({position} of {len(versions)}, v: next)", "dim"))
    return Content.assemble(*parts)


class AlsoIn(Static):
    """The story's other versions and the watch word the article matches, when there are."""

    DEFAULT_CSS = """
    AlsoIn {
        height: auto; max-height: 4; padding: 0 1; border-top: solid $panel;
        color: $text-muted;
    }
    """

    def show_versions(
        self, versions: Sequence[StoryVersion], shown_id: int, watched: str | None = None
    ) -> None:
        lines = []
        if watched:
            lines.append(Content.assemble(("Watch word: ", "b"), (one_line(watched, 80), "b")))
        if len(versions) > 1:
            lines.append(also_in_line(versions, shown_id))
        self.display = bool(lines)
        if lines:
            self.update(Content("\n").join(lines))
