"""The reader App: composes the panes and routes messages between them and the store.

Headlines come from the cache before any network work; refresh, page loads and previews run on
one background loop (see `background.py`) and report back as messages.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Static

from newsreader.core.config import Config
from newsreader.core.models import EntryFilter, FeedOutcome, RefreshReport
from newsreader.core.store.store import Store
from newsreader.ui.background import BackgroundLoop
from newsreader.ui.filter_actions import FilterActions
from newsreader.ui.headline_view import HeadlineView
from newsreader.ui.keys import DETAIL_BINDINGS
from newsreader.ui.messages import RefreshFinished, RefreshProgress
from newsreader.ui.status_bar import StatusBar
from newsreader.ui.text import is_web_url, one_line

# Panes mounted after the first paint, the palette and the dialogs: imported when first needed.
if TYPE_CHECKING:
    from textual.command import Provider

    from newsreader.demo.session import DemoEdition
    from newsreader.subscribe import Subscribed
    from newsreader.ui.detail_pane import DetailPane
    from newsreader.ui.import_dialog import Imported
    from newsreader.ui.welcome_screen import WelcomeScreen

NARROW = 100
EMPTY_CACHE = (
    "No subscriptions yet.\n\nPress a to add a feed or a site, i to import an OPML file; "
    "or from a shell:  newsreader add URL"
)


def _reader_commands() -> type[Provider]:
    from newsreader.ui.palette import ReaderCommands

    return ReaderCommands


def _on_welcome_screen(app: App[None]) -> bool:
    from newsreader.ui.welcome_screen import WelcomeScreen

    return isinstance(app.screen, WelcomeScreen)


class NewsreaderApp(FilterActions):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "newsreader"
    COMMANDS = App.COMMANDS | {_reader_commands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("slash", "search", "Search", show=False, id="app.search"),
        Binding("u", "toggle_filter('unread')", "Unread only", show=False, id="app.unread_only"),
        Binding(
            "asterisk",
            "toggle_filter('starred')",
            "Starred only",
            show=False,
            id="app.starred_only",
        ),
        Binding(
            "p",
            "toggle_filter('hide_paywalled')",
            "Hide paywalled",
            show=False,
            id="app.hide_paywalled",
        ),
        Binding("A", "mark_all_read", "Mark all read", show=False, id="app.mark_all_read"),
        Binding("escape", "clear_filters", "Clear filters", show=False, id="app.clear_filters"),
        Binding("r", "refresh", "Refresh", id="app.refresh"),
        Binding("a", "add_feed", "Add feed", show=False, id="app.add_feed"),
        Binding("i", "import_opml", "Import OPML", show=False, id="app.import_opml"),
        Binding("o", "open_browser", "Browser", show=False, id="app.open_browser"),
        Binding("f", "toggle_feed_pane", "Feeds", show=False, id="app.feed_pane"),
        *DETAIL_BINDINGS,
        Binding("tab", "focus_next", "Next pane", show=False, id="app.next_pane"),
        Binding("shift+tab", "focus_previous", "Previous pane", show=False, id="app.previous_pane"),
    ]

    def __init__(
        self,
        store: Store,
        config: Config,
        *,
        offline: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.config = config
        self.offline = offline
        self.clock = clock or (lambda: datetime.now(UTC))
        self.net = BackgroundLoop()
        self.filters = EntryFilter()
        self.refreshing = False
        self.network_warned = False
        self._pending: list[Callable[[], object]] = []
        # The sample edition, once opened from the welcome screen: its store replaces ours.
        self.demo: DemoEdition | None = None
        self.set_keymap(config.keys)

    def compose(self) -> ComposeResult:
        yield StatusBar(now=self.clock(), id="status")
        # Only the headlines are composed up front; the feed pane, the detail pane and the
        # footer are mounted into their (already laid out) slots right after the first paint.
        with Horizontal(id="main"):
            slot = Vertical(id="feeds-slot")
            slot.display = self.config.reader.show_feed_pane
            yield slot
            with Vertical(id="list-pane"):
                yield Static(id="list-empty", markup=False)
                yield HeadlineView(self.store, clock=self.clock, id="headlines")
            yield Vertical(id="detail-slot")

    @property
    def headlines(self) -> HeadlineView:
        return self.query_one(HeadlineView)

    @property
    def detail(self) -> DetailPane:
        from newsreader.ui.detail_pane import DetailPane

        return self.query_one("#detail", DetailPane)

    def _when_ready(self, action: Callable[[], object]) -> None:
        """Keys that reach the detail pane before it is mounted run once it is."""
        if self.ready:
            action()
        else:
            self._pending.append(action)

    @property
    def ready(self) -> bool:
        """True once the panes mounted after the first paint are there."""
        return bool(self.query("#detail"))

    def on_mount(self) -> None:
        self._main_mounted()
        if not self.store.has_feeds():
            from newsreader.ui.welcome_screen import WelcomeScreen

            self.push_screen(WelcomeScreen())
        # The feed pane and the network wait until the headlines are on screen.
        self.call_after_refresh(self._after_first_paint)

    def _main_mounted(self) -> None:
        status = self.query_one(StatusBar)
        status.offline = self.offline
        status.unread = self.store.unread_count()
        self.headlines.focus()
        self._update_empty()

    async def _after_first_paint(self) -> None:
        await self._mount_panes()
        if not self.store.has_feeds():
            self.detail.article.show_message("Welcome", EMPTY_CACHE)
        elif not self.offline and self.config.reader.refresh_on_start:
            self.action_refresh()
        self.set_interval(60, self._tick)

    async def _mount_panes(self) -> None:
        from newsreader.ui.detail_pane import DetailPane
        from newsreader.ui.feed_pane import FeedPane

        await self.query_one("#feeds-slot").mount(FeedPane(id="feeds"))
        detail = DetailPane(self.store, self.config, self.net, offline=self.offline, id="detail")
        await self.query_one("#detail-slot").mount(detail)
        # Onto the reader's own screen, also when the welcome screen is on top of it.
        await self.query_one("#main").screen.mount(Footer())
        pending, self._pending = self._pending, []
        for action in pending:
            action()
        self._update_feeds()

    def _tick(self) -> None:
        self.query_one(StatusBar).now = self.clock()
        self.query_one(StatusBar).refresh()
        self.headlines.refresh_ages()

    def on_resize(self) -> None:
        self.query_one("#main").set_class(self.size.width < NARROW, "-narrow")

    def on_unmount(self) -> None:
        self.net.stop()
        if self.demo is not None:
            self.demo.close()

    # --- headlines ----------------------------------------------------------------------------

    @on(HeadlineView.Opened)
    def _open_headline(self, event: HeadlineView.Opened) -> None:
        if not event.entry.read:
            self.store.set_read([event.entry.id], True)
            self.headlines.set_flags(event.entry.id, read=True)
            self._update_counts()
        entry_id = event.entry.id
        self._when_ready(lambda: self.detail.open_entry(entry_id))

    @on(HeadlineView.Changed)
    def _headlines_changed(self) -> None:
        self._update_counts()
        self._update_empty()

    def _update_counts(self) -> None:
        self.query_one(StatusBar).unread = self.store.unread_count()

    def _update_empty(self) -> None:
        empty = self.query_one("#list-empty", Static)
        if self.headlines.count:
            empty.display = False
            return
        empty.display = True
        if self.filters == EntryFilter():
            empty.update(EMPTY_CACHE if not self.store.feeds() else "No headlines cached yet.")
        else:
            empty.update("No headlines match this filter. Press escape to clear it.")

    def _update_feeds(self) -> None:
        feeds = self.store.feeds()
        if not self.ready:
            return
        from newsreader.ui.feed_pane import FeedPane, Scope

        pane = self.query_one(FeedPane)
        pane.set_feeds(feeds, self.store.tags(), Scope(self.filters.feed_id, self.filters.tag))
        fetched = [f.last_fetched for f in feeds if f.last_fetched is not None]
        self.query_one(StatusBar).last_refresh = max(fetched) if fetched else None

    # --- subscribing: `a`, `i` and the welcome screen --------------------------------------------

    def action_add_feed(self) -> None:
        if self.offline:
            self.notify("Offline: adding a feed needs the network.", markup=False)
            return
        from newsreader.ui.add_feed_dialog import AddFeedDialog  # the network stack: lazily

        self.push_screen(AddFeedDialog(self.store, self.config), self._subscribed)

    def action_import_opml(self) -> None:
        from newsreader.ui.import_dialog import ImportDialog

        self.push_screen(ImportDialog(self.store), self._imported)

    def _subscribed(self, done: Subscribed | None) -> None:
        if done is None:
            return
        self._subscriptions_changed()
        more = f" (the first of {done.offered} feeds on that page)" if done.offered > 1 else ""
        self.notify(
            f"Subscribed to {one_line(done.name, 120)}{more}: {done.new_entries} headlines.",
            markup=False,
        )

    def _imported(self, done: Imported | None) -> None:
        if done is None:
            return
        self._subscriptions_changed()
        self.notify(f"Imported {done.feeds} feeds ({done.new} new).", markup=False)
        if done.new:
            self.action_refresh()

    def _subscriptions_changed(self) -> None:
        if _on_welcome_screen(self):
            self.pop_screen()
        self.headlines.reload()
        self._update_counts()
        self._update_feeds()
        self._update_empty()

    async def on_welcome_screen_demo_ready(self, message: WelcomeScreen.DemoReady) -> None:
        """Swap to the sample edition's own store: the panes are composed again around it."""
        if self.demo is not None:
            message.edition.close()
            return
        self.demo = message.edition
        if _on_welcome_screen(self):
            await self.pop_screen()
        self.store = message.edition.store
        self.filters = EntryFilter()
        await self.recompose()
        self._main_mounted()
        self.on_resize()
        await self._mount_panes()
        self.sub_title = "sample edition"

    # --- refresh ------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        if self.offline:
            self.notify("Offline: not refreshing.", markup=False)
            return
        if self.refreshing:
            return
        from newsreader.core.refresh.run import refresh

        self.refreshing = True
        self.query_one(StatusBar).progress = "refreshing…"

        def progress(outcome: FeedOutcome, done: int, total: int) -> None:
            self.post_message(RefreshProgress(outcome, done, total))

        def finished(report: RefreshReport | None, error: BaseException | None) -> None:
            message = None if error is None else one_line(str(error) or type(error).__name__)
            self.post_message(RefreshFinished(report, message))

        self.net.submit(refresh(self.store, self.config, progress=progress), finished)

    @on(RefreshProgress)
    def _refresh_progress(self, message: RefreshProgress) -> None:
        self.query_one(StatusBar).progress = f"refreshing {message.done}/{message.total}"

    @on(RefreshFinished)
    def _refresh_finished(self, message: RefreshFinished) -> None:
        self.refreshing = False
        status = self.query_one(StatusBar)
        status.progress = ""
        status.now = self.clock()
        report = message.report
        if message.error is not None:
            self._warn_network(f"Refresh failed: {message.error}")
        elif report is not None and report.failed:
            url, error = report.failed[0]
            if len(report.failed) == report.feeds:
                self._warn_network(f"No feed could be fetched: {one_line(error, 200)}")
            else:
                self.notify(
                    f"{len(report.failed)} of {report.feeds} feeds failed; "
                    f"first: {one_line(url, 100)}: {one_line(error, 200)}",
                    severity="warning",
                    markup=False,
                )
        if report is not None and (report.new_entries or report.updated_entries):
            self.headlines.reload()
        self._update_counts()
        self._update_feeds()
        self._update_empty()

    def _warn_network(self, text: str) -> None:
        """A dead network is said once per session; everything cached stays browsable."""
        if not self.network_warned:
            self.network_warned = True
            self.notify(one_line(text, 400), severity="error", markup=False)

    # --- article, browser, help ---------------------------------------------------------------

    def action_open_browser(self) -> None:
        url = self.detail.current_url if self.ready else None
        if url is None and self.headlines.current is not None:
            url = self.headlines.current.url
        self.open_in_browser(url)

    def open_in_browser(self, url: str | None) -> None:
        if not url:
            return
        if not is_web_url(url):
            self.notify(f"Not opened (only http/https): {one_line(url, 200)}", markup=False)
            return
        import webbrowser  # lazily: it costs start-up time and is rarely used

        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()

    def action_history_back(self) -> None:
        self._when_ready(lambda: self.detail.action_back())

    def action_history_forward(self) -> None:
        self._when_ready(lambda: self.detail.action_forward())

    def action_teaser_step(self, delta: int) -> None:
        self._when_ready(lambda: self.detail.action_step(delta))

    def action_teaser_jump(self, number: int) -> None:
        self._when_ready(lambda: self.detail.action_jump(number))

    def action_help(self) -> None:
        from newsreader.ui.help_screen import HelpScreen, reader_binding_rows

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(reader_binding_rows(self.BINDINGS, self.config.keys)))


def run_reader(store: Store, config: Config, *, offline: bool = False) -> int:
    """The CLI's entry point into the TUI; returns the process exit code."""
    app = NewsreaderApp(store, config, offline=offline)
    app.run()
    return app.return_code or 0
