"""A fake Google Reader API server behaving as FreshRSS 1.24 documents it, quirks included.

ClientLogin answers text lines (SID, LSID, Auth=user/<hex>); every call needs exactly
`Authorization: GoogleLogin auth=<Auth>`; POSTs need the T token (`token` answers it with a
trailing newline); `output=json` is required on the list calls (else it answers XML);
stream/items/ids gives decimal ids, stream/contents the long hex form, and both are taken
back; repeated `i=` come as a form body; feed streams are `feed/<number>`; `continuation` is
absent on the last page; crawlTimeMsec/timestampUsec are strings, `published` a number.

Switches (`faults`) make it a bad server: "html" (a login page instead of JSON),
"wrong_types", "endless" (a continuation that never ends), "too_many_ids", "slow" (sleeps past
any timeout), "unavailable" (503 to everything). `feeds_by_url` names feed streams
`feed/<url>` as The Old Reader does; `miniflux_order` ignores `r=o` as Miniflux does.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

BASE = "/api/greader.php"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
READING_LIST = "user/-/state/com.google/reading-list"
LABEL = "user/-/label/"


@dataclass
class FakeFeed:
    num: int
    url: str
    title: str
    labels: list[str] = field(default_factory=list)
    html_url: str = "http://example.org/"


@dataclass
class FakeItem:
    num: int  # FreshRSS ids are microsecond times: big numbers
    feed: int
    title: str
    url: str
    content: str
    published: int
    crawled_ms: int
    read: bool = False
    starred: bool = False


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (timeouts under test) are expected."""


