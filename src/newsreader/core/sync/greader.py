"""A Google Reader API client, as FreshRSS (1.24), Miniflux, The Old Reader and BazQux speak it.

The API's quirks, all handled here: login is ClientLogin (form Email/Passwd) answering text
lines; every call carries `Authorization: GoogleLogin auth=<Auth>`; POSTs carry a `T` token
(with a trailing newline to strip); `output=json` must be asked for; item ids come as decimal
strings from `stream/items/ids` and as `tag:google.com,2005:reader/item/<hex>` from
`stream/contents`: both are turned into one unsigned decimal string; repeated `i=` go in a form
body; `continuation` is absent on the last page; times are strings but `published` a number.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from newsreader.core.config import SyncConfig
from newsreader.core.errors import SyncAuthError, SyncProtocolError
from newsreader.core.sync.http import Answer, FormData, SyncHttp
from newsreader.core.sync.validate import (
    as_dict,
    as_list,
    field_int,
    field_str,
    need_str,
    web_url,
)
from newsreader.core.sync_records import (
    QueuedFeedChange,
    QueuedFeedEdit,
    QueuedMark,
    RemoteFeed,
    RemoteItem,
)

READING_LIST = "user/-/state/com.google/reading-list"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
LABEL_PREFIX = "user/-/label/"
_LONG_ID = re.compile(r"tag:google\.com,2005:reader/item/([0-9a-fA-F]{1,16})")
_DECIMAL_ID = re.compile(r"-?[0-9]{1,20}")

# Paging limits: a continuation that never ends, or more ids than any real account holds,
# ends the sync with one error instead of filling memory.
MAX_IDS = 1_000_000
IDS_PAGE = 10_000
CONTENTS_PAGE = 1_000
MAX_PAGES = 200
ITEMS_PER_POST = 250  # ids per edit-tag or items/contents request
MAX_ITEMS_PER_SYNC = 200_000


def item_id(raw: str) -> str:
    """Either id form as the unsigned decimal string the cache keys on."""
    if match := _LONG_ID.fullmatch(raw):
        return str(int(match.group(1), 16))
    if _DECIMAL_ID.fullmatch(raw):
        value = int(raw)
        if -(2**63) <= value < 2**64:
            return str(value % 2**64)
    raise SyncProtocolError(f"the server sent an item id that is neither form: {raw[:40]!r}")


def long_item_id(decimal: str) -> str:
    return f"tag:google.com,2005:reader/item/{int(decimal):016x}"


class GReaderClient:
    service = "greader"

    def __init__(self, sync: SyncConfig, password: str, *, http: SyncHttp | None = None) -> None:
        self.base = sync.url.rstrip("/")
        self.user = sync.user
        self._password = password
        self.http = http or SyncHttp(
            self.base, timeout=sync.timeout, max_bytes=int(sync.max_response_mb * 1024 * 1024)
        )
        self._auth: str | None = None
        self._token: str | None = None

    def __repr__(self) -> str:  # never the password or the tokens
        return f"GReaderClient({self.http.host!r}, user={self.user!r})"

    def close(self) -> None:
        self.http.close()

    # --- session ------------------------------------------------------------------------------

    def login(self) -> None:
        """ClientLogin; a reader session keeps the Auth in memory and skips this next time."""
        if self._auth is not None:
            return
        what = "login"
        answer = self.http.request(
            "POST",
            f"{self.base}/accounts/ClientLogin",
            what=what,
            form=[("Email", self.user), ("Passwd", self._password)],
        )
        self.http.refuse_status(answer, what=what)
        self.http.refuse_html(answer, what=what, wanted="text lines")
        for line in answer.text.splitlines():
            key, _, value = line.strip().partition("=")
            if key == "Auth" and value:
                self._auth = value
                return
        raise SyncProtocolError(f"{what}: {self.http.host} sent no Auth line")

    def _headers(self) -> dict[str, str]:
        assert self._auth is not None, "login() first"
        return {"Authorization": f"GoogleLogin auth={self._auth}"}

    def _token_value(self, *, fresh: bool = False) -> str:
        if self._token is None or fresh:
            what = "token"
            answer = self.http.request(
                "GET", f"{self.base}/reader/api/0/token", what=what, headers=self._headers()
            )
            self.http.refuse_status(answer, what=what)
            self.http.refuse_html(answer, what=what, wanted="a token")
            token = answer.text.strip()
            if not token or len(token) > 200 or any(c.isspace() for c in token):
                raise SyncProtocolError(f"{what}: {self.http.host} sent no usable token")
            self._token = token
        return self._token

    def _get_json(self, path: str, params: Sequence[tuple[str, str]], what: str) -> Any:
        answer = self.http.request(
            "GET",
            f"{self.base}/reader/api/0/{path}",
            what=what,
            params=[*params, ("output", "json")],
            headers=self._headers(),
        )
        self.http.refuse_status(answer, what=what)
        return self.http.json(answer, what=what)

    def _post(self, path: str, form: FormData, what: str) -> Answer:
        """A POST with the T token."""
        for attempt in (0, 1):
            answer = self.http.request(
                "POST",
                f"{self.base}/reader/api/0/{path}",
                what=what,
                form=[*form, ("T", self._token_value(fresh=attempt == 1))],
                headers=self._headers(),
            )
            # FreshRSS answers a stale T with 401: renew it once, then believe the 401.
            if answer.status != 401 or attempt == 1:
                break
        self.http.refuse_status(answer, what=what)
        return answer

    # --- push ---------------------------------------------------------------------------------

    def push(self, marks: Sequence[QueuedMark], done: list[int]) -> None:
        """Send the queue, many ids per edit-tag; the queue rows the server took go to
        `done` as it takes them."""
        plan = {
            "read": ("a", READ),
            "unread": ("r", READ),
            "star": ("a", STARRED),
            "unstar": ("r", STARRED),
        }
        for action, (verb, tag) in plan.items():
            batch = [m for m in marks if m.action == action]
            for start in range(0, len(batch), ITEMS_PER_POST):
                chunk = batch[start : start + ITEMS_PER_POST]
                form = [("i", long_item_id(m.item_id)) for m in chunk]
                self._post("edit-tag", [*form, (verb, tag)], f"sending {action} marks")
                done.extend(m.row for m in chunk)

    def push_feeds(self, changes: Sequence[QueuedFeedChange]) -> list[int]:
        """Subscriptions made or removed here; subscribing names the feed by URL."""
        done = []
        for change in changes:
            if change.action == "subscribe":
                form = [("ac", "subscribe"), ("s", f"feed/{change.url}")]
                if change.title:
                    form.append(("t", change.title))
                form.extend(("a", LABEL_PREFIX + tag) for tag in change.tags)
            else:
                form = [("ac", "unsubscribe"), ("s", change.remote_id or f"feed/{change.url}")]
            self._post("subscription/edit", form, f"sending a {change.action}")
            done.append(change.row)
        return done

    def push_edits(self, edits: Sequence[QueuedFeedEdit]) -> list[int]:
        """Renames (`t=`) and tag changes (`r=`/`a=` labels), one `subscription/edit` with
        `ac=edit` per feed. FreshRSS and Miniflux keep one category per feed: they move it to
        the last label added, or to their default category when one is only removed."""
        done = []
        for edit in edits:
            form = [("ac", "edit"), ("s", edit.remote_id)]
            if edit.title:
                form.append(("t", edit.title))
            form.extend(("r", LABEL_PREFIX + tag) for tag in edit.remove_tags)
            form.extend(("a", LABEL_PREFIX + tag) for tag in edit.add_tags)
            if len(form) > 2:  # else the tags only changed their spelling in the cache
                self._post("subscription/edit", form, "sending a feed's name or tags")
            done.append(edit.row)
        return done

    # --- pull ---------------------------------------------------------------------------------

    def subscriptions(self) -> list[RemoteFeed]:
        what = "subscription list"
        data = as_dict(self._get_json("subscription/list", [], what), what)
        feeds = []
        for raw in as_list(data.get("subscriptions"), what):
            sub = as_dict(raw, what)
            stream = need_str(sub, "id", what)
            url = web_url(field_str(sub, "url", what, required=False))
            if url is None and stream.startswith("feed/"):
                url = web_url(stream[5:])  # The Old Reader and BazQux name feeds by URL
            if url is None:
                continue  # nothing we could ever match or fetch
            tags = []
            for cat in as_list(sub.get("categories", []), what):
                cat = as_dict(cat, what)
                label = field_str(cat, "label", what, required=False)
                cat_id = field_str(cat, "id", what, required=False) or ""
                if not label and cat_id.startswith(LABEL_PREFIX):
                    label = cat_id[len(LABEL_PREFIX) :]
                if label:
                    tags.append(label)
            feeds.append(
                RemoteFeed(
                    remote_id=stream,
                    url=url,
                    title=field_str(sub, "title", what, required=False) or "",
                    site_url=web_url(field_str(sub, "htmlUrl", what, required=False)),
                    tags=tuple(dict.fromkeys(tags)),
                )
            )
        return feeds

    def items_since(self, cursor: str | None, first_days: int) -> tuple[list[RemoteItem], str]:
        """Items crawled since the last sync (first sync: the last `first_days` days).
        The cursor is the newest crawl time seen, in seconds."""
        since = (
            int(cursor) if cursor and cursor.isdigit() else int(time.time()) - first_days * 86400
        )
        items: list[RemoteItem] = []
        newest = since
        what = "new items"
        continuation: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            params = [("n", str(CONTENTS_PAGE)), ("ot", str(since)), ("r", "o")]
            if continuation:
                params.append(("c", continuation))
            data = as_dict(
                self._get_json(f"stream/contents/{quote(READING_LIST, safe='/')}", params, what),
                what,
            )
            for raw in as_list(data.get("items"), what):
                item, crawled = parse_item(raw)
                newest = max(newest, crawled)
                items.append(item)
            if len(items) > MAX_ITEMS_PER_SYNC:
                raise SyncProtocolError(f"{what}: more than {MAX_ITEMS_PER_SYNC} items")
            continuation = _continuation(data, what, seen)
            if continuation is None:
                return items, str(newest)
        raise SyncProtocolError(f"{what}: the continuation never ends ({MAX_PAGES} pages)")

    def unread_ids(self) -> set[str]:
        return self._ids(READING_LIST, exclude=READ, what="unread ids")

    def starred_ids(self) -> set[str]:
        return self._ids(STARRED, exclude=None, what="starred ids")

    def _ids(self, stream: str, *, exclude: str | None, what: str) -> set[str]:
        ids: set[str] = set()
        continuation: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_IDS // IDS_PAGE + 1):
            params = [("s", stream), ("n", str(IDS_PAGE))]
            if exclude:
                params.append(("xt", exclude))
            if continuation:
                params.append(("c", continuation))
            data = as_dict(self._get_json("stream/items/ids", params, what), what)
            refs = as_list(data.get("itemRefs", []), what)
            for ref in refs:
                ids.add(item_id(need_str(as_dict(ref, what), "id", what)))
            if len(ids) > MAX_IDS:
                raise SyncProtocolError(f"{what}: more than {MAX_IDS:,} ids")
            continuation = _continuation(data, what, seen)
            if continuation is None:
                return ids
        raise SyncProtocolError(f"{what}: more than {MAX_IDS:,} ids")

    def items_by_id(self, ids: Iterable[str]) -> list[RemoteItem]:
        what = "items by id"
        wanted = list(ids)
        items: list[RemoteItem] = []
        for start in range(0, len(wanted), ITEMS_PER_POST):
            form = [("i", long_item_id(i)) for i in wanted[start : start + ITEMS_PER_POST]]
            answer = self._post("stream/items/contents?output=json", form, what)
            data = as_dict(self.http.json(answer, what=what), what)
            items.extend(parse_item(raw)[0] for raw in as_list(data.get("items"), what))
        return items


def _continuation(data: dict[str, Any], what: str, seen: set[str]) -> str | None:
    token = field_str(data, "continuation", what, required=False)
    if not token:
        return None
    if token in seen:
        raise SyncProtocolError(f"{what}: the continuation repeats itself")
    seen.add(token)
    return token


def parse_item(raw: Any) -> tuple[RemoteItem, int]:
    """One `stream/contents` item and its crawl time in seconds."""
    what = "an item"
    obj = as_dict(raw, what)
    remote_id = item_id(need_str(obj, "id", what))
    origin = as_dict(obj.get("origin"), what)
    crawled_ms = field_int(obj, "crawlTimeMsec", what, digits_ok=True)
    usec = field_int(obj, "timestampUsec", what, digits_ok=True)
    published = field_int(obj, "published", what)
    crawled = (crawled_ms // 1000) if crawled_ms else (usec // 1_000_000 if usec else 0)
    categories = [c for c in as_list(obj.get("categories", []), what) if isinstance(c, str)]
    html = ""
    for key in ("content", "summary"):
        if key in obj:
            html = field_str(as_dict(obj[key], what), "content", what, required=False) or ""
            if html:
                break
    url = None
    for key in ("canonical", "alternate"):
        for link in as_list(obj.get(key, []), what):
            url = url or web_url(field_str(as_dict(link, what), "href", what, required=False))
    item = RemoteItem(
        remote_id=remote_id,
        feed_remote_id=need_str(origin, "streamId", what),
        title=field_str(obj, "title", what, required=False) or "",
        url=url,
        author=field_str(obj, "author", what, required=False) or None,
        html=html,
        published=published or crawled or int(time.time()),
        read=any(c.endswith("/state/com.google/read") for c in categories),
        starred=any(c.endswith("/state/com.google/starred") for c in categories),
    )
    return item, crawled


__all__ = ["GReaderClient", "SyncAuthError", "item_id", "long_item_id", "parse_item"]
