"""The fetcher's own HTTP/1.1 client (net/http11.py) against scripted servers on loopback:
the framings a feed server may use, keep-alive, answers that are not HTTP, and the URLs it
leaves to httpx because a proxy from the environment takes them."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import random
import shutil
import ssl
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

import httpx
import pytest

from newsreader.core.fetch_records import FetchResult
from newsreader.core.net import http11, wire
from newsreader.core.net.fetch import FetchConfig, Fetcher
from newsreader.core.net.http11 import _Target
from newsreader.core.net.proxied import ProxiedClients
from tests.support.loopback import LoopbackServer
from tests.support.unreachable import proxy_from_env

FEED = b"<rss version='2.0'><channel><title>T</title></channel></rss>"
NO_RETRY = FetchConfig(connect_timeout=2, read_timeout=2, deadline=5, retries=0)

# One answer per request: the raw bytes to send, and whether to close the connection after.
Answer = Callable[[int], tuple[bytes, bool]]


@dataclass
class Scripted:
    url: str
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    piece: int = 0  # >0: each answer is written this many bytes at a time, with pauses


Start = Callable[[Answer], Awaitable[Scripted]]


@pytest.fixture
async def scripted() -> AsyncIterator[Start]:
    """Starts a server that reads each request's head and sends what `answer` says."""
    servers: list[asyncio.Server] = []

    async def start(answer: Answer) -> Scripted:
        record = Scripted(url="")

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            record.connections += 1
            try:
                while True:
                    record.requests.append(await reader.readuntil(b"\r\n\r\n"))
                    data, close = answer(len(record.requests))
                    step = record.piece or len(data) or 1
                    for start in range(0, len(data), step):
                        writer.write(data[start : start + step])
                        await writer.drain()
                        if record.piece:
                            await asyncio.sleep(0.002)
                    if close:
                        break
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        servers.append(server)
        record.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/feed.xml"
        return record

    yield start
    for server in servers:
        server.close()


def ok(body: bytes = FEED, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


async def fetch_all(*urls: str, config: FetchConfig = NO_RETRY) -> list[FetchResult]:
    async with Fetcher(config) as fetcher:
        return [await fetcher.fetch(url) for url in urls]


# --- framings -------------------------------------------------------------------------------


async def test_chunked_body_with_extensions_and_trailers(scripted: Start) -> None:
    body = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"a;name=value\r\n<rss versi\r\n"
        + b"%x\r\n%s\r\n" % (len(FEED) - 10, FEED[10:])
        + b"0\r\nX-Trailer: 1\r\n\r\n"
    )
    server = await scripted(lambda n: (body, False))
    (result,) = await fetch_all(server.url)
    assert result.ok and result.body == FEED


async def test_an_answer_arriving_a_few_bytes_at_a_time(scripted: Start) -> None:
    """Head ends, chunk-size lines and chunk ends split across reads; then the next request
    on the same connection."""
    body = FEED * 3
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (body[:7], body[7:100], body[100:]))
    answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked + b"0\r\n\r\n"
    server = await scripted(lambda n: (answer, False))
    server.piece = 5
    results = await fetch_all(server.url, server.url)
    assert [r.body for r in results] == [body, body]
    assert server.connections == 1


