"""The fetcher's asyncio network layer (net/http11.py) with a real server on loopback: a
keep-alive connection the server closed while idle is not reused, and a server that stops
answering trips the read timeout as one clean line."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest

from newsreader.core.net import http11
from newsreader.core.net.fetch import FetchConfig, Fetcher
from newsreader.core.net.tls import verified_context

BODY = b"<rss version='2.0'><channel><title>T</title></channel></rss>"


@contextlib.contextmanager
def closing_server(*, answer: bool = True) -> Iterator[tuple[str, list[int]]]:
    """Answers each request on a connection, then closes it without saying so (no
    `Connection: close`): the client sees the end of the stream only while idle."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    connections: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            connections.append(1)
            with conn:
                conn.recv(65536)
                if answer:
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                        b"Content-Length: %d\r\n\r\n%s" % (len(BODY), BODY)
                    )
                else:
                    stop.wait(5)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/feed.xml", connections
    finally:
        stop.set()
        listener.close()


async def test_a_connection_the_server_closed_is_not_reused() -> None:
    with closing_server() as (url, connections):
        async with Fetcher(FetchConfig(retries=0)) as fetcher:
            first = await fetcher.fetch(url)
            await asyncio.sleep(0.2)  # the server's close arrives while the connection idles
            second = await fetcher.fetch(url)
    assert (first.error, second.error) == (None, None)
    assert first.body == second.body == BODY
    assert len(connections) == 2


async def test_a_silent_server_trips_the_read_timeout() -> None:
    with closing_server(answer=False) as (url, _):
        async with Fetcher(FetchConfig(retries=0, read_timeout=0.5)) as fetcher:
            result = await fetcher.fetch(url)
    assert result.body is None and result.error is not None
    assert "timed out" in result.error and "\n" not in result.error


async def test_a_refused_connection_is_a_connect_error() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    client = http11.Client(
        connect_timeout=2,
        read_timeout=2,
        user_agent="test",
        max_idle=1,
        tls=verified_context,
    )
    with pytest.raises(http11.ConnectError) as raised:
        async with client.stream(f"http://127.0.0.1:{port}/feed.xml", {}):
            pass
    assert isinstance(raised.value.__cause__, ConnectionRefusedError)
