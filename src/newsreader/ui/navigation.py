"""newsboat's moves in the reader: `n`/`N` (next unread, across feeds), `J`/`K` (next feed),
`C` (catch up on every feed). Past the feed on screen they lead to its neighbour in the feed
pane's order; `n`/`N` wrap around past the last unread, `J`/`K` stop at the ends."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from newsreader.core.models import EntryFilter, Feed

if TYPE_CHECKING:  # types only
    from newsreader.ui.app import NewsreaderApp

CONFIRM_CATCHUP_ABOVE = 50  # `C` asks first when it would mark more than this many read


def neighbour_feed(
    feeds: list[Feed], current: int | None, delta: int, *, with_unread: bool = False
) -> Feed | None:
    """The next (`delta` 1) or previous (-1) feed after `current` in pane order, skipping
    feeds with nothing unread when asked; from no feed, the first or the last one. None at
    the end: `J`/`K` stop there, and `n`/`N` start again from the other end themselves."""
    ids = [f.id for f in feeds]
    edge = 0 if delta > 0 else len(feeds) - 1
    index = ids.index(current) + delta if current in ids else edge
    while 0 <= index < len(feeds):
        if not with_unread or feeds[index].unread:
            return feeds[index]
        index += delta
    return None


def next_unread(app: NewsreaderApp, delta: int) -> None:
    """The next unread headline; past the last of a feed, the first of the next feed with
    unread ones. Past the last unread of all, it starts again from the top (`N`: from the
    bottom) and says so, as newsboat does: unread headlines above the cursor are not "none".
    Opened when reading (the article pane has focus), else selected."""
    found = app.headlines.step_unread(delta)
    wrapped = False
    if found is None and app.filters.feed_id is not None:
        feeds = app.store.feeds()
        feed = neighbour_feed(feeds, app.filters.feed_id, delta, with_unread=True)
        if feed is None:  # none further on: the first feed with unread from the other end
            feed = neighbour_feed(feeds, None, delta, with_unread=True)
            wrapped = feed is not None
        if feed is not None:
            if feed.id != app.filters.feed_id:
                app.filters = replace(app.filters, feed_id=feed.id, tag=None)
            found = app.headlines.step_unread(delta, from_edge=True)
    elif found is None:
        found = app.headlines.step_unread(delta, from_edge=True)
        wrapped = found is not None
    if found is None:
        app.notify("No more unread headlines.", markup=False)
        return
    if wrapped:
        end = "top" if delta > 0 else "bottom"
        app.notify(f"Wrapped around to the unread headlines from the {end}.", markup=False)
    if app.ready and app.detail.has_focus_within:
        app.headlines.action_open()


def feed_step(app: NewsreaderApp, delta: int) -> None:
    feed = neighbour_feed(app.store.feeds(), app.filters.feed_id, delta)
    if feed is not None:
        app.filters = replace(app.filters, feed_id=feed.id, tag=None)


def catch_up(app: NewsreaderApp, unread: int) -> None:
    """`C`: every feed, whatever the filter; asks first when it is a lot."""
    from newsreader.ui.confirm_dialog import ConfirmDialog  # start-up speed: a dialog, lazily

    if unread <= CONFIRM_CATCHUP_ABOVE:
        app.action_mark_all_read(EntryFilter())
        return

    def answered(yes: bool | None) -> None:
        if yes:
            app.action_mark_all_read(EntryFilter())

    question = f"Mark all {unread:,} unread headlines in every feed read?"
    app.push_screen(ConfirmDialog(question), answered)