async def test_a_body_bigger_than_the_receive_queue_arrives_whole(
    server: LoopbackServer,
) -> None:
    """The socket is paused while 256 KB wait unread, and read again as the body is taken."""
    body = bytes(range(256)) * (3 * 1024 * 1024 // 256)
    (result,) = await fetch_all(server.route("/big.xml", body))
    assert result.ok and result.body == body


async def test_bare_line_feeds_and_folded_headers_are_read(
    scripted: Start,
) -> None:
    head = b"HTTP/1.1 200 OK\nX-Long: one\n  two\nContent-Length: %d\n\n" % len(FEED)
    server = await scripted(lambda n: (head + FEED, False))
    (result,) = await fetch_all(server.url)
    assert result.ok and result.body == FEED
    assert result.headers["x-long"] == "one two"


async def test_informational_answer_before_the_real_one(scripted: Start) -> None:
    server = await scripted(lambda n: (b"HTTP/1.1 100 Continue\r\n\r\n" + ok(), False))
    (result,) = await fetch_all(server.url)
    assert result.status == 200 and result.body == FEED


async def test_body_read_to_the_close_and_that_connection_not_reused(
    scripted: Start,
) -> None:
    server = await scripted(lambda n: (b"HTTP/1.0 200 OK\r\n\r\n" + FEED, True))
    results = await fetch_all(server.url, server.url)
    assert [r.body for r in results] == [FEED, FEED]
    assert server.connections == 2


async def test_repeated_headers_are_joined_like_httpx(scripted: Start) -> None:
    extra = b"Vary: Accept\r\nVary: Cookie\r\n"
    server = await scripted(lambda n: (ok(extra=extra), False))
    (result,) = await fetch_all(server.url)
    assert result.headers["vary"] == "Accept, Cookie"


# --- keep-alive -----------------------------------------------------------------------------


async def test_one_connection_serves_requests_in_turn(scripted: Start) -> None:
    server = await scripted(lambda n: (ok(), False))
    results = await fetch_all(server.url, server.url, server.url)
    assert all(r.ok for r in results)
    assert server.connections == 1 and len(server.requests) == 3


async def test_connection_close_is_honoured(scripted: Start) -> None:
    server = await scripted(lambda n: (ok(extra=b"Connection: close\r\n"), False))
    results = await fetch_all(server.url, server.url)
    assert all(r.ok for r in results)
    assert server.connections == 2


async def test_a_kept_connection_dropped_on_the_next_request_is_replaced_at_once(
    scripted: Start,
) -> None:
    """The server takes the second request on the kept connection and hangs up without an
    answer (an idle timeout racing our request): sent again on a new connection, with no retry
    left to spend and no back-off."""
    server = await scripted(lambda n: (b"", True) if n == 2 else (ok(), False))
    results = await fetch_all(server.url, server.url)
    assert [r.body for r in results] == [FEED, FEED], results
    assert server.connections == 2 and len(server.requests) == 3


async def test_https_with_a_trusted_certificate_keeps_its_connection(tmp_path: Path) -> None:
    """TLS under the client's connection protocol: verified (host name included), read whole,
    and the connection kept for the next request."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    command = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
    san = ["-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        [*command.split(), *san, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    connections = 0
    body = FEED * 2000  # larger than one TLS record

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(ok(body))
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=server_side)
    url = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}/feed.xml"
    trusting = ssl.create_default_context(cafile=str(cert))
    client = http11.Client(
        connect_timeout=2, read_timeout=2, user_agent="test", max_idle=1, tls=lambda: trusting
    )
    try:
        for _ in range(2):
            async with client.stream(url, {}) as resp:
                assert resp.status == 200
                assert b"".join([piece async for piece in resp.aiter_raw()]) == body
    finally:
        await client.aclose()
        server.close()
    assert connections == 1


# --- what is not HTTP -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "not an HTTP/1.x response"),
        (
            b"HTTP/1.1 200 OK\r\nX-Bad: a\x00b\r\nContent-Length: 3\r\n\r\nabc",
            "NUL or CR in a header",
        ),
        (
            b"HTTP/1.1 200 OK\r\nBad Header: 1\r\nContent-Length: 3\r\n\r\nabc",
            "malformed header line",
        ),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\nabc", "invalid Content-Length"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc", "unsupported Transfer-Encoding"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "malformed chunk size"),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n+3\r\nabc\r\n0\r\n\r\n",
            "malformed chunk size",
        ),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\ntoo short", None),
        (
            b"HTTP/1.1 200 OK\r\nX-Big: " + b"x" * 200_000 + b"\r\n\r\n",
            "response head or framing line too long",
        ),
    ],
    ids=["not-http", "nul", "name", "lengths", "coding", "chunk", "signed", "short", "huge-head"],
)
async def test_a_broken_answer_is_one_clean_line(
    scripted: Start, answer: bytes, says: str | None
) -> None:
    """An answer that breaks the rules says so (it was "server closed the connection
    unexpectedly" as for one cut short, and tried again: a helper's review)."""
    server = await scripted(lambda n: (answer, True))
    (result,) = await fetch_all(server.url)
    expected = (
        f"malformed response ({says})" if says else "server closed the connection unexpectedly"
    )
    assert result.error == expected
    assert result.body is None


# --- requests -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org",
        "http://example.org/a/./b/../c?x=1&y=ä ö#frag",
        'http://example.org/pfad mit leerzeichen/{x}`?q="<>',
        "http://example.org/%7Efoo/%zz?%41",
        "https://example.org:443/x?",
        "http://[::1]:8080/v6",
        "http://Bücher.example/straße",
        "http://example.org/..",
        "http://example.org/a/b/.",
        "http://example.org/a?#frag?x",
        "http://example.org/nbsp\xa0and\u2028",
    ],
)
def test_request_target_and_host_are_the_ones_httpx_sends(url: str) -> None:
    ours, theirs = _Target(url), httpx.URL(url)
    assert ours.target == theirs.raw_path.decode("ascii")
    assert ours.host_header == theirs.netloc.decode("ascii")


