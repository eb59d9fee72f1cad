"""The network layer against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from newsreader import __version__
from newsreader.core.fetch_records import FetchResult
from newsreader.core.net.fetch import FetchConfig, Fetcher, fetch_sync
from newsreader.core.net.urls import host_key, is_web_url
from tests.support.loopback import LoopbackServer

FAST = FetchConfig(
    connect_timeout=2,
    read_timeout=2,
    deadline=5,
    retries=2,
    backoff_base=0.01,
    backoff_cap=0.05,
)
FEED = b"<rss version='2.0'><channel><title>t</title></channel></rss>"


async def get(
    url: str,
    config: FetchConfig = FAST,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int | None = None,
) -> FetchResult:
    async with Fetcher(config) as fetcher:
        return await fetcher.fetch(url, etag=etag, last_modified=last_modified, max_bytes=max_bytes)


def one_line(result: FetchResult) -> str:
    assert result.error is not None, result
    assert "\n" not in result.error and result.error.strip() == result.error
    assert result.body is None
    return result.error


def sent(server: LoopbackServer, path: str) -> list[dict[str, str]]:
    return [headers for p, headers in server.requests if p == path]


# --- helpers -----------------------------------------------------------------------------


def test_is_web_url() -> None:
    assert is_web_url("https://example.org/feed")
    assert is_web_url("HTTP://example.org")
    for bad in ("ftp://example.org/", "file:///etc/passwd", "javascript:alert(1)", "http://", ""):
        assert not is_web_url(bad), bad


def test_host_key_includes_default_port() -> None:
    assert host_key("https://Example.org/a") == "example.org:443"
    assert host_key("http://example.org/a") == "example.org:80"
    assert host_key("http://example.org:8080/a") == "example.org:8080"


# --- success paths -----------------------------------------------------------------------


async def test_plain_fetch_sends_user_agent_and_returns_lowercased_headers(
    server: LoopbackServer,
) -> None:
    url = server.route("/feed.xml", FEED, headers={"X-Custom": "1"})
    result = await get(url)
    assert result.ok and result.status == 200 and result.body == FEED
    assert result.final_url == url and result.permanent_url is None
    assert result.headers["content-type"] == "application/xml; charset=utf-8"
    assert result.headers["x-custom"] == "1"
    (headers,) = sent(server, "/feed.xml")
    assert headers["User-Agent"] == f"newsreader/{__version__} (+terminal news reader)"


async def test_etag_round_trip_gives_304_without_body(server: LoopbackServer) -> None:
    url = server.route("/feed.xml", FEED, etag='"v1"')
    first = await get(url)
    assert first.status == 200 and first.etag == '"v1"'
    second = await get(url, etag=first.etag)
    assert second.status == 304 and second.not_modified and second.body is None
    assert second.error is None and second.etag == '"v1"'
    assert [h.get("If-None-Match") for h in sent(server, "/feed.xml")] == [None, '"v1"']


async def test_last_modified_round_trip_gives_304(server: LoopbackServer) -> None:
    stamp = "Wed, 01 May 2024 10:00:00 GMT"
    url = server.route("/feed.xml", FEED, last_modified=stamp)
    first = await get(url)
    assert first.status == 200 and first.last_modified == stamp
    second = await get(url, last_modified=first.last_modified)
    assert second.status == 304 and second.body is None
    assert second.last_modified == stamp
    assert sent(server, "/feed.xml")[1]["If-Modified-Since"] == stamp


async def test_gzip_body_is_decompressed(server: LoopbackServer) -> None:
    url = server.route("/feed.xml", FEED * 50, gzip=True)
    result = await get(url)
    assert result.ok and result.body == FEED * 50
    assert sent(server, "/feed.xml")[0]["Accept-Encoding"] == "gzip, deflate"


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
async def test_deflate_body_is_decompressed(server: LoopbackServer, wbits: int) -> None:
    def handler(_: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        packer = zlib.compressobj(wbits=wbits)
        return 200, {"Content-Encoding": "deflate"}, packer.compress(FEED) + packer.flush()

    result = await get(server.route("/d", handler=handler))
    assert result.ok and result.body == FEED


async def test_corrupt_gzip_is_one_clean_error(server: LoopbackServer) -> None:
    def handler(_: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Encoding": "gzip"}, b"this is not gzip at all"

    assert "decompress" in one_line(await get(server.route("/bad", handler=handler)))


def test_fetch_sync_runs_one_fetch(server: LoopbackServer) -> None:
    result = fetch_sync(server.route("/feed.xml", FEED), config=FAST)
    assert result.ok and result.body == FEED


# --- redirects ---------------------------------------------------------------------------


async def test_redirect_chain_is_followed_and_temporary_hop_is_not_permanent(
    server: LoopbackServer,
) -> None:
    start = server.route("/a", status=302, headers={"Location": "/b"})
    server.route("/b", status=301, headers={"Location": server.url("/c")})
    server.route("/c", FEED)
    result = await get(start)
    assert result.ok and result.body == FEED
    assert result.url == start and result.final_url == server.url("/c")
    assert result.permanent_url is None
    assert [server.hits[p] for p in ("/a", "/b", "/c")] == [1, 1, 1]


async def test_a_cookie_set_on_a_redirect_is_sent_to_its_target(server: LoopbackServer) -> None:
    """Consent walls set a cookie and redirect on: the jar still takes cookies, though it only
    looks at responses that set one."""

    def gated(req: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if "consent=yes" in (req.headers.get("Cookie") or ""):
            return 200, {"Content-Type": "application/rss+xml"}, FEED
        return 403, {}, b"no consent"

    server.route("/gated", handler=gated)
    url = server.route(
        "/consent", status=302, headers={"Location": "/gated", "Set-Cookie": "consent=yes; Path=/"}
    )
    result = await get(url)
    assert result.ok and result.body == FEED
    assert [h.get("Cookie") for h in sent(server, "/gated")] == ["consent=yes"]


async def test_all_permanent_hops_report_permanent_url(server: LoopbackServer) -> None:
    start = server.route("/old", status=301, headers={"Location": "/older"})
    server.route("/older", status=308, headers={"Location": "/new"})
    server.route("/new", FEED)
    result = await get(start)
    assert result.ok and result.permanent_url == server.url("/new")


async def test_single_302_has_no_permanent_url(server: LoopbackServer) -> None:
    start = server.route("/tmp", status=302, headers={"Location": "/new"})
    server.route("/new", FEED)
    result = await get(start)
    assert result.ok and result.final_url == server.url("/new") and result.permanent_url is None


def chain(server: LoopbackServer, hops: int) -> str:
    for i in range(hops):
        server.route(f"/r{i}", status=302, headers={"Location": f"/r{i + 1}"})
    server.route(f"/r{hops}", FEED)
    return server.url("/r0")


async def test_five_redirects_are_followed(server: LoopbackServer) -> None:
    result = await get(chain(server, 5))
    assert result.ok and result.final_url == server.url("/r5")


async def test_six_redirects_are_refused(server: LoopbackServer) -> None:
    result = await get(chain(server, 6))
    assert one_line(result) == "too many redirects (more than 5)"
    assert "/r6" not in server.hits


async def test_redirect_loop_is_detected(server: LoopbackServer) -> None:
    start = server.route("/x", status=302, headers={"Location": "/y"})
    server.route("/y", status=302, headers={"Location": "/x"})
    assert "redirect loop" in one_line(await get(start))
    assert server.hits == {"/x": 1, "/y": 1}


async def test_unparsable_redirect_target_is_one_clean_line(server: LoopbackServer) -> None:
    start = server.route("/odd", status=302, headers={"Location": "http://[::1/feed"})
    assert one_line(await get(start)) == "invalid redirect target"


@pytest.mark.parametrize(
    ("target", "scheme"),
    [
        ("file:///etc/passwd", "file"),
        ("ftp://example.org/f", "ftp"),
        ("javascript:alert(1)", "javascript"),
    ],
)
async def test_redirect_to_non_web_scheme_is_refused(
    server: LoopbackServer, target: str, scheme: str
) -> None:
    start = server.route("/evil", status=302, headers={"Location": target})
    assert one_line(await get(start)) == f"refusing to follow redirect to {scheme}: URL"


# --- HTTP errors, retries, Retry-After ---------------------------------------------------


async def test_404_is_not_retried(server: LoopbackServer) -> None:
    result = await get(server.route("/missing", b"nope", status=404))
    assert one_line(result) == "HTTP 404 Not Found" and result.status == 404
    assert server.hits["/missing"] == 1


async def test_410_gone(server: LoopbackServer) -> None:
    result = await get(server.route("/gone", status=410))
    assert one_line(result) == "HTTP 410 Gone" and result.status == 410
    assert server.hits["/gone"] == 1


Handler = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


def counting_handler(statuses: list[tuple[int, dict[str, str]]]) -> Handler:
    """Answers with the given (status, headers) in turn, then 200 with FEED."""
    calls = iter(statuses)

    def handler(_: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        status, headers = next(calls, (200, {}))
        return status, headers, FEED if status == 200 else b"busy"

    return handler


async def test_429_short_retry_after_is_honoured(server: LoopbackServer) -> None:
    # The backoff is set far longer than the test's timeout: only Retry-After: 0 can be used.
    slow_backoff = FetchConfig(backoff_base=600, backoff_cap=600, retries=2)
    url = server.route("/rl", handler=counting_handler([(429, {"Retry-After": "0"})]))
    result = await asyncio.wait_for(get(url, slow_backoff), timeout=10)
    assert result.ok and result.body == FEED
    assert server.hits["/rl"] == 2


async def test_429_long_retry_after_is_returned_not_slept(server: LoopbackServer) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    url = server.route("/rl", status=429, headers={"Retry-After": later})
    result = await get(url)
    assert result.status == 429 and "HTTP 429 Too Many Requests" in one_line(result)
    assert result.retry_after is not None and 3500 < result.retry_after <= 3600
    assert server.hits["/rl"] == 1


async def test_503_long_retry_after_seconds_is_returned(server: LoopbackServer) -> None:
    url = server.route("/busy", status=503, headers={"Retry-After": "120"})
    result = await get(url)
    assert result.status == 503 and result.retry_after == 120
    assert one_line(result).startswith("HTTP 503 Service Unavailable")
    assert server.hits["/busy"] == 1


async def test_500_is_retried_then_succeeds(server: LoopbackServer) -> None:
    url = server.route("/flaky", handler=counting_handler([(500, {}), (502, {})]))
    result = await get(url)
    assert result.ok and result.body == FEED
    assert server.hits["/flaky"] == 3


async def test_500_gives_up_after_retries(server: LoopbackServer) -> None:
    result = await get(server.route("/down", status=500))
    assert one_line(result) == "HTTP 500 Internal Server Error"
    assert server.hits["/down"] == FAST.retries + 1


# --- timeouts ----------------------------------------------------------------------------


async def test_slow_response_hits_read_timeout(server: LoopbackServer) -> None:
    config = FetchConfig(read_timeout=0.2, deadline=5, retries=0)
    result = await get(server.route("/slow", FEED, delay=1.0), config)
    assert one_line(result) == "timed out after 0.2 s waiting for an answer"


async def test_a_head_then_silence_hits_the_read_timeout(server: LoopbackServer) -> None:
    # The head and the body's first byte came at once; the second is what the timeout stops.
    config = FetchConfig(read_timeout=0.2, deadline=5, retries=0)
    result = await get(server.route("/stalls", FEED, trickle=1.0), config)
    assert one_line(result) == "timed out after 0.2 s reading"


async def test_trickling_body_is_stopped_by_the_deadline(server: LoopbackServer) -> None:
    # Each byte arrives well within the read timeout; only the overall deadline stops it.
    config = FetchConfig(read_timeout=2, deadline=0.5, retries=0)
    result = await get(server.route("/trickle", b"x" * 400, trickle=0.02), config)
    assert one_line(result) == "timed out after 0.5 s overall (server too slow)"


async def test_waiting_for_a_busy_host_does_not_count_against_the_deadline(
    server: LoopbackServer,
) -> None:
    # Four requests in single file take ~1.2 s in all; each one alone takes 0.3 s.
    url = server.route("/queue", FEED, delay=0.3)
    config = FetchConfig(per_host=1, deadline=0.8, retries=0)
    async with Fetcher(config) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(url) for _ in range(4)))
    assert [r.error for r in results] == [None] * 4
    assert server.hits["/queue"] == 4


# --- size cap ----------------------------------------------------------------------------


async def test_content_length_over_cap_is_refused_before_reading(
    server: LoopbackServer,
) -> None:
    # Reading this body would take 50 s and hit the deadline; the header alone must decide.
    url = server.route("/big", b"x" * 5000, trickle=0.01)
    result = await get(url, max_bytes=1000)
    assert one_line(result) == "response larger than 1000 bytes"


async def test_gzip_bomb_is_stopped_at_the_cap(server: LoopbackServer) -> None:
    url = server.route("/bomb", b"\0" * (8 * 1024 * 1024), gzip=True)
    config = FetchConfig(max_bytes=1024 * 1024, retries=0)
    result = await get(url, config)
    assert one_line(result) == "response larger than 1 MB"
    assert result.status == 200


async def test_default_cap_message(server: LoopbackServer) -> None:
    url = server.route("/bomb", b"\0" * (11 * 1024 * 1024), gzip=True)
    assert one_line(await get(url)) == "response larger than 10 MB"


@pytest.fixture
async def endless_server() -> AsyncIterator[tuple[str, list[int]]]:
    """A real server whose chunked body never ends and carries no Content-Length."""
    sent_bytes = [0]

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
        writer.write(b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"y" * 16384
        try:
            while sent_bytes[0] < 64 * 1024 * 1024:
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
                sent_bytes[0] += len(chunk)
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    srv = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/stream", sent_bytes
    finally:
        srv.close()


async def test_body_without_length_is_stopped_at_the_cap(
    endless_server: tuple[str, list[int]],
) -> None:
    url, sent_bytes = endless_server
    config = FetchConfig(max_bytes=256 * 1024, retries=0)
    result = await get(url, config)
    assert one_line(result) == "response larger than 256 KB"
    assert sent_bytes[0] < 64 * 1024 * 1024


# --- link previews -----------------------------------------------------------------------


HEAD = b"<html><head><title>Rathaus</title><meta name='description' content='d'></HEAD>"


async def test_fetch_head_stops_after_head(server: LoopbackServer) -> None:
    page = HEAD + b"<body>" + b"z" * 2_000_000 + b"</body></html>"
    url = server.route("/page", page, content_type="text/html")
    async with Fetcher(FAST) as fetcher:
        result = await fetcher.fetch_head(url)
    assert result.ok and result.body is not None
    assert result.body.startswith(HEAD) and len(result.body) <= 256 * 1024


async def test_fetch_head_truncates_at_max_bytes(server: LoopbackServer) -> None:
    url = server.route("/nohead", b"<html>" + b"a" * 100_000, content_type="text/html")
    async with Fetcher(FAST) as fetcher:
        result = await fetcher.fetch_head(url, max_bytes=4096)
    assert result.ok and result.body is not None and len(result.body) == 4096


# --- refused before or at the network ----------------------------------------------------


@pytest.mark.parametrize(
    "url", ["ftp://example.org/feed", "file:///etc/passwd", "javascript:alert(1)", "feed.xml"]
)
async def test_non_web_url_is_refused_without_network(server: LoopbackServer, url: str) -> None:
    result = await get(url)
    assert "http" in one_line(result) and result.status is None
    assert server.requests == []


async def test_refused_connection_is_one_clean_line() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = await get(f"http://127.0.0.1:{port}/feed")
    assert one_line(result) == "connection refused" and result.status is None


async def test_unresolvable_host_is_one_clean_line() -> None:
    result = await get("http://nonexistent.invalid/feed", FetchConfig(retries=0))
    assert one_line(result) == "cannot resolve host nonexistent.invalid"


# --- politeness --------------------------------------------------------------------------


class InFlight:
    """Counts requests the server is handling at the same moment."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self._lock = threading.Lock()

    def handler(self, _: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        time.sleep(0.15)
        with self._lock:
            self.now -= 1
        return 200, {}, FEED


@pytest.mark.parametrize(("global_cap", "per_host", "peak"), [(32, 3, 3), (2, 4, 2)])
async def test_concurrency_caps_hold(
    server: LoopbackServer, global_cap: int, per_host: int, peak: int
) -> None:
    counter = InFlight()
    url = server.route("/c", handler=counter.handler)
    config = FetchConfig(max_concurrency=global_cap, per_host=per_host, retries=0)
    async with Fetcher(config) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(f"{url}?n={i}") for i in range(10)))
    assert all(r.ok for r in results)
    assert counter.peak == peak


@pytest.fixture
def self_signed_https(tmp_path: Path) -> Iterator[str]:
    """An https server on 127.0.0.1 whose certificate no CA signed."""
    import shutil
    import ssl
    import subprocess
    from http.server import ThreadingHTTPServer

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    command = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
    subprocess.run(
        [*command.split(), "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(FEED)))
            self.end_headers()
            self.wfile.write(FEED)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}/feed.xml"
    finally:
        httpd.shutdown()
        httpd.server_close()


async def test_https_certificates_are_verified(
    self_signed_https: str, server: LoopbackServer
) -> None:
    """http hosts get clients that skip loading the CA bundle; https ones must still verify,
    also in a run that has used such an http client first."""
    plain = server.route("/feed.xml", FEED)
    async with Fetcher(FAST) as fetcher:
        assert (await fetcher.fetch(plain)).status == 200
        result = await fetcher.fetch(self_signed_https)
    assert result.body is None
    assert result.error is not None and "certificate" in result.error.lower()
