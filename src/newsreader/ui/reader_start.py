"""The reader's start in stages. The first frame shows the cached headlines and nothing else;
the feed pane, the detail pane and the footer are mounted into their (already laid out) slots
right after it, then the reader threads' first work, the first refresh and the timers follow.
The sample edition, opened from the welcome screen, starts the panes again around its store.

What the start makes lives as long as the reader does, so it is frozen out of the collector's
full passes; collector.py holds the collector off until the first frame.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from newsreader.collector import release_collector
from newsreader.ui.list_pane import EMPTY_CACHE, FIRST_SYNC
from newsreader.ui.pane_updates import show_empty_note
from newsreader.ui.status_bar import StatusBar

if TYPE_CHECKING:  # types only
    from textual.widget import Widget

    from newsreader.ui.app import NewsreaderApp

# Whether the panes' objects were frozen yet: once per process, like the start's.
_panes_frozen = False


def freeze_the_start() -> None:
    """What exists when the reader starts (every module, class and function imported, the
    config, the store) lives as long as it does: frozen, the collector's full passes
    leave it alone. Unfrozen, the first full pass walked all of it (54,000 objects, over
    ten milliseconds) before the first frame, and every later one walked it again. Once
    per process: a second run (tests) would freeze the first one's garbage too. With the
    collector held off since the start (collector.py), the imports' own garbage is frozen
    with it: about 600 objects, once."""
    if not gc.get_freeze_count():
        gc.freeze()


def _freeze_the_panes() -> None:
    """What the panes mounted after the first paint hold (2,000 feed rows and their rendering,
    the footer) lives as long as the reader: frozen with it, the collector's full passes
    leave it alone. Unfrozen, with a million cached entries, a full pass came every few read
    marks and took 30-70 ms of the interpreter on this machine, so the next frame waited as
    long. Once per process: tests run many readers in one."""
    global _panes_frozen
    if not _panes_frozen:
        _panes_frozen = True
        gc.freeze()


def main_mounted(app: NewsreaderApp) -> None:
    """The headlines and the header are mounted: what they show before the first frame."""
    status = app.query_one(StatusBar)
    status.offline = app.offline
    if app.sync is not None:  # else the header names no server, as it starts
        from newsreader.ui.sync_job import show_server  # start-up speed: only with [sync]

        show_server(app)
    app.outside.seen_now()  # before anything here reads the cache: later writes are news
    status.unread = app.store.unread_count()  # the watched count: `background_start`
    for warning in app.config.warnings:
        app.notify(warning, title=app.config.source, severity="warning", markup=False)
    app.headlines.focus()
    show_empty_note(app)


async def after_first_paint(app: NewsreaderApp) -> None:
    release_collector()  # `newsreader` held it off from its start (collector.py)
    app.activity.first_frame_painted()
    background_start(app)
    if not await mount_later_panes(app):
        return
    _freeze_the_panes()
    has_feeds = app.store.has_feeds()
    if not has_feeds and app.sync is None:
        app.detail.article.show_message("Welcome", EMPTY_CACHE, until_feeds=True)
    elif not has_feeds:
        app.detail.article.show_message("First sync", FIRST_SYNC, until_feeds=True)
    if (has_feeds or app.sync is not None) and (
        not app.offline and app.config.reader.refresh_on_start
    ):
        app.action_refresh()
    app.set_interval(60, lambda: _minute_passed(app))
    app.outside.start()
    if not app.offline and app.config.reader.refresh_minutes > 0:
        app.set_interval(app.config.reader.refresh_minutes * 60, app.refresh_due)


async def mount_later_panes(app: NewsreaderApp) -> bool:
    """False when the reader quit while they mounted: ctrl+q, a priority key, runs on the
    App's task between these awaits (this runs on the screen's), and a mount after it
    raised MountError, a traceback at the very start."""
    from newsreader.ui.detail_pane import DetailPane  # start-up speed: after first paint
    from newsreader.ui.feed_pane import FeedPane
    from newsreader.ui.key_footer import KeyFooter

    pane = FeedPane(app.store, app.net.write, app.net.read, id="feeds")
    if not await _mounted(app, "#feeds-slot", pane):
        return False
    detail = DetailPane(app.store, app.config, app.net, offline=app.offline, id="detail")
    if not await _mounted(app, "#detail-slot", detail):
        return False
    # Onto the reader's own screen, also when the welcome screen is on top of it.
    if not await _mounted(app, "#main", KeyFooter(), onto_screen=True):
        return False
    app.panes_mounted()
    return True


async def _mounted(
    app: NewsreaderApp, slot: str, widget: Widget, *, onto_screen: bool = False
) -> bool:
    found = app.query(slot)
    if not found or not found.first().is_attached:  # is_attached: False once quitting
        return False
    parent = found.first().screen if onto_screen else found.first()
    await parent.mount(widget)
    return True


def background_start(app: NewsreaderApp) -> None:
    """The reader and writer threads' first work, after the first frame: each took the
    interpreter from the UI thread whenever that let go of it for SQLite (a few
    milliseconds each time, on every query of the frame), the watched count though it
    gave way (its watch-word checks are Python, row by row).

    The first count of unread watched entries starts at once: before a refresh can store
    new matches, so that the refresh's count has it to compare with. Rules changed since
    the last run (or entries not yet checked) are decided, then the panes reload."""
    app.watch_counter.request(app.store, app.config.watch, at_once=True)
    store, rules = app.store, app.config.hide
    app.net.write(lambda: store.apply_hide_rules(rules), key="hide_rules")


async def start_again(app: NewsreaderApp) -> None:
    """The panes composed again around another store (the sample edition's), started as at
    the reader's start; the timers the first start set go on serving them."""
    main_mounted(app)
    background_start(app)
    app.fit_layout()
    await mount_later_panes(app)


def _minute_passed(app: NewsreaderApp) -> None:
    if not app.is_running:  # a tick as the reader quits: the panes may be gone
        return
    status = app.query_one(StatusBar)
    status.now = app.clock()
    status.refresh()
    app.headlines.refresh_ages()
