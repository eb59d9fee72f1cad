"""The command palette (ctrl+p): the reader's own actions, and of Textual's system commands
only those a reader can use (its developer entries, screenshots and the widget help panel,
mean nothing to one)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial

from textual.app import SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider

# Textual's system commands the palette keeps (Theme also lets a light theme be chosen).
KEPT_SYSTEM_COMMANDS = frozenset({"Theme", "Quit"})

# (title, help, action): actions of the App.
READER_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Add feed or site", "Subscribe to a feed, or to the first feed a site announces", "add_feed"),
    ("Import OPML", "Subscribe to every feed of an OPML file", "import_opml"),
    ("Refresh all feeds", "Fetch every feed in the background", "refresh"),
    ("Refresh this feed", "Fetch the feed or tag chosen in the feed pane", "refresh_feed"),
    ("Star / unstar", "Star the selected headline, or take its star away", "toggle_star"),
    ("Mark read / unread", "Toggle the selected headline's read mark", "toggle_read"),
    ("Next unread", "The next unread headline, across feeds", "next_unread(1)"),
    ("Toggle unread only", "Show only unread headlines", "toggle_filter('unread')"),
    ("Toggle starred only", "Show only starred headlines", "toggle_filter('starred')"),
    ("Toggle hide paywalled", "Hide paywalled articles", "toggle_filter('hide_paywalled')"),
    ("Mark all read", "Mark every headline in the current view as read", "mark_all_read"),
    ("Mark all feeds read", "Mark every headline of every feed as read", "mark_everything_read"),
    ("Search headlines", "Search titles and text", "search"),
    ("Save search", "Keep the search or filter in force in the feed pane", "save_search"),
    ("Clear filters", "Show all headlines", "clear_filters"),
    ("Toggle feed pane", "Show or hide the feeds and tags", "toggle_feed_pane"),
    ("Open in browser", "Open the current article or teaser", "open_browser"),
    ("Back", "Previous article in history", "history_back"),
    ("Forward", "Next article in history", "history_forward"),
    ("Show keys", "Every key binding and its id", "help"),
)


def reader_system_commands(commands: Iterable[SystemCommand]) -> Iterator[SystemCommand]:
    return (c for c in commands if c.title in KEPT_SYSTEM_COMMANDS)


class ReaderCommands(Provider):
    def _runner(self, action: str) -> Callable[[], object]:
        return partial(self.app.run_action, action)

    async def discover(self) -> Hits:
        for title, help_text, action in READER_COMMANDS:
            yield DiscoveryHit(title, self._runner(action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action in READER_COMMANDS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), self._runner(action), help=help_text)
