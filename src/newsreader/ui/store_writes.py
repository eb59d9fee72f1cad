"""The reader's own store writes: read and starred flags, mark all read, the feed pane's
upkeep. They run on the writer thread (see `background.py`), each comes back as
`JobDone(WRITE, key)`, and `written` redraws what the write changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsreader.core.models import EntryFilter, EntrySummary
from newsreader.core.store.store import Store
from newsreader.ui.background import BackgroundLoop
from newsreader.ui.headline_source import Flag
from newsreader.ui.messages import JobDone
from newsreader.ui.status_bar import StatusBar

if TYPE_CHECKING:  # types only
    from newsreader.ui.app import NewsreaderApp


@dataclass(frozen=True, slots=True)
class FlagsWritten:
    """The key of a flag write: the list lets go of the flag it held for the entry."""

    entry_id: int
    flag: Flag


def write_flags(
    net: BackgroundLoop,
    store: Store,
    entry_id: int,
    *,
    read: bool | None = None,
    starred: bool | None = None,
) -> None:
    """The list shows the new flags at once (`HeadlineView.set_flags`, which holds them); the
    store gets them on the writer thread, one write each, which `written` reports back."""
    if read is not None:
        net.write(lambda: store.set_read([entry_id], read), key=FlagsWritten(entry_id, "read"))
    if starred is not None:
        starred_key = FlagsWritten(entry_id, "starred")
        net.write(lambda: store.set_starred(entry_id, starred), key=starred_key)


def read_in_place(app: NewsreaderApp, url: str) -> None:
    """A teaser's page opened in the detail pane: the entries a feed carries for it are read,
    row and counts (they stayed unread; a helper's tour)."""
    for entry_id in app.store.unread_ids_at(url):
        app.headlines.set_flags(entry_id, read=True)
        write_flags(app.net, app.store, entry_id, read=True)


def toggle_read(app: NewsreaderApp) -> None:
    """`m` on the headline list. The row and the counts change in one call, so in one frame:
    a message from the list to the App brought the counts a frame after the row (40 ms on a
    million cached entries)."""
    row = app.headlines.current
    if row is not None:
        app.headlines.set_flags(row.id, read=not row.read)
        write_flags(app.net, app.store, row.id, read=not row.read)
        count_mark(app, row, read=not row.read)


def toggle_star(app: NewsreaderApp) -> None:
    """`s` on the headline list."""
    row = app.headlines.current
    if row is not None:
        app.headlines.set_flags(row.id, starred=not row.starred)
        write_flags(app.net, app.store, row.id, starred=not row.starred)


def count_mark(app: NewsreaderApp, row: EntrySummary, *, read: bool) -> None:
    """A read mark's counts shown at once, by one, in the header and the row's feed: the
    writer thread stores the mark a few frames later, and `update_counts` then reads the same
    numbers from the store. Not for a story's row: all its versions are marked, and their
    counts wait for the store."""
    if row.read == read or row.versions > 1 or row.hidden or row.feed_id is None:
        return
    delta = -1 if read else 1
    status = app.query_one(StatusBar)
    status.unread = max(0, status.unread + delta)
    if app.ready:
        from newsreader.ui.feed_pane import FeedPane  # start-up speed: after paint

        app.query_one(FeedPane).count_mark(row.feed_id, delta, app.filters)


def mark_all_read(net: BackgroundLoop, store: Store, filters: EntryFilter) -> None:
    net.write(lambda: store.mark_all_read(filters), key="all_read")


def written(app: NewsreaderApp, job: JobDone) -> None:
    if isinstance(job.key, FlagsWritten):
        app.headlines.flags_stored(job.key.entry_id, job.key.flag)
    if job.error is not None:
        app.headlines.reload()  # back to what the store holds
    elif job.key == "hide_rules":
        if job.result:
            app.store_changed()
    elif job.key == "all_read":
        app.store_changed()
        app.notify(f"Marked {job.result:,} headlines read.", markup=False)
    else:
        _pane_written(app, job)


def _pane_written(app: NewsreaderApp, job: JobDone) -> None:
    # Start-up speed: the feed pane is imported when the panes are mounted, after the first
    # frame; the hide rules' write, started just before that, may come back first and is
    # handled in `written` without it.
    from newsreader.ui.feed_pane import FeedsChanged, SearchesChanged

    if isinstance(job.key, FeedsChanged):
        if app.filters.feed_id is not None and app.store.feed(app.filters.feed_id) is None:
            app.filters = EntryFilter()  # the feed on screen was removed
        app.store_changed()
        if job.key.refetch is not None:
            app.action_refresh([job.key.refetch])
    elif isinstance(job.key, SearchesChanged):
        app.store_changed(reload=False)  # a row fewer in the feed pane
    else:
        app.update_counts()
