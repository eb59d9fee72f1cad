"""A host that cannot be reached is tried by one fetch, not by every URL on it.

Real sockets on 127.0.0.1 throughout (tests/support/unreachable.py): a port nobody listens on
refuses at once; one that drops every SYN makes a connect wait for its timeout; one that
listens and never accepts takes requests and never answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest

from newsreader.core.fetch_records import FetchResult
from newsreader.core.net import http11
from newsreader.core.net.fetch import FetchConfig, Fetcher
from newsreader.core.net.fetch_failures import host_unreachable
from newsreader.core.net.host_turns import GIVEN_UP
from tests.support.loopback import LoopbackServer
from tests.support.unreachable import (
    BacklogNotFull,
    closed_port,
    dropping_port,
    proxy_from_env,
    silent_port,
)

FAST = FetchConfig(connect_timeout=2, read_timeout=2, deadline=5, retries=2, backoff_base=0.01)
FEED = b"<rss version='2.0'><channel><title>t</title></channel></rss>"
SKIPPED = GIVEN_UP


@contextlib.contextmanager
def dropping() -> Iterator[int]:
    """`dropping_port`, or this test skipped where the kernel cannot make one."""
    try:
        with dropping_port() as port:
            yield port
    except BacklogNotFull as exc:
        pytest.skip(str(exc))


async def requested_path(reader: asyncio.StreamReader) -> bytes:
    request = await reader.readuntil(b"\r\n\r\n")
    return request.split(b" ", 2)[1]


async def answer_with_feed(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(FEED), FEED))
    await writer.drain()
    writer.close()


@contextlib.asynccontextmanager
async def serving(
    handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> AsyncIterator[str]:
    """An asyncio server on a loopback port for the test's own `handler`; its base URL."""
    listening = await asyncio.start_server(handler, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{listening.sockets[0].getsockname()[1]}"
    finally:
        listening.close()


async def fetch_all(config: FetchConfig, urls: list[str]) -> list[FetchResult]:
    async with Fetcher(config) as fetcher:
        return list(await asyncio.gather(*(fetcher.fetch(url) for url in urls)))


async def test_a_refusing_host_is_tried_by_one_fetch_its_other_urls_fail_at_once(
    server: LoopbackServer,
) -> None:
    port = closed_port()
    dead = [f"http://127.0.0.1:{port}/feed{i}.xml" for i in range(8)]
    live = server.route("/feed.xml", FEED)
    *results, beside = await fetch_all(FAST, [*dead, live])
    errors = sorted(r.error or "" for r in results)
    # The first to fail probes the host through its retries; the others wait for that and
    # then fail without a try. Another host is not held up.
    assert errors == ["connection refused"] + ["connection refused" + SKIPPED] * 7
    assert all(r.status is None and r.body is None for r in results)
    assert beside.ok and beside.body == FEED


@pytest.mark.parametrize(
    ("host", "config", "error"),
    [
        (
            dropping,
            FetchConfig(connect_timeout=0.3, read_timeout=2, deadline=5, retries=1),
            "timed out after 0.3 s connecting to 127.0.0.1",
        ),
        # One that takes the requests and never answers: the same, by its read timeout.
        (
            silent_port,
            FetchConfig(connect_timeout=2, read_timeout=0.3, deadline=5, retries=1),
            "timed out after 0.3 s waiting for an answer",
        ),
    ],
    ids=["dropping", "silent"],
)
async def test_a_host_that_hangs_costs_one_fetchs_tries(
    host: Callable[[], contextlib.AbstractContextManager[int]], config: FetchConfig, error: str
) -> None:
    with host() as port:
        urls = [f"http://127.0.0.1:{port}/feed{i}.xml" for i in range(8)]
        results = await fetch_all(config, urls)
    # Four took the host's slots at once and timed out together; one of them went on
    # trying; the other seven, three of those four and four that were queued, never again.
    # Before, each of the eight waited out both its tries.
    assert sorted(r.error or "" for r in results) == [error] + [error + SKIPPED] * 7


async def test_a_slow_url_on_a_host_that_answered_is_that_urls_failure(
    server: LoopbackServer,
) -> None:
    config = FetchConfig(read_timeout=0.3, deadline=5, retries=2, backoff_base=0.01)
    fast = [server.route(f"/feed{i}.xml", FEED) for i in range(6)]
    slow = server.route("/slow.xml", FEED, delay=1.0)
    async with Fetcher(config) as fetcher:
        assert (await fetcher.fetch(fast[0])).ok  # the host has answered
        slow_result, *results = await asyncio.gather(*map(fetcher.fetch, [slow, *fast]))
        results.append(await fetcher.fetch(fast[1]))  # the host is not given up after it
    assert slow_result.error == "timed out after 0.3 s waiting for an answer"
    assert server.hits["/slow.xml"] == 3  # its own three tries
    assert all(r.ok and r.body == FEED for r in results)


async def test_an_answer_from_the_host_ends_the_probe_of_its_silence() -> None:
    """A URL that went silent on a host nothing had answered yet probes it, and a URL that
    starts then waits. Another request, in flight from before, then answers: the host is
    not hung, and the waiting URL is tried and served."""
    release = asyncio.Event()
    served: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        path = await requested_path(reader)
        served.append(path)
        if path == b"/silent.xml":
            await asyncio.sleep(30)  # cancelled when the server closes
        if path == b"/held.xml":
            await release.wait()
        await answer_with_feed(writer)

    config = FetchConfig(read_timeout=2.0, deadline=10, retries=2, backoff_base=0.01)
    async with serving(answer) as base, Fetcher(config) as fetcher:
        silent = asyncio.ensure_future(fetcher.fetch(base + "/silent.xml"))
        await asyncio.sleep(1.0)
        held = asyncio.ensure_future(fetcher.fetch(base + "/held.xml"))
        # /silent.xml's first try ends at 2 s, its second at 4 s; /held.xml would time
        # out at 3 s, and is answered at 2.5 s.
        await asyncio.sleep(1.4)  # /silent.xml's first try has ended: it probes the host
        waiting = asyncio.ensure_future(fetcher.fetch(base + "/waiting.xml"))
        await asyncio.sleep(0.1)
        assert b"/waiting.xml" not in served  # it waits for the probe's verdict
        release.set()
        # At once, not when the second try of /silent.xml ends its probe, 2 s on.
        async with asyncio.timeout(1.0):
            held_result, waiting_result = await asyncio.gather(held, waiting)
        silent.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await silent
    assert held_result.ok and waiting_result.ok and waiting_result.body == FEED
    assert served.count(b"/waiting.xml") == 1


async def test_a_head_from_the_host_counts_as_its_answer(server: LoopbackServer) -> None:
    """The host's answer is its head, not its whole body: a URL that goes silent while
    another's body still comes in is that URL's failure, and a verdict reached before the
    first head arrived falls with it."""
    config = FetchConfig(read_timeout=0.3, deadline=10, retries=1, backoff_base=0.01)
    streaming = server.route("/streaming.xml", FEED, trickle=0.02)  # the body takes 1.2 s
    silent = server.route("/silent.xml", FEED, delay=5.0)
    other = server.route("/other.xml", FEED)
    async with Fetcher(config) as fetcher:
        body = asyncio.ensure_future(fetcher.fetch(streaming))
        await asyncio.sleep(0.1)  # its head is in; its body is not
        assert not (await fetcher.fetch(silent)).ok
        assert (await fetcher.fetch(other)).ok  # not given up: the host had answered
        assert (await body).ok
    assert server.hits["/silent.xml"] == 2 and server.hits["/other.xml"] == 1


async def test_a_body_that_stalled_counts_as_an_answer() -> None:
    """One URL's first try gets a head and then nothing; its second, no byte at all. The
    host answered the first: its other URLs are still asked."""
    tries: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        path = await requested_path(reader)
        tries.append(path)
        if path == b"/stalls.xml":
            if tries.count(path) == 1:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<rss")
                await writer.drain()
            await asyncio.sleep(30)  # cancelled when the server closes
        await answer_with_feed(writer)

    config = FetchConfig(read_timeout=0.3, deadline=5, retries=1, backoff_base=0.01)
    async with serving(answer) as base, Fetcher(config) as fetcher:
        stalled = await fetcher.fetch(base + "/stalls.xml")
        other = await fetcher.fetch(base + "/other.xml")
    assert stalled.error == "timed out after 0.3 s waiting for an answer"  # its second try
    assert other.ok and other.body == FEED


async def test_a_host_back_before_the_retry_serves_every_url() -> None:
    """A refusal is not the host's verdict: the fetch that probes it finds it back, and the
    URLs that waited for that are tried, not failed."""
    port = closed_port()
    served: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while request := await reader.readuntil(b"\r\n\r\n"):
                served.append(request.split(b" ", 2)[1])
                head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(FEED)}\r\n\r\n"
                writer.write(head.encode() + FEED)
                await writer.drain()
        writer.close()

    async def come_back() -> asyncio.Server:
        await asyncio.sleep(0.05)  # after the first refusals, before any retry (0.5 s on)
        return await asyncio.start_server(answer, "127.0.0.1", port)

    config = FetchConfig(connect_timeout=2, read_timeout=2, deadline=5, backoff_base=1.0)
    urls = [f"http://127.0.0.1:{port}/feed{i}.xml" for i in range(6)]
    starting = asyncio.ensure_future(come_back())
    results = await fetch_all(config, urls)
    listening = await starting
    listening.close()
    assert [r.error for r in results] == [None] * 6
    assert all(r.body == FEED for r in results)
    assert sorted(served) == sorted(f"/feed{i}.xml".encode() for i in range(6))


