"""Name lookups: once per host, in threads of their own, so hanging ones hold up no other.

The connections are real loopback sockets. A resolver that never answers cannot be put in
front of glibc here without changing /etc/resolv.conf, so the hanging lookup is imitated at
`socket.getaddrinfo`: it blocks as glibc does while the name servers stay silent, then
fails with EAI_AGAIN ("Temporary failure in name resolution"). Names it does not hang on go
to the real getaddrinfo.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from newsreader.core.net import http11
from newsreader.core.net.fetch import FetchConfig, Fetcher
from newsreader.core.net.fetch_failures import host_unreachable
from newsreader.core.net.resolve import Resolver
from tests.support.loopback import LoopbackServer
from tests.support.unreachable import BacklogNotFull, closed_port, dropping_port

FEED = b"<rss version='2.0'><channel><title>t</title></channel></rss>"


class Lookups:
    """The real getaddrinfo, counted by name; names starting "hang" block until `release`."""

    def __init__(self) -> None:
        self.real = socket.getaddrinfo
        self.asked: list[str] = []
        self.release = threading.Event()

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        self.asked.append(str(host))
        if str(host).startswith("hang"):
            self.release.wait(30)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return self.real(host, port, *args, **kwargs)


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[Lookups]:
    counted = Lookups()
    monkeypatch.setattr(socket, "getaddrinfo", counted)
    yield counted
    counted.release.set()  # the hanging threads end


async def test_hanging_lookups_hold_up_no_other_host(
    server: LoopbackServer, lookups: Lookups
) -> None:
    # Twelve names that hang, more than the loop's own pool has threads on a small machine
    # (6 on two cores), beside a healthy host: before, its lookups queued behind them and
    # it failed "timed out connecting", given up as unreachable.
    live = server.route("/feed.xml", FEED).replace("127.0.0.1", "localhost")
    hanging = [f"http://hang{i}.test/feed.xml" for i in range(12)]
    config = FetchConfig(connect_timeout=1.0, retries=0)
    async with Fetcher(config) as fetcher:
        results = await asyncio.gather(*map(fetcher.fetch, [*hanging, live, live, live]))
    assert [r.error for r in results[:12]] == [
        f"timed out after 1 s connecting to hang{i}.test" for i in range(12)
    ]
    assert all(r.ok and r.body == FEED for r in results[12:])


async def test_a_host_is_looked_up_once_for_all_its_connections(
    server: LoopbackServer, lookups: Lookups
) -> None:
    # Eight at once take four connections (the per-host cap); a new Fetcher looks up again.
    urls = [server.route(f"/f{i}.xml", FEED).replace("127.0.0.1", "localhost") for i in range(8)]
    async with Fetcher(FetchConfig()) as fetcher:
        results = await asyncio.gather(*map(fetcher.fetch, urls))
    assert all(r.ok for r in results)
    assert lookups.asked == ["localhost"]
    async with Fetcher(FetchConfig()) as fetcher:
        assert (await fetcher.fetch(urls[0])).ok
    assert lookups.asked == ["localhost", "localhost"]


async def test_a_failed_lookup_is_asked_again(lookups: Lookups) -> None:
    resolver = Resolver()
    try:
        for _ in range(2):
            with pytest.raises(socket.gaierror):
                await resolver.addresses("nothing-here.invalid", 80)
    finally:
        resolver.close()
    assert lookups.asked == ["nothing-here.invalid"] * 2


async def test_a_lookup_dropped_by_close_fails_its_fetch_not_cancels_it(
    lookups: Lookups,
) -> None:
    resolver = Resolver(threads=1)
    running = asyncio.ensure_future(resolver.addresses("hang1.test", 80))
    queued = asyncio.ensure_future(resolver.addresses("hang2.test", 80))
    await asyncio.sleep(0.1)  # the first holds the one thread; the second queues
    resolver.close()
    with pytest.raises(socket.gaierror, match="lookup abandoned"):
        await queued
    lookups.release.set()
    with pytest.raises(socket.gaierror, match="Temporary failure"):
        await running
    assert lookups.asked == ["hang1.test"]


async def test_an_ip_address_is_not_looked_up(lookups: Lookups) -> None:
    resolver = Resolver()
    try:
        v4 = await resolver.addresses("127.0.0.1", 8080)
        v6 = await resolver.addresses("::1", 8080)
    finally:
        resolver.close()
    assert [info[0] for info in v4 + v6] == [socket.AF_INET, socket.AF_INET6]
    assert lookups.asked == []


def _info(family: socket.AddressFamily, host: str, port: int) -> Any:
    return (family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (host, port))


async def test_the_next_address_is_tried_before_the_first_times_out(
    server: LoopbackServer,
) -> None:
    """A first address that never answers (its SYNs dropped) costs 0.25 s, not the connect
    timeout: the next one is tried then, and wins."""
    live = int(server.url("/").split(":")[2].split("/")[0])
    try:
        with dropping_port() as dropped:
            infos = [_info(socket.AF_INET, "127.0.0.1", dropped)]
            infos.append(_info(socket.AF_INET, "127.0.0.1", live))
            loop = asyncio.get_running_loop()
            started = loop.time()
            sock = await asyncio.wait_for(http11._first_to_connect(infos), 5)
            took = loop.time() - started
    except BacklogNotFull as exc:
        pytest.skip(str(exc))
    with sock:
        assert sock.getpeername()[1] == live
    assert 0.2 < took < 2.0


async def test_when_every_address_fails_the_error_says_so() -> None:
    with pytest.raises(OSError, match=r"^getaddrinfo\(\) returned empty list$"):
        await http11._first_to_connect([])
    one = [_info(socket.AF_INET, "127.0.0.1", closed_port())]
    with pytest.raises(ConnectionRefusedError):
        await http11._first_to_connect(one)
    # Each refusal names its address: asyncio's wording for several, which fetch_failures
    # reads as the host unreachable.
    both = [_info(socket.AF_INET6, "::1", closed_port()), *one]
    # (In the order they failed: without IPv6 here, its error comes first.)
    with pytest.raises(OSError, match=r"^Multiple exceptions: .*\[Errno 111\]") as failed:
        await http11._first_to_connect(both)
    error = http11.ConnectError(str(failed.value))
    error.__cause__ = failed.value
    assert host_unreachable(error)
