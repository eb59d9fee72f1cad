"""`E` in the feed pane: rename a feed, or give a failing one its new address."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from newsreader.core.models import Feed
from newsreader.ui.text import is_web_url, one_line


@dataclass(frozen=True, slots=True)
class FeedEdit:
    feed_id: int
    title: str
    url: str  # the new address; the same as before when unchanged


class EditFeedDialog(ModalScreen[FeedEdit | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    DEFAULT_CSS = """
    EditFeedDialog { align: center middle; }
    EditFeedDialog > Vertical {
        width: 90; max-width: 95%; height: auto;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    EditFeedDialog .dialog-title { text-style: bold; margin-bottom: 1; }
    EditFeedDialog .dialog-label { color: $text-muted; }
    EditFeedDialog #feed-error { color: $warning; margin-bottom: 1; height: auto; }
    EditFeedDialog #feed-status { color: $error; height: auto; }
    EditFeedDialog .dialog-keys { color: $text-muted; }
    """

    def __init__(self, feed: Feed, taken: set[str]) -> None:
        super().__init__()
        self.feed = feed
        self.taken = taken - {feed.url}  # the addresses of the other subscriptions

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Rename the feed or change its address", classes="dialog-title")
            error = Static(id="feed-error")
            if self.feed.last_error:
                error.update(Content("Last fetch failed: " + one_line(self.feed.last_error, 300)))
            else:
                error.display = False
            yield error
            yield Static("Title", classes="dialog-label")
            yield Input(one_line(self.feed.title, 200), id="feed-title")
            yield Static("Address", classes="dialog-label")
            yield Input(self.feed.url, id="feed-url")
            yield Static(id="feed-status", markup=False)
            yield Static("enter: save   escape: cancel", classes="dialog-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one("#feed-title", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        title = self.query_one("#feed-title", Input).value.strip()
        url = self.query_one("#feed-url", Input).value.strip()
        complaint = None
        if not is_web_url(url):
            complaint = "The address must start with http:// or https://."
        elif url in self.taken:
            complaint = "Another subscription already has this address."
        if complaint is not None:
            self.query_one("#feed-status", Static).update(complaint)
            return
        self.dismiss(FeedEdit(self.feed.id, title or self.feed.title, url))

    def action_cancel(self) -> None:
        self.dismiss(None)
