"""Subscribing from inside the reader: `a` (a feed by its address), `i` (an OPML file) and
`d` (the sample edition the welcome screen offers). A new subscription closes the welcome
screen, redraws the panes and is said in a note."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import App

from newsreader.core.extract.render import one_line

if TYPE_CHECKING:  # types only
    from newsreader.core.subscribe.add import Subscribed
    from newsreader.core.subscribe.opml import Imported
    from newsreader.ui.app import NewsreaderApp


def on_welcome_screen(app: App[Any]) -> bool:
    from newsreader.ui.welcome_screen import WelcomeScreen  # start-up speed: shown rarely

    return isinstance(app.screen, WelcomeScreen)


def add_feed(app: NewsreaderApp) -> None:
    """`a`: the dialog that finds a page's feeds; it needs the network."""
    if app.offline:
        app.notify("Offline: adding a feed needs the network.", markup=False)
        return
    # Start-up speed: the dialog brings the network stack, loaded when first asked for.
    from newsreader.ui.add_feed_dialog import AddFeedDialog, subscribed_note
    from newsreader.ui.dialog import open_dialog

    def subscribed(done: Subscribed) -> None:
        subscriptions_changed(app, subscribed_note(done))

    open_dialog(app, AddFeedDialog(app.store, app.config), subscribed)


def import_opml(app: NewsreaderApp) -> None:
    """`i`: feeds from an OPML file; the new ones are fetched at once."""
    from newsreader.ui.dialog import open_dialog  # start-up speed: a dialog, lazily
    from newsreader.ui.import_dialog import ImportDialog

    def imported(done: Imported) -> None:
        note = f"Imported {done.feeds} {'feed' if done.feeds == 1 else 'feeds'} ({done.new} new)."
        if done.skipped:
            first = one_line(done.skipped[0], 80)
            more = f" and {len(done.skipped) - 1} more" if len(done.skipped) > 1 else ""
            note += f" Skipped {first}{more}: not a web address."
        subscriptions_changed(app, note)
        if done.new:
            app.action_refresh()

    open_dialog(app, ImportDialog(app.store), imported)


def subscriptions_changed(app: NewsreaderApp, note: str) -> None:
    if on_welcome_screen(app):
        app.pop_screen()
    app.store_changed()
    # The welcome text in the article pane goes; the first headline waits under the cursor.
    if app.ready and app.detail.article.shown is None:
        app.detail.article.show_placeholder()
    app.headlines.move_to(0)
    app.headlines.focus()
    app.notify(note, markup=False)


def open_sample_edition(app: App[Any]) -> None:
    """`d` after escaping the welcome screen: the sample edition, as it offered."""
    from newsreader.ui.welcome_screen import WelcomeScreen  # start-up speed: shown rarely

    welcome = WelcomeScreen()
    app.push_screen(welcome)
    welcome.call_after_refresh(welcome.action_open_demo)
