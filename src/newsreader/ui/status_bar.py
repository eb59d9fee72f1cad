"""The header line: unread count, last refresh, the sync server and its last sync,
online/offline, refresh progress and what a refresh waits on."""

from __future__ import annotations

from datetime import datetime

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from newsreader.ui.text import relative_age


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { dock: top; height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    unread: reactive[int] = reactive(0)
    watched: reactive[int] = reactive(0)  # unread entries matching a [watch] word
    last_refresh: reactive[datetime | None] = reactive(None)  # a feed's last answer
    none_reached: reactive[bool] = reactive(False)  # feeds were fetched, and none answered
    offline: reactive[bool] = reactive(False)
    progress: reactive[str] = reactive("")
    waiting: reactive[str] = reactive("")  # what a refresh waits on (core/refresh/waiting.py)
    filter_label: reactive[str] = reactive("")
    # [sync]: the server as service and host (never the user), and how its last sync went.
    sync_server: reactive[str] = reactive("")
    last_sync: reactive[datetime | None] = reactive(None)
    sync_state: reactive[str] = reactive("")  # "", "syncing" or "failed"

    def __init__(self, *, now: datetime, id: str | None = None) -> None:
        super().__init__(id=id)
        self.now = now

    def render(self) -> Content:
        refreshed = (
            ("no feed reached" if self.none_reached else "never refreshed")
            if self.last_refresh is None
            else "refreshed "
            + relative_age(self.last_refresh, self.now)
            + ("" if relative_age(self.last_refresh, self.now) == "now" else " ago")
        )
        # With a server and no feed of our own fetched yet, the sync is the only news source.
        where = [refreshed] if self.last_refresh is not None or not self.sync_server else []
        if self.sync_server:
            where.append(f"{self.sync_server}: {self._sync_text()}")
        return Content.from_markup(
            "[b]newsreader[/b]  $unread unread$watched  ·  $where  ·  "
            + ("[b reverse] offline [/]" if self.offline else "[b]online[/b]")
            + "$progress$filter$waiting",
            unread=f"{self.unread:,}",
            watched=f", {self.watched:,} watched" if self.watched else "",
            where="  ·  ".join(where),
            progress=f"  ·  {self.progress}" if self.progress else "",
            filter=f"  ·  {self.filter_label}" if self.filter_label else "",
            # Last: the longest, so the row's end cuts it rather than the filter.
            waiting=f"  ·  {self.waiting}" if self.waiting else "",
        )

    def _sync_text(self) -> str:
        if self.sync_state == "syncing":
            return "syncing…"
        if self.sync_state == "failed":
            return "sync failed"
        if self.last_sync is None:
            return "never synced"
        age = relative_age(self.last_sync, self.now)
        return "synced now" if age == "now" else f"synced {age} ago"
