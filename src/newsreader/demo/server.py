"""A loopback web server for the sample edition, running in a thread of our own process.

It listens on 127.0.0.1 only, on a port the OS picks, so `newsreader --demo` needs no network
and can never be reached from outside. Every response is rendered once at start-up; feeds
carry an ETag so the reader's conditional GETs get 304 like from a well-behaved publisher.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from newsreader.demo.audio import audio_path, tone_wav
from newsreader.demo.edition import Edition, load_edition
from newsreader.demo.pages import (
    article_path,
    feed_path,
    render_article,
    render_index,
    render_service_page,
)
from newsreader.demo.syndication import render_feed, render_opml

HOST = "127.0.0.1"
_HTML = "text/html; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Resource:
    body: bytes
    content_type: str
    etag: str


def _resource(body: bytes, content_type: str) -> Resource:
    return Resource(body, content_type, f'"{hashlib.sha1(body).hexdigest()[:20]}"')


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    wanted = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in wanted or etag in wanted


class DemoServer:
    """The edition at http://127.0.0.1:PORT/: `/`, `/feeds/<name>.xml`, `/artikel/<slug>`,
    `/edition.opml`."""

    def __init__(self, *, now: datetime | None = None) -> None:
        self.edition: Edition = load_edition(now)
        self.resources: dict[str, Resource] = {}
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> DemoServer:
        if self._httpd is not None:
            return self
        demo = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body are two writes: with Nagle on, each answer on a kept-alive
            # connection waits out the client's delayed ACK (40 ms).
            disable_nagle_algorithm = True
            server_version = "newsreader-demo"

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the reader owns the terminal

            def do_GET(self) -> None:
                demo._answer(self, head=False)

            def do_HEAD(self) -> None:
                demo._answer(self, head=True)

        httpd = ThreadingHTTPServer((HOST, 0), Handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self.resources = self._render()
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="newsreader-demo-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- addresses ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("DemoServer is not running: call start() first")
        return int(self._httpd.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"http://{HOST}:{self.port}{path}"

    def feed_urls(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """(url, title, tags) of every feed of the edition, for subscribing."""
        return [(self.url(feed_path(f.name)), f.title, f.tags) for f in self.edition.feeds]

    def article_urls(self) -> list[str]:
        return [self.url(article_path(a.slug)) for a in self.edition.articles]

    # --- serving -----------------------------------------------------------------------------

    def _render(self) -> dict[str, Resource]:
        edition, link = self.edition, self.url
        out: dict[str, Resource] = {"/": _resource(render_index(edition, link).encode(), _HTML)}
        for spec in edition.feeds:
            kind = "application/atom+xml" if spec.format == "atom" else "application/rss+xml"
            out[feed_path(spec.name)] = _resource(
                render_feed(edition, spec, link), f"{kind}; charset={spec.encoding}"
            )
        for article in edition.articles:
            html = render_article(edition, article, link)
            out[article_path(article.slug)] = _resource(html.encode(), _HTML)
            if article.audio_seconds:
                wav = tone_wav(article.audio_seconds)
                out[audio_path(article.slug)] = _resource(wav, "audio/wav")
        out["/edition.opml"] = _resource(render_opml(edition, link), "text/x-opml; charset=utf-8")
        for path, title in (("/impressum", "Impressum"), ("/datenschutz", "Datenschutz")):
            out[path] = _resource(render_service_page(edition, title).encode(), _HTML)
        return out

    def _answer(self, handler: BaseHTTPRequestHandler, *, head: bool) -> None:
        path = urlsplit(handler.path).path or "/"
        with self._lock:
            self.hits[path] = self.hits.get(path, 0) + 1
        resource = self.resources.get(path)
        if resource is None:
            page = render_service_page(self.edition, "Seite nicht gefunden").encode()
            self._send(handler, 404, {"Content-Type": _HTML}, page, head=head)
            return
        headers = {"ETag": resource.etag, "Cache-Control": "no-cache"}
        if _etag_matches(handler.headers.get("If-None-Match"), resource.etag):
            self._send(handler, 304, headers, b"", head=True)
            return
        headers["Content-Type"] = resource.content_type
        self._send(handler, 200, headers, resource.body, head=head)

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler,
        status: int,
        headers: dict[str, str],
        body: bytes,
        *,
        head: bool,
    ) -> None:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        if status != 304:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if not head:
            handler.wfile.write(body)