async def test_a_validator_outside_ascii_goes_back_as_it_came(scripted: Start) -> None:
    etag = '"v-ä"'.encode()
    record: list[bytes] = []

    def answer(n: int) -> tuple[bytes, bool]:
        if n == 1:
            return ok(extra=b"ETag: " + etag + b"\r\n"), False
        record.append(server.requests[-1])
        return b"HTTP/1.1 304 Not Modified\r\n\r\n", False

    server = await scripted(answer)
    async with Fetcher(NO_RETRY) as fetcher:
        first = await fetcher.fetch(server.url)
        second = await fetcher.fetch(server.url, etag=first.etag)
    assert first.etag == '"v-ä"' and second.status == 304
    assert b"\r\nIf-None-Match: " + etag + b"\r\n" in record[0]


@pytest.mark.parametrize(
    "url", ["http://example.org/\ud800", "http://example.org/a\x7fb", "http://example.org:99999/"]
)
async def test_a_url_no_request_can_carry_is_one_clean_line(url: str) -> None:
    (result,) = await fetch_all(url)
    assert result.error == "invalid URL" and result.status is None


async def test_user_info_in_the_url_is_sent_as_basic_credentials(
    scripted: Start,
) -> None:
    server = await scripted(lambda n: (ok(), False))
    url = server.url.replace("http://", "http://leser:geheim%21@")
    (result,) = await fetch_all(url)
    assert result.ok
    expected = base64.b64encode(b"leser:geheim!")
    assert b"\r\nAuthorization: Basic " + expected + b"\r\n" in server.requests[0]


# --- proxies from the environment -----------------------------------------------------------