class FakeGReader:
    def __init__(self, *, user: str = "alice", api_password: str = "api-secret-1") -> None:
        self.users = {user: api_password}
        self.feeds: dict[int, FakeFeed] = {}
        self.items: dict[int, FakeItem] = {}
        self.latency = 0.0
        self.faults: set[str] = set()
        self.feeds_by_url = False
        # Miniflux sorts stream/contents newest first whatever `r` asks for.
        self.miniflux_order = False
        self.calls: list[tuple[str, str]] = []  # (method, path after /reader/api/0/)
        self.edits: list[dict[str, list[str]]] = []
        self.feed_edits: list[dict[str, list[str]]] = []  # subscription/edit with ac=edit
        self.token = "Z" * 57
        self._auths: set[str] = set()
        self._lock = threading.Lock()
        self._next_item = 1_700_000_000_000_000
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body are two writes: with Nagle on, each answer on a kept-alive
            # connection waits out the client's delayed ACK (40 ms).
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._serve(self, "GET")

            def do_POST(self) -> None:
                fake._serve(self, "POST")

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}{BASE}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- test set-up --------------------------------------------------------------------------

    def start(self) -> FakeGReader:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def add_feed(self, url: str, title: str, labels: list[str] | None = None) -> FakeFeed:
        feed = FakeFeed(max(self.feeds, default=0) + 1, url, title, labels or [])
        self.feeds[feed.num] = feed
        return feed

    def add_item(
        self,
        feed: FakeFeed,
        title: str,
        url: str,
        *,
        content: str = "<p>Text</p>",
        published: int | None = None,
        crawled: float | None = None,
        read: bool = False,
        starred: bool = False,
    ) -> FakeItem:
        with self._lock:
            self._next_item += 1_000
            num = self._next_item
        when = int(time.time()) if published is None else published
        crawled_ms = int((crawled if crawled is not None else time.time()) * 1000)
        item = FakeItem(num, feed.num, title, url, content, when, crawled_ms, read, starred)
        self.items[num] = item
        return item

    def api_calls(self) -> int:
        return len(self.calls)

    # --- serving ------------------------------------------------------------------------------

    def _serve(self, req: BaseHTTPRequestHandler, method: str) -> None:
        if self.latency:
            time.sleep(self.latency)
        if "slow" in self.faults:
            time.sleep(5)
        if "unavailable" in self.faults:  # a server in maintenance, behind its proxy
            self._reply(req, 503, {"Content-Type": "text/html"}, b"<html>503</html>")
            return
        # A server that goes away after its first edit-tag (a push broken part-way)
        if "one_edit" in self.faults and req.path.endswith("/edit-tag") and self.edits:
            self._reply(req, 503, {"Content-Type": "text/html"}, b"<html>503</html>")
            return
        parts = urlsplit(req.path)
        query = _multi(parse_qsl(parts.query, keep_blank_values=True))
        form: dict[str, list[str]] = {}
        if method == "POST":
            length = int(req.headers.get("Content-Length") or 0)
            body = req.rfile.read(length).decode("utf-8")
            form = _multi(parse_qsl(body, keep_blank_values=True))
        path = unquote(parts.path)
        try:
            status, ctype, payload = self._route(req, method, path, query, form)
        except KeyError:
            status, ctype, payload = 400, "text/plain", b"Bad request"
        if "html" in self.faults and path.startswith(BASE + "/reader/"):
            status, ctype = 200, "text/html; charset=utf-8"
            payload = b"<!DOCTYPE html><html><body>Login</body></html>"
        headers = {"Content-Type": ctype}
        if status == 401 and method == "POST" and self._authorised(req):
            headers["X-Reader-Google-Bad-Token"] = "true"
        self._reply(req, status, headers, payload)

    def _reply(
        self, req: BaseHTTPRequestHandler, status: int, headers: dict[str, str], payload: bytes
    ) -> None:
        req.send_response(status)
        for key, value in headers.items():
            req.send_header(key, value)
        req.send_header("Content-Length", str(len(payload)))
        req.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            req.wfile.write(payload)

    def _authorised(self, req: BaseHTTPRequestHandler) -> bool:
        header = req.headers.get("Authorization") or ""
        prefix = "GoogleLogin auth="
        return header.startswith(prefix) and header[len(prefix) :] in self._auths

    def _route(
        self,
        req: BaseHTTPRequestHandler,
        method: str,
        path: str,
        query: dict[str, list[str]],
        form: dict[str, list[str]],
    ) -> tuple[int, str, bytes]:
        if path == BASE + "/accounts/ClientLogin":
            self.calls.append((method, "accounts/ClientLogin"))
            values = form if method == "POST" else query
            user, password = values.get("Email", [""])[0], values.get("Passwd", [""])[0]
            if self.users.get(user) != password:
                return 401, "text/plain", b"Error=BadAuthentication\n"
            auth = f"{user}/{secrets.token_hex(20)}"
            self._auths.add(auth)
            lines = f"SID={auth}\nLSID=null\nAuth={auth}\n"
            return 200, "text/plain; charset=UTF-8", lines.encode()
        prefix = BASE + "/reader/api/0/"
        if not path.startswith(prefix):
            return 404, "text/plain", b"not found"
        call = path[len(prefix) :]
        self.calls.append((method, call))
        if not self._authorised(req):
            return 401, "text/plain", b"Unauthorized!"
        if method == "POST" and form.get("T", [""])[0] != self.token:
            return 401, "text/plain", b"Unauthorized!"
        json_wanted = query.get("output", [""])[0] == "json"
        if call == "token":
            return 200, "text/plain; charset=UTF-8", (self.token + "\n").encode()
        if call in ("subscription/list", "tag/list", "unread-count") and not json_wanted:
            return 200, "text/xml", b"<object><list name='subscriptions'/></object>"
        if call == "subscription/list":
            return self._json(
                {"subscriptions": [self._subscription(f) for f in self.feeds.values()]}
            )
        if call == "tag/list":
            labels = sorted({lab for f in self.feeds.values() for lab in f.labels})
            tags = [{"id": STARRED}] + [{"id": LABEL + lab, "type": "folder"} for lab in labels]
            return self._json({"tags": tags})
        if call == "unread-count":
            unread = sum(1 for i in self.items.values() if not i.read)
            return self._json({"max": unread, "unreadcounts": []})
        if call == "stream/items/ids":
            return self._ids(query)
        if call.startswith("stream/contents/"):
            return self._contents(call[len("stream/contents/") :], query)
        if call == "stream/items/contents" and method == "POST":
            wanted = {_parse_id(i) for i in form.get("i", [])}
            items = [self._item_json(self.items[n]) for n in sorted(wanted) if n in self.items]
            return self._json({"id": "user/-/state/com.google/reading-list", "items": items})
        if call == "edit-tag" and method == "POST":
            self.edits.append(form)
            for raw in form.get("i", []):
                item = self.items.get(_parse_id(raw))
                if item is None:
                    continue
                for tag in form.get("a", []):
                    self._tag(item, tag, True)
                for tag in form.get("r", []):
                    self._tag(item, tag, False)
            return 200, "text/plain", b"OK"
        if call == "subscription/edit" and method == "POST":
            return self._edit_subscription(form)
        return 400, "text/plain", b"Bad request"

    def _edit_subscription(self, form: dict[str, list[str]]) -> tuple[int, str, bytes]:
        """Subscribing names the feed `feed/<url>`; unsubscribing and editing take its stream
        id or `feed/<url>`. Editing as FreshRSS does: `t` renames; a feed sits in one category,
        so the last `a` label moves it there, and an `r` label without an `a` moves it to the
        default category (listed here as no category); an unknown feed is a 400."""
        action, stream = form["ac"][0], form["s"][0]
        if action == "edit":
            feed = next(
                (f for n, f in self.feeds.items() if stream in (f"feed/{n}", f"feed/{f.url}")),
                None,
            )
            if feed is None:
                return 400, "text/plain", b"Bad request"
            self.feed_edits.append(form)
            added = [a[len(LABEL) :] for a in form.get("a", []) if a.startswith(LABEL)]
            if added:
                feed.labels = [added[-1]]
            elif any(r.startswith(LABEL) for r in form.get("r", [])):
                feed.labels = []
            if title := form.get("t", [""])[0]:
                feed.title = title
            return 200, "text/plain", b"OK"
        if action == "subscribe" and stream.startswith("feed/"):
            labels = [a[len(LABEL) :] for a in form.get("a", []) if a.startswith(LABEL)]
            self.add_feed(stream[5:], form.get("t", [stream[5:]])[0], labels)
            return 200, "text/plain", b"OK"
        if action == "unsubscribe":
            for num, feed in list(self.feeds.items()):
                if stream in (f"feed/{num}", f"feed/{feed.url}"):
                    del self.feeds[num]
                    for item_num in [n for n, i in self.items.items() if i.feed == num]:
                        del self.items[item_num]
            return 200, "text/plain", b"OK"
        return 400, "text/plain", b"Bad request"

    def _json(self, data: Any) -> tuple[int, str, bytes]:
        return 200, "application/json; charset=UTF-8", json.dumps(data).encode()

    def _subscription(self, feed: FakeFeed) -> dict[str, Any]:
        return {
            "id": f"feed/{feed.url}" if self.feeds_by_url else f"feed/{feed.num}",
            "title": feed.title,
            "categories": [{"id": LABEL + lab, "label": lab} for lab in feed.labels],
            "url": feed.url,
            "htmlUrl": feed.html_url,
            "iconUrl": "",
        }

    def _tag(self, item: FakeItem, tag: str, on: bool) -> None:
        if tag == READ:
            item.read = on
        elif tag == STARRED:
            item.starred = on

    def _select(self, stream: str, query: dict[str, list[str]]) -> list[FakeItem]:
        items = list(self.items.values())
        if stream == STARRED:
            items = [i for i in items if i.starred]
        elif stream.startswith("feed/"):
            items = [i for i in items if f"feed/{i.feed}" == stream]
        for exclude in query.get("xt", []):
            if exclude == READ:
                items = [i for i in items if not i.read]
        if ot := query.get("ot"):
            items = [i for i in items if i.crawled_ms >= int(ot[0]) * 1000]
        oldest_first = query.get("r", [""])[0] == "o" and not self.miniflux_order
        return sorted(items, key=lambda i: i.num, reverse=not oldest_first)

    def _page(self, items: list[Any], query: dict[str, list[str]]) -> tuple[list[Any], str | None]:
        count = int(query.get("n", ["20"])[0])
        start = int(query.get("c", ["0"])[0] or 0)
        page = items[start : start + count]
        if "endless" in self.faults:
            return page, str(start + 1)
        return page, (str(start + count) if start + count < len(items) else None)

    def _ids(self, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        if "too_many_ids" in self.faults:  # an account with ids beyond any paging limit
            start = int(query.get("c", ["0"])[0] or 0)
            count = int(query.get("n", ["20"])[0])
            refs = [{"id": str(n)} for n in range(start + 1, start + count + 1)]
            return self._json({"itemRefs": refs, "continuation": str(start + count)})
        items = self._select(query.get("s", [READING_LIST])[0], query)
        page, continuation = self._page([{"id": str(i.num)} for i in items], query)
        data: dict[str, Any] = {"itemRefs": page}
        if continuation is not None:
            data["continuation"] = continuation
        return self._json(data)

    def _contents(self, stream: str, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        items = self._select(stream, query)
        page, continuation = self._page(items, query)
        data: dict[str, Any] = {
            "id": stream,
            "updated": int(time.time()),
            "items": [self._item_json(i) for i in page],
        }
        if continuation is not None:
            data["continuation"] = continuation
        return self._json(data)

    def _item_json(self, item: FakeItem) -> dict[str, Any]:
        feed = self.feeds[item.feed]
        categories = [READING_LIST] + [LABEL + lab for lab in feed.labels]
        if item.read:
            categories.append(READ)
        if item.starred:
            categories.append(STARRED)
        data: dict[str, Any] = {
            "id": f"tag:google.com,2005:reader/item/{item.num:016x}",
            "crawlTimeMsec": str(item.crawled_ms),
            "timestampUsec": str(item.crawled_ms * 1000),
            "published": item.published,
            "title": item.title,
            "canonical": [{"href": item.url}],
            "alternate": [{"href": item.url}],
            "categories": categories,
            "origin": {
                "streamId": f"feed/{feed.url}" if self.feeds_by_url else f"feed/{feed.num}",
                "htmlUrl": feed.html_url,
                "title": feed.title,
            },
            "summary": {"content": item.content},
            "author": "Redaktion",
        }
        if "wrong_types" in self.faults:
            data["published"] = "gestern"
            data["origin"] = ["feed/1"]
        return data


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def _parse_id(raw: str) -> int:
    """Both id forms, as FreshRSS accepts them."""
    prefix = "tag:google.com,2005:reader/item/"
    if raw.startswith(prefix):
        return int(raw[len(prefix) :], 16)
    return int(raw)
