"""What the header, the feed pane and the headline list's empty note show once the cache or
the filter changed. The App routes each change here (`store_changed`, `update_counts`,
`watch_filters`); the panes read the store themselves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsreader.core.models import EntryFilter
from newsreader.ui.entry_filters import describe, listing
from newsreader.ui.list_pane import ListPane
from newsreader.ui.status_bar import StatusBar

if TYPE_CHECKING:  # types only
    from newsreader.ui.app import NewsreaderApp


def cache_changed(app: NewsreaderApp, *, reload: bool, tell_new_matches: bool = False) -> None:
    """The panes read again, then the counts (the feeds read again came with theirs); with
    `tell_new_matches`, the watched count tells of new matches (a refresh's end)."""
    if reload:
        app.headlines.reload()
    # The header names the feed in view by its title, which a rename may just have changed.
    app.query_one(StatusBar).filter_label = describe(app.filters, app.store)
    if app.ready and app.detail.article.waits_for_feeds and app.store.has_feeds():
        app.detail.article.show_placeholder()
    if reload and app.ready:
        app.detail.store_changed()
    show_feeds(app)
    app.update_counts(tell_new_matches=tell_new_matches)
    show_empty_note(app)


def counts_changed(app: NewsreaderApp, *, tell_new_matches: bool, at_once: bool) -> None:
    """Header and feed pane counts: cheap lookups of the counters the store keeps (schema
    6); the unread watched count follows from the reader thread. The feeds themselves are
    read again only by `cache_changed`."""
    app.query_one(StatusBar).unread = app.store.unread_count()
    show_feeds(app, counts_only=True)
    app.watch_counter.request(
        app.store, app.config.watch, tell_new_matches=tell_new_matches, at_once=at_once
    )


def filters_changed(app: NewsreaderApp, filters: EntryFilter) -> None:
    app.headlines.set_filter(listing(filters, app.config))
    app.query_one(StatusBar).filter_label = describe(filters, app.store)
    show_empty_note(app)


def show_empty_note(app: NewsreaderApp) -> None:
    app.query_one(ListPane).show_empty_note(
        filtered=app.filters != EntryFilter(), syncing=app.sync is not None
    )


def show_feeds(app: NewsreaderApp, *, counts_only: bool = False) -> None:
    if app.ready:
        from newsreader.ui.feed_pane import FeedPane  # start-up speed: after paint

        panes = app.query(FeedPane)
        if not panes:  # the reader quitting: its panes went before the work already begun
            return
        pane = panes.first()
        if counts_only:
            pane.show_counts(app.store, app.filters, app.config.searches)
        else:
            last, tried = pane.show_store(app.store, app.filters, app.config.searches)
            for bar in app.query(StatusBar):
                bar.last_refresh, bar.none_reached = last, tried and last is None
