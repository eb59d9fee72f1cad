"""`a`: subscribe to a feed or a site from inside the reader.

The network work runs in a thread worker through the same function `newsreader add` uses, so
the dialog stays responsive and a bad URL gets the CLI's one-line explanation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsreader.core.config import Config
from newsreader.core.store.store import Store
from newsreader.ui.dialog import OneLineDialog
from newsreader.ui.text import one_line

if TYPE_CHECKING:  # types only
    from newsreader.core.subscribe.add import Subscribed


class AddFeedDialog(OneLineDialog["Subscribed"]):
    """Subscribe to a feed URL, or to the first feed a page links to."""

    title_text = "Add a feed or a site"
    help_text = (
        "Paste the address of a feed, or of a news site: its page is searched for the "
        "feeds it announces, and the first one is added."
    )
    placeholder = "https://…"
    working_text = "Fetching…"
    still_working_text = ""  # escaped, it stores nothing: stop_if_cancelled

    def __init__(self, store: Store, config: Config) -> None:
        super().__init__()
        self.store = store
        self.config = config

    def check(self, value: str) -> str | None:
        return None if value else "Type or paste an address first."

    def work(self, value: str) -> Subscribed:
        # Start-up speed: httpx, feedparser and lxml load when the first address is sent.
        from newsreader.core.subscribe.add import add_subscription

        url = value if "://" in value else f"https://{value}"
        return add_subscription(self.store, self.config, url, before_storing=self.stop_if_cancelled)


def subscribed_note(done: Subscribed) -> str:
    if done.already:  # it said "Subscribed to …: 0 headlines" (a helper's tour)
        return f"Already subscribed to {one_line(done.name, 120)} ({one_line(done.feed.url, 200)})."
    more = f" (the first of {done.offered} feeds on that page)" if done.offered > 1 else ""
    return f"Subscribed to {one_line(done.name, 120)}{more}: {done.new_entries} headlines."
