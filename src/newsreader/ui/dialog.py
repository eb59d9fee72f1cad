"""Dialog plumbing: a modal with one input whose work runs in a thread, and its error line."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from newsreader.core.errors import NewsreaderError
from newsreader.core.extract.render import one_line

ResultT = TypeVar("ResultT")


def describe_error(error: BaseException | None) -> str:
    """One inert line for the dialog; our own errors already say what went wrong."""
    if error is None:
        return "Failed."
    if isinstance(error, NewsreaderError):
        text = str(error) or type(error).__name__
    else:
        text = f"{type(error).__name__}: {error}"
    return one_line(text, 300)


class OneLineDialog(ModalScreen[ResultT | None], Generic[ResultT]):
    """A title, one Input and an error line; the work runs in a thread, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    DEFAULT_CSS = """
    OneLineDialog { align: center middle; }
    OneLineDialog > Vertical {
        width: 90; max-width: 95%; height: auto;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    OneLineDialog .dialog-title { text-style: bold; }
    OneLineDialog .dialog-help { color: $text-muted; margin-bottom: 1; }
    OneLineDialog Input { margin-bottom: 1; }
    OneLineDialog #dialog-status { height: auto; }
    OneLineDialog #dialog-status.-error { color: $error; }
    OneLineDialog .dialog-keys { color: $text-muted; }
    """

    title_text = ""
    help_text = ""
    placeholder = ""
    working_text = "Working…"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.help_text, classes="dialog-help", markup=False)
            yield Input(placeholder=self.placeholder, id="dialog-input")
            yield Static(id="dialog-status", markup=False)
            yield Static("enter: go   escape: cancel", classes="dialog-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def work(self, value: str) -> ResultT:
        """Runs in a worker thread; raises on failure."""
        raise NotImplementedError

    def check(self, value: str) -> str | None:
        """A complaint about the typed value before any work, or None."""
        return None if value else "Type something first."

    def show_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#dialog-status", Static)
        status.update(Content(text))
        status.set_class(error, "-error")

    @property
    def busy(self) -> bool:
        return any(w.is_running for w in self.workers)

    @on(Input.Submitted, "#dialog-input")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.busy:
            return
        value = event.value.strip()
        complaint = self.check(value)
        if complaint is not None:
            self.show_status(complaint, error=True)
            return
        self.show_status(self.working_text)
        job: Callable[[], ResultT] = lambda: self.work(value)  # noqa: E731
        self.run_worker(job, thread=True, exclusive=True, exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state == WorkerState.SUCCESS:
            self.dismiss(worker.result)
        elif event.state == WorkerState.ERROR:
            self.show_status(describe_error(worker.error), error=True)
            self.query_one(Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
