"""First run: what this is, and three ways to something worth reading.

The sample edition opens as its own throw-away session (`newsreader.demo.session`), never
subscribed into the user's cache.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import Worker, WorkerState, get_current_worker

from newsreader.core.config import Config
from newsreader.ui.dialog import describe_error
from newsreader.ui.key_footer import KeyFooter

if TYPE_CHECKING:  # types only
    from newsreader.demo.session import DemoEdition

ABOUT = (
    "A reader for local news in the terminal. It keeps the headlines of your feeds in a "
    "cache on this computer, shows each article's full text instead of the feed's snippet, "
    "lets you follow the related-story links a page offers, and everything fetched stays "
    "readable offline."
)

KEYS = (
    ("a", "Add a feed or a news site (its page is searched for feeds)"),
    ("i", "Import subscriptions from an OPML file"),
    ("d", "Open the sample edition (served from this computer, no network needed)"),
    ("?", "All keys"),
    ("q", "Quit"),
)

NO_SUBSCRIPTIONS = "No subscriptions yet. From a shell:  newsreader add URL"


class WelcomeScreen(ModalScreen[None]):
    """Shown over the empty reader; escape reveals it, any subscription replaces it."""

    class DemoReady(Message):
        def __init__(self, edition: DemoEdition) -> None:
            super().__init__()
            self.edition = edition

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "app.add_feed", "Add feed", id="app.add_feed"),
        Binding("i", "app.import_opml", "Import OPML", id="app.import_opml"),
        Binding("d", "open_demo", "Sample edition", id="welcome.demo"),
        Binding("question_mark", "app.help", "Help", id="app.help"),
        Binding("q", "app.quit", "Quit", id="app.quit"),
        Binding("escape", "dismiss", "Close", show=False, id="welcome.close"),
    ]

    DEFAULT_CSS = """
    WelcomeScreen { align: center middle; background: $background; }
    WelcomeScreen > Vertical {
        width: 86; max-width: 100%; height: auto; padding: 1 2;
        border: round $primary; background: $surface;
    }
    WelcomeScreen #welcome-title { text-style: bold; color: $primary; margin-bottom: 1; }
    WelcomeScreen #welcome-about { margin-bottom: 1; }
    WelcomeScreen .welcome-key { height: 1; }
    WelcomeScreen #welcome-hint { color: $text-muted; margin-top: 1; }
    WelcomeScreen #welcome-status { height: auto; }
    WelcomeScreen #welcome-status.-error { color: $error; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Welcome to newsreader", id="welcome-title", markup=False)
            yield Static(ABOUT, id="welcome-about", markup=False)
            for key, text in KEYS:
                yield Static(
                    Content.assemble((f" {key} ", "bold reverse"), "  ", text),
                    classes="welcome-key",
                )
            yield Static(NO_SUBSCRIPTIONS, id="welcome-hint", markup=False)
            yield Static(id="welcome-status", markup=False)
        yield KeyFooter()

    def show_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#welcome-status", Static)
        status.update(Content(text))
        status.set_class(error, "-error")

    def action_open_demo(self) -> None:
        if any(w.is_running for w in self.workers):
            return
        self.show_status("Preparing the sample edition…")
        config: Config = getattr(self.app, "config", Config())
        self.run_worker(
            lambda: _prepare_unless_cancelled(config),
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state == WorkerState.SUCCESS and worker.result is not None:
            self.app.post_message(self.DemoReady(worker.result))
        elif event.state == WorkerState.ERROR:
            message = f"The sample edition failed: {describe_error(worker.error)}"
            self.show_status(message, error=True)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


def _prepare_unless_cancelled(config: Config) -> DemoEdition | None:
    """The edition, or None when no one is left to take it: this screen escaped or the reader
    quit while it was made (Textual cancels the worker), whose answer would be dropped, its
    server left running and its folder on disk."""
    edition = _prepare_demo(config)
    if get_current_worker().is_cancelled:
        edition.close()
        return None
    return edition


def _prepare_demo(config: Config) -> DemoEdition:
    # The demo server and the refresh it runs load the network stack: only when asked for.
    from newsreader.demo.session import DemoEdition

    return DemoEdition.prepare(config)
