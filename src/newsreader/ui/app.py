"""The reader App: composes the panes and routes messages between them and the store.

Headlines come from the cache before any network work (the start in stages is
`reader_start.py`'s); refresh, page loads, previews and the reader's own store writes run
beside the UI (see `background.py`) and each reports back as one `JobDone`, routed by
`_job_done`. What the panes show after a change is `pane_updates.py`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen

from newsreader import exit_codes
from newsreader.core.config import Config
from newsreader.core.errors import NewsreaderError
from newsreader.core.models import EntryFilter
from newsreader.core.store.store import Store
from newsreader.ui import pane_updates, reader_start
from newsreader.ui.background import BackgroundLoop
from newsreader.ui.entry_filters import chosen, listing, toggled
from newsreader.ui.headline_view import HeadlineView
from newsreader.ui.keys import READER_BINDINGS, reader_key_active
from newsreader.ui.list_pane import ListPane
from newsreader.ui.messages import DETAIL_GROUPS, READ, REFRESH, WRITE, JobDone, TeaserOpened
from newsreader.ui.navigation import catch_up, feed_step, next_unread
from newsreader.ui.outside_writes import OutsideWrites
from newsreader.ui.palette import ReaderCommands, reader_system_commands
from newsreader.ui.status_bar import StatusBar
from newsreader.ui.store_writes import (
    count_mark,
    mark_all_read,
    read_in_place,
    toggle_read,
    toggle_star,
    write_flags,
    written,
)
from newsreader.ui.subscribing import add_feed, import_opml, open_sample_edition
from newsreader.ui.text import OneLineError, one_line
from newsreader.ui.themes import install_themes
from newsreader.ui.user_activity import UserActivity

# Panes mounted after the first paint, the dialogs, what only a key does (the browser, the
# player), the refresh and the sync (with their records and hashlib), the watched count:
# imported when first needed.
if TYPE_CHECKING:  # types only
    from newsreader.demo.session import DemoEdition
    from newsreader.ui.attachments import PlayEnclosure
    from newsreader.ui.detail_pane import DetailPane
    from newsreader.ui.feed_pane import FeedPane
    from newsreader.ui.refresh_job import RefreshProgress, RefreshWaiting
    from newsreader.ui.sync_job import ReaderSync, SyncFinished
    from newsreader.ui.watch_notes import WatchCounter
    from newsreader.ui.welcome_screen import WelcomeScreen  # types only

NARROW = 100


class NewsreaderApp(App[None]):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "newsreader"
    COMMANDS = App.COMMANDS | {ReaderCommands}
    BINDINGS: ClassVar[list[BindingType]] = READER_BINDINGS
    # A screen under a dialog gets this class: app.tcss hides its footer, whose keys (the
    # headline list's) do nothing while the dialog has the keyboard.
    SUSPENDED_SCREEN_CLASS: ClassVar[str] = "-suspended"

    # What the headline list shows; every filter key, the feed pane and search set it.
    filters: reactive[EntryFilter] = reactive(EntryFilter, always_update=True, init=False)

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
        self.net = BackgroundLoop(self.post_message)
        self.refreshing = False
        self.errors_shown: set[str] = set()
        self._pending: list[Callable[[], object]] = []
        self._panes_mounted = False
        # The sample edition, once opened from the welcome screen: its store replaces ours.
        self.demo: DemoEdition | None = None
        # [sync]: one session for the reader's life, its login token in memory.
        self.sync: ReaderSync | None = None
        if config.sync.enabled:
            from newsreader.ui.sync_job import ReaderSync  # start-up speed: only with [sync]

            self.sync = ReaderSync(store, config, self.net)
        self._watch_counter: WatchCounter | None = None
        self.activity = UserActivity()
        self.outside = OutsideWrites(self)  # cron's refresh, `newsreader mark` elsewhere
        self.set_keymap(config.keys)

    def compose(self) -> ComposeResult:
        yield StatusBar(now=self.clock(), id="status")
        # Only the headlines are composed up front; the feed pane, the detail pane and the
        # footer are mounted into their (already laid out) slots right after the first paint.
        with Horizontal(id="main"):
            slot = Vertical(id="feeds-slot")
            slot.display = self.config.reader.show_feed_pane
            yield slot
            # The list starts with what it shows (watch words, one story once): set after
            # mounting, its length was counted twice before the first frame.
            yield ListPane(
                self.store,
                clock=self.clock,
                filt=listing(self.filters, self.config),
                id="list-pane",
            )
            yield Vertical(id="detail-slot")

    def run(self, *args: Any, **kwargs: Any) -> None:
        reader_start.freeze_the_start()
        return super().run(*args, **kwargs)

    @property
    def watch_counter(self) -> WatchCounter:
        """Made when first asked for, after the first frame: its module's three frozen
        dataclasses cost the frame 15 M instructions."""
        if self._watch_counter is None:
            from newsreader.ui.watch_notes import WatchCounter  # start-up speed: after paint

            self._watch_counter = WatchCounter(self, self.net.read)
        return self._watch_counter

    @property
    def headlines(self) -> HeadlineView:
        return self.query_one(HeadlineView)

    @property
    def detail(self) -> DetailPane:
        from newsreader.ui.detail_pane import DetailPane  # start-up speed: mounted after paint

        return self.query_one("#detail", DetailPane)

    def _when_ready(self, action: Callable[[], object]) -> None:
        """Keys that reach the detail pane before it is mounted run once it is."""
        if self.ready:
            action()
        else:
            self._pending.append(action)

    @property
    def ready(self) -> bool:
        """True once the panes mounted after the first paint are there with their children:
        `#detail` is in the DOM before its ArticleView is composed, so its presence is not
        enough (a refresh ending in that gap asked for the ArticleView and crashed)."""
        return self._panes_mounted

    async def on_event(self, event: events.Event) -> None:
        self.activity.saw(event)
        await super().on_event(event)

    def user_busy(self) -> bool:
        """Someone is at the keys (or the mouse): the reader thread's counts pause."""
        return self.activity.busy()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return reader_key_active(self, action)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        return reader_system_commands(super().get_system_commands(screen))

    def on_mount(self) -> None:
        install_themes(self, lambda: self.store, self.net)
        reader_start.main_mounted(self)
        # With [sync] the feeds come from the server: its first sync fills the empty cache.
        if not self.store.has_feeds() and self.sync is None:
            from newsreader.ui.welcome_screen import WelcomeScreen  # start-up speed: lazily

            self.push_screen(WelcomeScreen())
        # The feed pane and the network wait until the headlines are on screen.
        self.call_after_refresh(self._after_first_paint)

    async def _after_first_paint(self) -> None:
        """The rest of the start (reader_start.py); tests and bench/reader.py that watch only
        the first frame put nothing in its place."""
        await reader_start.after_first_paint(self)

    def panes_mounted(self) -> None:
        """The panes mounted after the first paint are there: the keys that waited run."""
        self._panes_mounted = True
        pending, self._pending = self._pending, []
        for action in pending:
            action()
        pane_updates.show_feeds(self)

    def _handle_exception(self, error: Exception) -> None:
        # Textual's hook (textual is pinned) for what no handler caught: it exits either way.
        if isinstance(error, NewsreaderError):
            super()._handle_exception(OneLineError(error))
            self._return_code = exit_codes.USAGE  # the command line's code for it
        else:
            super()._handle_exception(error)

    def on_resize(self, event: events.Resize) -> None:
        self.fit_layout(event.size.width)

    def fit_layout(self, width: int | None = None) -> None:
        """Stack the panes below NARROW columns. A resize passes its event's `width`: our
        handler runs before App's own, which stores the new size, so `self.size` still said
        the old one, and only the first layout was ever right."""
        narrow = (self.size.width if width is None else width) < NARROW
        main = self.query_one("#main")
        if narrow != main.has_class("-narrow"):
            main.set_class(narrow, "-narrow")
            # Stacked, the feed pane would leave the article no room: `f` brings it back.
            self.query_one("#feeds-slot").display = not narrow and self.config.reader.show_feed_pane

    def on_unmount(self) -> None:
        self.activity.stop()
        self.store.give_up_background_reads()
        self.net.stop()
        if self.sync is not None:
            self.sync.close()
        if self.demo is not None:
            self.demo.close()

    # --- headlines ----------------------------------------------------------------------------

    @on(HeadlineView.Opened)
    def _open_headline(self, event: HeadlineView.Opened) -> None:
        if not event.entry.read:
            self.headlines.set_flags(event.entry.id, read=True)
            write_flags(self.net, self.store, event.entry.id, read=True)
            count_mark(self, event.entry, read=True)
        entry_id = event.entry.id
        self._when_ready(lambda: self.detail.open_entry(entry_id))

    def on_teaser_opened(self, message: TeaserOpened) -> None:
        read_in_place(self, message.url)

    def action_toggle_read(self) -> None:
        toggle_read(self)

    def action_toggle_star(self) -> None:
        toggle_star(self)

    def action_mark_all_read(self, filters: EntryFilter | None = None) -> None:
        mark_all_read(self.net, self.store, filters or self.filters)

    def action_mark_everything_read(self) -> None:
        catch_up(self, self.store.unread_count())

    @on(HeadlineView.Changed)
    def _headlines_changed(self) -> None:
        if self.is_running:  # not for a reload's message that arrives as the reader quits
            self.update_counts()
            pane_updates.show_empty_note(self)

    def store_changed(self, *, reload: bool = True, tell_new_matches: bool = False) -> None:
        """The cache changed underneath the panes (refresh, subscriptions, mark all read)."""
        pane_updates.cache_changed(self, reload=reload, tell_new_matches=tell_new_matches)

    def update_counts(self, *, tell_new_matches: bool = False, at_once: bool = False) -> None:
        """Only the counts changed (a mark, a refresh's new entries): pane_updates.py."""
        pane_updates.counts_changed(self, tell_new_matches=tell_new_matches, at_once=at_once)

    # --- filters and search -------------------------------------------------------------------

    def watch_filters(self, filters: EntryFilter) -> None:
        pane_updates.filters_changed(self, filters)

    def action_toggle_filter(self, flag: str) -> None:
        if toggled(self.filters, flag) != self.filters:
            self.filters = toggled(self.filters, flag)

    def action_clear_filters(self) -> None:
        if self.filters != EntryFilter():
            self.filters = EntryFilter()
            self.query_one(ListPane).hide_search()

    def on_feed_pane_scope_chosen(self, event: FeedPane.ScopeChosen) -> None:
        self.filters = chosen(self.filters, event.scope, event.pane.searches)

    def action_save_search(self) -> None:
        from newsreader.ui.saved_searches import save_search  # start-up speed: a dialog

        save_search(self)

    # --- newsboat's moves: n/N next unread, J/K next feed, q/h back to the list -----------------

    def action_next_unread(self, delta: int) -> None:
        next_unread(self, delta)

    def action_feed_step(self, delta: int) -> None:
        feed_step(self, delta)

    def action_focus_list(self) -> None:
        self.headlines.focus()

    def action_toggle_feed_pane(self) -> None:
        slot = self.query_one("#feeds-slot")
        slot.display = not slot.display

    def action_search(self) -> None:
        self.query_one(ListPane).open_search(self.filters.search or "")

    @on(ListPane.Searched)
    def _searched(self, event: ListPane.Searched) -> None:
        # Cancelling with no search in force leaves the list (and its cursor) alone.
        if not event.cancelled or self.filters.search:
            self.filters = replace(self.filters, search=event.query)

    # --- subscribing: `a`, `i` and the welcome screen --------------------------------------------

    def action_add_feed(self) -> None:
        add_feed(self)

    def action_import_opml(self) -> None:
        import_opml(self)

    def action_sample_edition(self) -> None:
        open_sample_edition(self)

    async def on_welcome_screen_demo_ready(self, message: WelcomeScreen.DemoReady) -> None:
        """Swap to the sample edition's own store: the panes are composed again around it."""
        if self.demo is not None:
            message.edition.close()
            return
        self.demo = message.edition
        # Down to the reader's own screen: recompose() rebuilds the top one, which may be the
        # help or a dialog opened over the welcome screen while the edition was made.
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        self.store = message.edition.store
        self.set_reactive(NewsreaderApp.filters, EntryFilter())  # the panes start unfiltered
        self._panes_mounted = False  # composed again below, then mounted again
        await self.recompose()
        await reader_start.start_again(self)
        self.sub_title = "sample edition"

    # --- background jobs ----------------------------------------------------------------------

    @on(JobDone)
    def _job_done(self, job: JobDone) -> None:
        """Every background job ends here, routed by group; an error not shown in place (a
        page's in the article pane, a refresh's as the network note) is notified, once.
        None once the reader quits: the panes may be gone (under run_test a job that ends
        then is still handled, after the screens are pruned)."""
        if not self.is_running:
            return
        if job.group == REFRESH:
            from newsreader.ui.refresh_job import refresh_finished  # start-up speed

            refresh_finished(self, job)
        elif job.group == WRITE:
            written(self, job)
        elif job.group == READ and self._watched_count(job):
            self.watch_counter.arrived(job)
        elif job.group == READ and self.ready:
            from newsreader.ui.feed_pane import FeedPane  # start-up speed: after paint

            # None as the reader quits: the panes go before the messages already posted.
            for pane in self.query(FeedPane):
                pane.counts_made(job)
        elif job.group in DETAIL_GROUPS and self.ready and self.detail.job_done(job):
            return
        if job.error_text is not None and job.group != REFRESH:
            self.notify_error(job.failure)

    @staticmethod
    def _watched_count(job: JobDone) -> bool:
        from newsreader.ui.watch_notes import WatchedCounted  # start-up speed: after paint

        return isinstance(job.key, WatchedCounted)

    def notify_error(self, text: str, *, once: str | None = None) -> None:
        """Said once per session (per `once`, else per text), however often the job fails."""
        if (once or text) not in self.errors_shown:
            self.errors_shown.add(once or text)
            self.notify(one_line(text, 400), severity="error", markup=False)

    # --- refresh ------------------------------------------------------------------------------

    def action_refresh(self, feed_ids: list[int] | None = None) -> None:
        from newsreader.ui.refresh_job import refresh_now  # start-up speed: after paint

        refresh_now(self, feed_ids)

    def refresh_due(self) -> None:
        from newsreader.ui.refresh_job import refresh_when_due  # start-up speed: a timer's

        refresh_when_due(self)

    def action_refresh_feed(self) -> None:
        from newsreader.ui.refresh_job import feeds_in_view, refresh_now  # start-up speed

        refresh_now(self, feeds_in_view(self))

    def on_sync_finished(self, message: SyncFinished) -> None:
        if not self.is_running:  # quitting: see _job_done
            return
        from newsreader.ui.sync_job import sync_finished  # start-up speed: only with [sync]

        sync_finished(self, message)

    def on_refresh_progress(self, message: RefreshProgress) -> None:
        if self.is_running:  # quitting: see _job_done
            message.show(self.query_one(StatusBar))

    def on_refresh_waiting(self, message: RefreshWaiting) -> None:
        if self.is_running:  # quitting: see _job_done
            message.show(self.query_one(StatusBar))

    # --- article, browser, help ---------------------------------------------------------------

    def current_url(self) -> str | None:
        """What `o` and `y` take: the teaser page or article on screen, else the headline."""
        url = self.detail.current_url if self.ready else None
        return url or (self.headlines.current.url if self.headlines.current else None)

    def action_open_browser(self) -> None:
        self.open_in_browser(self.current_url())

    def open_in_browser(self, url: str | None) -> None:
        if not url:  # said, as `y` says it: `o` did nothing without a word
            self.notify("No link to open.", markup=False)
            return
        from newsreader.ui.browser import open_web_page  # start-up speed: on a key

        open_web_page(self, url, self.config.browser)

    def action_copy_url(self) -> None:
        from newsreader.ui.browser import copy_url  # start-up speed: on a key

        copy_url(self, self.current_url())

    def on_play_enclosure(self, event: PlayEnclosure) -> None:
        from newsreader.ui.browser import play_enclosure  # start-up speed: on a key

        play_enclosure(self, event.url, self.config.player)

    def action_history_back(self) -> None:
        self._when_ready(lambda: self.detail.action_back())

    def action_history_forward(self) -> None:
        self._when_ready(lambda: self.detail.action_forward())

    def action_story_version(self) -> None:
        self._when_ready(lambda: self.detail.action_next_version())

    def action_teaser_step(self, delta: int) -> None:
        self._when_ready(lambda: self.detail.action_step(delta))

    def action_teaser_jump(self, number: int) -> None:
        self._when_ready(lambda: self.detail.action_jump(number))

    def action_help(self) -> None:
        from newsreader.ui.help_screen import HelpScreen, reader_binding_rows  # start-up speed

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(reader_binding_rows(self.BINDINGS, self.config.keys)))


def run_reader(store: Store, config: Config, *, offline: bool = False) -> int:
    """The CLI's entry point into the TUI; returns the process exit code."""
    app = NewsreaderApp(store, config, offline=offline)
    app.run()
    return app.return_code or 0