async def test_fetches_whose_redirects_cross_two_dead_hosts_both_end() -> None:
    """X starts on host A and is sent to B, Y starts on B and is sent to A; each host then
    stops listening. Each fetch probes the other's first host: neither may wait for the
    other (they once did, for ever)."""
    listeners = [socket.create_server(("127.0.0.1", 0)) for _ in range(2)]
    ports = [int(sock.getsockname()[1]) for sock in listeners]
    answered: list[bytes] = []
    servers: list[asyncio.Server] = []

    def redirecting_to(other: int, index: int) -> Callable[..., Awaitable[None]]:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            request = await reader.readuntil(b"\r\n\r\n")
            answered.append(request.split(b" ", 2)[1])
            servers[index].close()  # no connection after this first one
            head = (
                f"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{other}/hop\r\n"
                "Content-Length: 0\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode())
            await writer.drain()
            writer.close()

        return answer

    for index, sock in enumerate(listeners):
        handler = redirecting_to(ports[1 - index], index)
        servers.append(await asyncio.start_server(handler, sock=sock))
    urls = [f"http://127.0.0.1:{port}/start" for port in ports]
    config = FetchConfig(connect_timeout=2, read_timeout=2, deadline=5, backoff_base=0.05)
    # A hang is the failure looked for: bounded here, it fails this test, not the whole run.
    results = await asyncio.wait_for(fetch_all(config, urls), timeout=30)
    assert answered == [b"/start", b"/start"]
    assert all((r.error or "").startswith("connection refused") for r in results), results


async def test_a_dead_proxy_does_not_give_up_the_hosts_behind_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Through a proxy, a refusal may be the proxy's: each URL makes its own tries, as before."""
    proxy = f"http://127.0.0.1:{closed_port()}"
    proxy_from_env(monkeypatch, "http_proxy", proxy)
    async with Fetcher(FetchConfig(retries=0)) as fetcher:
        first = await fetcher.fetch("http://feeds.example.org/a.xml")
        second = await fetcher.fetch("http://feeds.example.org/b.xml")
    assert first.error == second.error == f"connection refused (through proxy {proxy})"


async def test_a_host_that_answers_with_errors_is_asked_for_every_url(
    server: LoopbackServer,
) -> None:
    first = server.route("/a.xml", status=500)
    second = server.route("/b.xml", status=500)
    async with Fetcher(FAST) as fetcher:
        assert (await fetcher.fetch(first)).error == "HTTP 500 Internal Server Error"
        assert (await fetcher.fetch(second)).error == "HTTP 500 Internal Server Error"
    assert server.hits["/a.xml"] == server.hits["/b.xml"] == FAST.retries + 1


async def test_an_unresolvable_host_is_looked_up_once() -> None:
    config = FetchConfig(retries=0)
    async with Fetcher(config) as fetcher:
        first = await fetcher.fetch("http://nonexistent.invalid/a.xml")
        second = await fetcher.fetch("http://nonexistent.invalid/b.xml")
        other_port = await fetcher.fetch("http://nonexistent.invalid:8080/c.xml")
    line = "cannot resolve host nonexistent.invalid"
    assert (first.error, second.error) == (line, line + SKIPPED)
    assert other_port.error == line  # host:port is the unit, as for politeness


async def test_a_new_fetcher_tries_the_host_again() -> None:
    """The verdict lasts one Fetcher (one refresh): the next refresh asks the host again."""
    url = f"http://127.0.0.1:{closed_port()}/feed.xml"
    for _ in range(2):
        async with Fetcher(FetchConfig(retries=0)) as fetcher:
            assert (await fetcher.fetch(url)).error == "connection refused"


@pytest.mark.parametrize(
    ("cause", "unreachable"),
    [
        (ConnectionRefusedError(), True),
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), True),
        (OSError(101, "Network is unreachable"), True),
        # asyncio's, when each of a host's addresses (IPv4 and IPv6) failed its own way
        (
            OSError(
                "Multiple exceptions: [Errno 111] Connect call failed ('127.0.0.1', 9), "
                "[Errno 99] Cannot assign requested address"
            ),
            True,
        ),
        (ConnectionResetError(), False),
        (__import__("ssl").SSLError(1, "handshake failure"), False),
    ],
)
def test_which_connect_failures_say_the_host_is_unreachable(
    cause: OSError, unreachable: bool
) -> None:
    error = http11.ConnectError(str(cause))
    error.__cause__ = cause
    assert host_unreachable(error) is unreachable
    assert host_unreachable(http11.ConnectTimeout("timed out connecting"))
    assert not host_unreachable(http11.ReadError("closed"))
