"""A real HTTP server on 127.0.0.1 for tests: routes are set per test, hits are counted."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/xml; charset=utf-8"
    delay: float = 0.0  # seconds before answering
    trickle: float = 0.0  # seconds between body bytes (a slow server)
    etag: str | None = None  # answer 304 to a matching If-None-Match
    last_modified: str | None = None  # answer 304 to a matching If-Modified-Since
    gzip: bool = False  # route() compresses the body once and sets Content-Encoding
    # Full control: called with the handler, returns (status, headers, body).
    handler: Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]] | None = None


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up early (timeouts under test) are expected, not worth a trace."""


class LoopbackServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body are two writes: with Nagle on, each answer on a kept-alive
            # connection waits out the client's delayed ACK (40 ms).
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_HEAD(self) -> None:
                self.do_GET()

            def do_GET(self) -> None:
                server._serve(self)

        self.httpd = _QuietServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.host = host
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def route(self, path: str, body: bytes | str = b"", **kwargs: Any) -> str:
        if isinstance(body, str):
            body = body.encode("utf-8")
        route = Route(body=body, **kwargs)
        if route.gzip:  # once here: a big body compressed per request outlasts a read timeout
            route.body, route.gzip = gzip.compress(body), False
            route.headers = {**route.headers, "Content-Encoding": "gzip"}
        self.routes[path] = route
        return self.url(path)

    def _serve(self, req: BaseHTTPRequestHandler) -> None:
        path = req.path
        with self._lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            self.requests.append((path, dict(req.headers.items())))
        route = self.routes.get(path) or self.routes.get(path.split("?", 1)[0])
        if route is None:
            self._send(req, 404, {"Content-Type": "text/plain"}, b"not found")
            return
        if route.delay:
            time.sleep(route.delay)
        if route.handler is not None:
            status, headers, body = route.handler(req)
            self._send(req, status, headers, body)
            return
        headers = {"Content-Type": route.content_type, **route.headers}
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        inm = req.headers.get("If-None-Match")
        ims = req.headers.get("If-Modified-Since")
        if (route.etag and inm == route.etag) or (
            route.last_modified and ims == route.last_modified and not route.etag
        ):
            self._send(req, 304, {k: v for k, v in headers.items() if k != "Content-Type"}, b"")
            return
        self._send(req, route.status, headers, route.body, trickle=route.trickle)

    def _send(
        self,
        req: BaseHTTPRequestHandler,
        status: int,
        headers: dict[str, str],
        body: bytes,
        trickle: float = 0.0,
    ) -> None:
        try:
            req.send_response(status)
            for key, value in headers.items():
                req.send_header(key, value)
            if status != 304:
                req.send_header("Content-Length", str(len(body)))
            req.end_headers()
            if req.command == "HEAD" or status == 304:
                return
            if trickle:
                for i in range(len(body)):
                    req.wfile.write(body[i : i + 1])
                    req.wfile.flush()
                    time.sleep(trickle)
            else:
                req.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def start(self) -> LoopbackServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
