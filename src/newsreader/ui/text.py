"""Small display helpers; untrusted strings go through the core's renderer first."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text

from newsreader.core.errors import NewsreaderError
from newsreader.core.extract.render import html_to_markdown, safe_text
from newsreader.core.extract.render import one_line as _one_line
from newsreader.core.net.urls import is_web_url

__all__ = [
    "OneLineError",
    "html_to_markdown",
    "is_web_url",
    "one_line",
    "relative_age",
    "safe_text",
]


def one_line(text: str | None, limit: int = 300) -> str:
    """One inert line: safe characters, collapsed whitespace, capped length."""
    return _one_line(text, limit) if text else ""


def relative_age(when: datetime, now: datetime) -> str:
    """A short age for the headline list: 5m, 3h, 2d, then the date."""
    delta = now - when
    if delta < timedelta(minutes=1):
        return "now"
    if delta < timedelta(hours=1):
        return f"{int(delta.total_seconds() // 60)}m"
    if delta < timedelta(days=1):
        return f"{int(delta.total_seconds() // 3600)}h"
    if delta < timedelta(days=7):
        return f"{delta.days}d"
    if when.year == now.year:
        return when.strftime("%d.%m.")
    return when.strftime("%m/%y")


class OneLineError(Exception):
    """A NewsreaderError nothing in the reader handled (the cache failing: a full disk, a
    damaged file), as the one line a command gives: Textual shows an exception with
    `__rich__` as that, where it printed a traceback of the reader's insides."""

    def __init__(self, error: NewsreaderError) -> None:
        super().__init__(str(error))
        self.error = error

    def __rich__(self) -> Text:
        return Text(f"newsreader: {self.error}")