async def test_a_proxy_from_the_environment_carries_the_request(
    scripted: Start, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fetcher's direct client ignores proxies: a URL the environment's proxy takes must
    go to that proxy (here a scripted one that answers itself), one NO_PROXY names must not."""
    proxy = await scripted(lambda n: (ok(b"<rss>from the proxy</rss>"), False))
    direct = server.route("/direct.xml", FEED)
    proxy_from_env(monkeypatch, "http_proxy", proxy.url.rsplit("/", 1)[0], "localhost")
    far, near = "http://feeds.example.org/rss.xml", direct.replace("127.0.0.1", "localhost")
    proxied, direct_result = await fetch_all(far, near)
    assert proxied.body == b"<rss>from the proxy</rss>"
    assert proxy.requests[0].startswith(b"GET http://feeds.example.org/rss.xml HTTP/1.1\r\n")
    assert direct_result.body == FEED and server.hits["/direct.xml"] == 1


async def test_a_no_proxy_network_keeps_its_addresses_off_the_proxy(
    scripted: Start, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NO_PROXY names a network as curl does (127.0.0.0/8): httpx 0.28 reads it but matches no
    address against it, so a feed on loopback went to the proxy and failed there."""
    proxy = await scripted(lambda n: (ok(b"<rss>from the proxy</rss>"), False))
    direct = server.route("/direct.xml", FEED)
    proxy_from_env(
        monkeypatch, "http_proxy", proxy.url.rsplit("/", 1)[0], "example.net,127.0.0.0/8"
    )
    proxied, direct_result = await fetch_all("http://feeds.example.org/rss.xml", direct)
    assert proxied.body == b"<rss>from the proxy</rss>"
    assert direct_result.body == FEED and server.hits["/direct.xml"] == 1
    assert len(proxy.requests) == 1


@pytest.mark.parametrize(
    ("no_proxy", "url", "through_proxy"),
    [
        ("10.0.0.0/8", "http://10.20.30.40/feed", False),
        ("10.0.0.0/8", "http://11.0.0.1/feed", True),
        ("10.0.0.0/8", "http://zehn.example/feed", True),
        ("10.1.2.3/8", "https://10.9.9.9/feed", False),  # host bits set: still the network
        ("fd00::/8", "http://[fd12::1]/feed", False),
        ("fd00::/8", "http://[2001:db8::1]/feed", True),
        ("10.0.0.0/33", "http://10.0.0.1/feed", True),  # not a network: ignored
        ("fd00::/200", "http://[fd00::1]/feed", True),  # the same, and no crash
    ],
)
def test_no_proxy_networks_hold_their_addresses(
    no_proxy: str, url: str, through_proxy: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy_from_env(monkeypatch, "all_proxy", "http://127.0.0.1:9", no_proxy)
    clients = ProxiedClients(
        connect_timeout=1,
        read_timeout=1,
        pool_timeout=1,
        per_host=1,
        user_agent="newsreader-test",
        cookies=CookieJar(),
    )
    assert clients.applies(url) is through_proxy


def test_a_fetch_without_a_proxy_does_not_load_httpx(server: LoopbackServer) -> None:
    """httpx and its stack are 13 MB of the refresh's main process: only a proxy needs them."""
    url = server.route("/feed.xml", FEED)
    script = textwrap.dedent(
        f"""
        import sys
        from newsreader.core.net.fetch import fetch_sync
        result = fetch_sync({url!r})
        assert result.body == {FEED!r}, result
        stack = ("httpx", "httpcore", "h11", "anyio")
        print(sorted(m for m, v in sys.modules.items() if v and m.split(".")[0] in stack))
        """
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- the head parser against h11's -----------------------------------------------------------

_STATUS_LINES = [b"HTTP/1.1 200 OK", b"HTTP/1.1 304", b"HTTP/1.0 200 OK", b"HTTP/2 200"]
_STATUS_LINES += [
    b"HTTP/1.1 99 X",
    b"HTTP/1.1 200 O\x01K",
    b"http/1.1 200 OK",
    b"HTTP/1.1 200 \xe4",
]
_HEADER_LINES = [
    *(b"Content-Type: text/xml", b"X-A: 1", b"X-A: 2", b"X-B:", b"X-C :1", b" folded"),
    *(b"X-D: a\x01b", b"X-E: a\x00b", b"Bad@Name: 1", b"Content-Length: 5", b"X-J: a\rb"),
    *(b"Content-Length: 5, 6", b"Content-Length: x", b"Transfer-Encoding: chunked"),
    *(b"Transfer-Encoding: gzip, chunked", b"X-H: a  b", b":novalue", b"X-K: \x7f"),
]


def _h11_verdict(data: bytes) -> tuple[int, dict[str, str]] | None:
    import h11

    client = h11.Connection(h11.CLIENT)
    client.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
    client.send(h11.EndOfMessage())
    client.receive_data(data)
    try:
        event = client.next_event()
    except h11.RemoteProtocolError:
        return None
    assert isinstance(event, h11.Response), event
    headers: dict[str, str] = {}
    for name, value in event.headers:
        key, text = name.decode().lower(), value.decode()
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    if "content-length" in headers:  # h11 keeps one of equal lengths; we keep what came
        headers["content-length"] = headers["content-length"].split(",")[0]
    return event.status_code, headers


async def test_heads_are_taken_or_refused_as_h11_does() -> None:
    """httpx read responses through h11: a head it took must be taken alike, and one it
    refused refused, on 3,000 heads made of lines that servers get wrong."""
    rng = random.Random(2026)
    for _ in range(3000):
        lines = [rng.choice(_STATUS_LINES)]
        lines += [rng.choice(_HEADER_LINES) for _ in range(rng.randint(0, 4))]
        end = rng.choice([b"\r\n", b"\n"])
        data = end.join(lines) + end + end + b"hello"
        connection = wire.Connection()
        connection.data_received(data)
        connection.eof_received()
        response = wire.Response(connection, 1.0)
        try:
            await response.read_head()
            ours: tuple[int, dict[str, str]] | None = (response.status, response.headers)
            if "content-length" in response.headers:
                response.headers["content-length"] = response.headers["content-length"].split(",")[
                    0
                ]
        except wire.HttpError:
            ours = None
        assert ours == _h11_verdict(data), data
