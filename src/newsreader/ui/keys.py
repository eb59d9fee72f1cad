"""Bindings shared by several panes; each keeps one id, so one [keys] remap moves them all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding, BindingType

if TYPE_CHECKING:  # types only
    from newsreader.ui.app import NewsreaderApp

# Teaser and history keys work from any pane (right after enter in the list, `]` should
# reach the teasers); the App declares them and forwards to the pane.
DETAIL_BINDINGS: list[BindingType] = [
    Binding("right_square_bracket", "teaser_step(1)", "Next teaser", show=False, id="teaser.next"),
    Binding(
        "left_square_bracket", "teaser_step(-1)", "Prev teaser", show=False, id="teaser.previous"
    ),
    *(
        Binding(str(n), f"teaser_jump({n})", f"Teaser {n}", show=False, id=f"teaser.jump_{n}")
        for n in range(1, 10)
    ),
    Binding("backspace,alt+left", "history_back", "Back", show=False, id="detail.back"),
    Binding("alt+right", "history_forward", "Forward", show=False, id="detail.forward"),
    Binding("v", "story_version", "Next version", show=False, id="detail.next_version"),
]
# The same ids again on the detail widgets, shown: the footer lists them where they matter.
DETAIL_FOOTER: list[BindingType] = [
    Binding("right_square_bracket", "app.teaser_step(1)", "Teasers", id="teaser.next"),
    Binding("backspace,alt+left", "app.history_back", "Back", id="detail.back"),
    Binding("alt+right", "app.history_forward", "Forward", id="detail.forward"),
    Binding("o", "app.open_browser", "Browser", id="app.open_browser"),
]
# Inside the article or its teasers, newsboat's `q` and `h` go back to the list.
BACK_TO_LIST = Binding("q,h", "app.focus_list", "List", id="detail.to_list")
# The reader App's own keys; the help screen lists them under "any".
# In the footer's order after the pane's own: `? Help` first, which an 80-column footer cut
# off when it came after the others (a helper's tour).
READER_BINDINGS: list[BindingType] = [
    Binding("question_mark", "help", "Help", id="app.help"),
    Binding("q", "quit", "Quit", id="app.quit"),
    Binding("n", "next_unread(1)", "Next unread", id="app.next_unread"),
    Binding("N", "next_unread(-1)", "Previous unread", show=False, id="app.previous_unread"),
    Binding("slash", "search", "Search", show=False, id="app.search"),
    Binding("S", "save_search", "Save search/filter", show=False, id="app.save_search"),
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
    Binding("H", "toggle_filter('show_hidden')", "Show hidden", show=False, id="app.show_hidden"),
    Binding("A", "mark_all_read", "Mark all read", show=False, id="app.mark_all_read"),
    Binding("C", "mark_everything_read", "Mark all feeds read", show=False, id="app.catchup"),
    Binding("escape", "clear_filters", "Clear filters", show=False, id="app.clear_filters"),
    Binding("r", "refresh_feed", "Refresh feed", id="app.refresh_feed"),
    Binding("R", "refresh", "Refresh all", show=False, id="app.refresh"),
    Binding("d", "sample_edition", "Sample edition", id="app.sample_edition"),
    Binding("a", "add_feed", "Add feed", show=False, id="app.add_feed"),
    Binding("i", "import_opml", "Import OPML", show=False, id="app.import_opml"),
    Binding("o", "open_browser", "Browser", show=False, id="app.open_browser"),
    Binding("y", "copy_url", "Copy link", show=False, id="app.copy_url"),
    Binding("f", "toggle_feed_pane", "Feeds", show=False, id="app.feed_pane"),
    *DETAIL_BINDINGS,
    Binding("tab", "focus_next", "Next pane", show=False, id="app.next_pane"),
    Binding("shift+tab", "focus_previous", "Previous pane", show=False, id="app.previous_pane"),
]


def reader_key_active(app: NewsreaderApp, action: str) -> bool:
    """The App's `check_action`: the footer lists only keys that do something now (the panes
    have their own)."""
    if action in ("history_back", "history_forward") and app.ready:
        return app.detail.can_go(-1 if action == "history_back" else 1)
    if action == "sample_edition":  # not while a first sync fills the empty cache
        return app.demo is None and app.sync is None and not app.store.has_feeds()
    return True
