"""A Fever API client (FreshRSS, Miniflux, Tiny Tiny RSS with its plugin, coldsweat).

Fever knows one form field for auth, `api_key` = md5("user:password"), sent in the POST body
so it never shows in a URL; commands go in the query string (`?api&items&since_id=N`). Items
come 50 at a time by id; marks go one item per request (the API has no batch).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Sequence
from typing import Any

from newsreader.core.config import SyncConfig
from newsreader.core.errors import SyncAuthError, SyncProtocolError
from newsreader.core.sync.http import SyncHttp
from newsreader.core.sync.validate import as_dict, as_list, field_int, field_str, web_url
from newsreader.core.sync_records import (
    QueuedFeedChange,
    QueuedFeedEdit,
    QueuedMark,
    RemoteFeed,
    RemoteItem,
)

PAGE = 50  # the API's own page size
MAX_IDS = 1_000_000
MAX_PAGES = 4_000  # 200,000 items: a first sync of a huge account, or a server that loops
_ACTIONS = {"read": "read", "unread": "unread", "star": "saved", "unstar": "unsaved"}


class FeverClient:
    service = "fever"

    def __init__(self, sync: SyncConfig, password: str, *, http: SyncHttp | None = None) -> None:
        self.url = sync.url
        self.user = sync.user
        digest = hashlib.md5(f"{sync.user}:{password}".encode(), usedforsecurity=False)
        self._api_key = digest.hexdigest()
        self.http = http or SyncHttp(
            self.url, timeout=sync.timeout, max_bytes=int(sync.max_response_mb * 1024 * 1024)
        )
        self._authorised = False

    def __repr__(self) -> str:  # never the API key
        return f"FeverClient({self.http.host!r}, user={self.user!r})"

    def close(self) -> None:
        self.http.close()

    def _call(
        self, what: str, query: Sequence[tuple[str, str]], form: Sequence[tuple[str, str]] = ()
    ) -> dict[str, Any]:
        answer = self.http.request(
            "POST",
            self.url,
            what=what,
            params=[("api", ""), *query],
            form=[("api_key", self._api_key), *form],
        )
        self.http.refuse_status(answer, what=what)
        data = as_dict(self.http.json(answer, what=what), what)
        auth = field_int(data, "auth", what)
        if auth != 1:
            raise SyncAuthError(f"{what}: {self.http.host} refused the user name or password")
        return data

    def login(self) -> None:
        if not self._authorised:
            self._call("login", [])
            self._authorised = True

    def push(self, marks: Sequence[QueuedMark], done: list[int]) -> None:
        for mark in marks:
            form = [("mark", "item"), ("as", _ACTIONS[mark.action]), ("id", mark.item_id)]
            answer = self.http.request(
                "POST",
                self.url,
                what=f"sending a {mark.action} mark",
                params=[("api", "")],
                form=[("api_key", self._api_key), *form],
            )
            # 404: the server dropped the item; the mark has nothing left to change.
            if answer.status != 404:
                self.http.refuse_status(answer, what=f"sending a {mark.action} mark")
                data = as_dict(self.http.json(answer, what="mark"), "mark")
                if field_int(data, "auth", "mark") != 1:
                    raise SyncAuthError(f"mark: {self.http.host} refused the user name or password")
            done.append(mark.row)

    def push_feeds(self, changes: Sequence[QueuedFeedChange]) -> list[int]:
        """The Fever API cannot subscribe or unsubscribe. A subscription made here stays
        local; an unsubscription stays queued, so the feed is not pulled back."""
        return [change.row for change in changes if change.action == "subscribe"]

    def push_edits(self, edits: Sequence[QueuedFeedEdit]) -> list[int]:
        """The Fever API cannot rename a feed or change its groups: the edits stay queued, and
        while they do the feed keeps its name and tags here (a sync does not take them back)."""
        return []

    def subscriptions(self) -> list[RemoteFeed]:
        what = "feeds and groups"
        data = self._call(what, [("groups", ""), ("feeds", "")])
        groups = {}
        for raw in as_list(data.get("groups", []), what):
            group = as_dict(raw, what)
            gid = field_int(group, "id", what)
            groups[gid] = field_str(group, "title", what, required=False) or ""
        tags: dict[int, list[str]] = {}
        for raw in as_list(data.get("feeds_groups", []), what):
            link = as_dict(raw, what)
            title = groups.get(field_int(link, "group_id", what))
            for feed_id in _id_list(field_str(link, "feed_ids", what) or "", what):
                if title:
                    tags.setdefault(int(feed_id), []).append(title)
        feeds = []
        for raw in as_list(data.get("feeds"), what):
            feed = as_dict(raw, what)
            fid = field_int(feed, "id", what)
            url = web_url(field_str(feed, "url", what, required=False))
            if fid is None or url is None:
                continue
            feeds.append(
                RemoteFeed(
                    remote_id=str(fid),
                    url=url,
                    title=field_str(feed, "title", what, required=False) or "",
                    site_url=web_url(field_str(feed, "site_url", what, required=False)),
                    tags=tuple(dict.fromkeys(tags.get(fid, []))),
                )
            )
        return feeds

    def items_since(self, cursor: str | None, first_days: int) -> tuple[list[RemoteItem], str]:
        """Items with ids above the cursor (the highest id seen). Fever cannot filter by date:
        a first sync walks every item and keeps the last `first_days` days (unread and starred
        older ones come by id)."""
        since = int(cursor) if cursor and cursor.isdigit() else 0
        cutoff = 0 if cursor else int(time.time()) - first_days * 86400
        items: list[RemoteItem] = []
        what = "new items"
        for _ in range(MAX_PAGES):
            data = self._call(what, [("items", ""), ("since_id", str(since))])
            page = [_item(raw) for raw in as_list(data.get("items", []), what)]
            if not page:
                return items, str(since)
            top = max(int(i.remote_id) for i in page)
            if top <= since:
                raise SyncProtocolError(f"{what}: the server sent items it had sent before")
            since = top
            items.extend(i for i in page if i.published >= cutoff)
        raise SyncProtocolError(f"{what}: the item list never ends ({MAX_PAGES} pages)")

    def unread_ids(self) -> set[str]:
        return self._ids("unread_item_ids")

    def starred_ids(self) -> set[str]:
        return self._ids("saved_item_ids")

    def _ids(self, command: str) -> set[str]:
        data = self._call(command, [(command, "")])
        return set(_id_list(field_str(data, command, command) or "", command))

    def items_by_id(self, ids: Iterable[str]) -> list[RemoteItem]:
        wanted = list(ids)
        items: list[RemoteItem] = []
        for start in range(0, len(wanted), PAGE):
            chunk = ",".join(wanted[start : start + PAGE])
            data = self._call("items by id", [("items", ""), ("with_ids", chunk)])
            items.extend(_item(raw) for raw in as_list(data.get("items", []), "items by id"))
        return items


def _id_list(text: str, what: str) -> list[str]:
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if len(ids) > MAX_IDS:
        raise SyncProtocolError(f"{what}: more than {MAX_IDS:,} ids")
    for item in ids:
        if not (item.isascii() and item.isdigit() and len(item) <= 20):
            raise SyncProtocolError(f"{what}: {item[:30]!r} is not an id")
    return [str(int(i)) for i in ids]


def _item(raw: Any) -> RemoteItem:
    what = "an item"
    obj = as_dict(raw, what)
    item_id = field_int(obj, "id", what)
    feed_id = field_int(obj, "feed_id", what)
    if item_id is None or feed_id is None or item_id < 0:
        raise SyncProtocolError(f"{what}: no id or feed_id")
    return RemoteItem(
        remote_id=str(item_id),
        feed_remote_id=str(feed_id),
        title=field_str(obj, "title", what, required=False) or "",
        url=web_url(field_str(obj, "url", what, required=False)),
        author=field_str(obj, "author", what, required=False) or None,
        html=field_str(obj, "html", what, required=False) or "",
        published=field_int(obj, "created_on_time", what) or int(time.time()),
        read=bool(field_int(obj, "is_read", what)),
        starred=bool(field_int(obj, "is_saved", what)),
    )
