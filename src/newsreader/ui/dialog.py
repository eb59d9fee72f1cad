"""Dialog plumbing: a modal with one input whose work runs in a thread, and its error line."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

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


class OneLineDialog(ModalScreen[None], Generic[ResultT]):
    """A title, one Input and an error line; the work runs in a thread, escape cancels.
    Opened with `open_dialog`, which names who gets the result."""

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
    # Said on escape while the work runs on, past where it could stop ("" for work that
    # stops when it sees `cancelled`).
    still_working_text = "Still working: you will be told when it is done."

    def __init__(self) -> None:
        super().__init__()
        self.done: Callable[[ResultT], None] | None = None
        self._working = False
        self.cancelled = False  # escaped; the work may look (`stop_if_cancelled`)
        self._waiting_result: tuple[ResultT] | None = None

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
        return self._working

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
        self._working = True
        # The App's worker, not the dialog's: the work goes on, and is told, after an escape.
        # A fault of ours after the work (in `done`) still reaches the App's error handler;
        # the work's own failure is caught in `_run` and said in the dialog.
        self.app.run_worker(self._run(value), group="dialog-work")

    async def _run(self, value: str) -> None:
        app = self.app
        try:
            result = await in_own_thread(self.work, value)
        except WorkCancelled:
            self._working = False
            return
        except Exception as error:
            self._working = False
            if self.cancelled:  # what the user no longer waits for failed: nothing to say
                return
            if self.is_attached:
                self.show_status(describe_error(error), error=True)
                self.query_one(Input).focus()
            else:
                note = f"{self.title_text}: {describe_error(error)}"
                app.notify(note, severity="error", markup=False)
            return
        self._working = False
        if self.cancelled or not self.is_attached:  # escaped while it worked: told all the same
            self._deliver(result)
        elif app.screen is self:
            self.dismiss(None)
            self._deliver(result)
        else:  # the palette or help on top: closed when the user is back here
            self._waiting_result = (result,)

    def on_screen_resume(self) -> None:
        if self._waiting_result is not None:
            (result,) = self._waiting_result
            self._waiting_result = None
            self.dismiss(None)
            self._deliver(result)

    def _deliver(self, result: ResultT) -> None:
        if self.done is not None:
            self.done(result)

    def stop_if_cancelled(self) -> None:
        """For `work`, in its thread: the last moment at which an escape stops it."""
        if self.cancelled:
            raise WorkCancelled

    def action_cancel(self) -> None:
        self.cancelled = True
        if self.busy and self.still_working_text:
            self.notify(self.still_working_text, markup=False)
        self.dismiss(None)


class WorkCancelled(Exception):
    """Raised by `stop_if_cancelled`: the dialog was escaped before its work stored anything."""


def open_dialog(
    app: App[Any], dialog: OneLineDialog[ResultT], done: Callable[[ResultT], None]
) -> None:
    """Show `dialog`; `done` gets its result, even when the user escaped while it worked."""
    dialog.done = done
    app.push_screen(dialog)


async def in_own_thread(work: Callable[[str], ResultT], value: str) -> ResultT:
    """`work(value)` in a daemon thread: quitting never waits for it (a request may take a
    minute), which it did in the loop's default executor, after the terminal was handed
    back. What it wrote is committed or rolled back; its answer is dropped once we quit."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[ResultT] = loop.create_future()

    def settle(result: ResultT | None, error: BaseException | None) -> None:
        if answer.done():  # cancelled: the App quit
            return
        if error is not None:
            answer.set_exception(error)
        else:
            answer.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        result: ResultT | None = None
        error: BaseException | None = None
        try:
            result = work(value)
        except BaseException as exc:  # handed to the awaiting coroutine, as a worker does
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop closed: the reader has quit
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="dialog work", daemon=True).start()
    return await answer
