"""Command palette entries for the reader's main actions (ctrl+p)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

# (title, help, app action)
READER_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Refresh all feeds", "Fetch every feed in the background", "refresh"),
    ("Toggle unread only", "Show only unread headlines", "toggle_filter('unread')"),
    ("Toggle starred only", "Show only starred headlines", "toggle_filter('starred')"),
    ("Toggle hide paywalled", "Hide paywalled articles", "toggle_filter('hide_paywalled')"),
    ("Mark all read", "Mark every headline in the current view as read", "mark_all_read"),
    ("Search headlines", "Search titles and text", "search"),
    ("Clear filters", "Show all headlines", "clear_filters"),
    ("Toggle feed pane", "Show or hide the feeds and tags", "toggle_feed_pane"),
    ("Open in browser", "Open the current article or teaser", "open_browser"),
    ("Back", "Previous article in history", "history_back"),
    ("Forward", "Next article in history", "history_forward"),
    ("Show keys", "Every key binding and its id", "help"),
)


class ReaderCommands(Provider):
    async def discover(self) -> Hits:
        for title, help_text, action in READER_COMMANDS:
            yield DiscoveryHit(title, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action in READER_COMMANDS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(self.app.run_action, action),
                    help=help_text,
                )
