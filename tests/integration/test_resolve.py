"""Name lookups: once per host, in threads of their own, so hanging ones hold up no other.

The connections are real loopback sockets. A resolver that never answers cannot be put in
front of glibc here without changing /etc/resolv.conf, so the hanging lookup is imitated at
`socket.getaddrinfo`: it blocks as glibc does while the name servers stay silent, then
fails with EAI_AGAIN ("Temporary failure in name resolution"). Names it does not hang on go
to the real getaddrinfo.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from newsreader.core.net import http11
from newsreader.core.net.fetch import FetchConfig, Fetcher
from newsreader.core.net.fetch_failures import host_unreachable
from newsreader.core.net.resolve import Resolver, first_to_connect
from tests.support.loopback import LoopbackServer
from tests.support.unreachable import BacklogNotFull, closed_port, dropping_port

FEED = b"<rss version='2.0'><channel><title>t</title></channel></rss>"


class Lookups:
    """getaddrinfo, counted by name: names starting "hang" block until `release`, "slow" ones
    answer for localhost after 0.2 s; names in
    .invalid fail at once, as a name server answers for them (imitated too: a test must not
    wait on this machine's resolver); the rest go to the real getaddrinfo."""

    def __init__(self) -> None:
        self.real = socket.getaddrinfo
        self.asked: list[str] = []
        self.release = threading.Event()

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        self.asked.append(str(host))
        if str(host).startswith("hang"):
            self.release.wait(30)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        if str(host).startswith("slow"):  # a name server that takes its time
            time.sleep(0.2)
            return self.real("localhost", port, *args, **kwargs)
        if str(host).endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
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
    # Forty names that hang, more than the loop's own pool has threads on a small machine
    # (6 on two cores) and than our pool once had (32), beside a healthy host: before, its
    # lookups queued behind them and it failed "timed out connecting", given up as
    # unreachable.
    live = server.route("/feed.xml", FEED).replace("127.0.0.1", "localhost")
    hanging = [f"http://hang{i}.test/feed.xml" for i in range(40)]
    config = FetchConfig(connect_timeout=1.0, retries=0)
    async with Fetcher(config) as fetcher:
        results = await asyncio.gather(*map(fetcher.fetch, [*hanging, live, live, live]))
    assert [r.error for r in results[:40]] == [
        f"timed out after 1 s looking up hang{i}.test" for i in range(40)
    ]
    assert all(r.ok and r.body == FEED for r in results[40:])


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
    await until(lambda: "hang1.test" in lookups.asked)  # it holds the one thread: hang2 queues
    resolver.close()
    with pytest.raises(socket.gaierror, match="lookup abandoned"):
        await queued
    lookups.release.set()
    with pytest.raises(socket.gaierror, match="Temporary failure"):
        await running
    assert lookups.asked == ["hang1.test"]


async def until(condition: Callable[[], bool], seconds: float = 10) -> None:
    """Wait for the lookup threads to get somewhere, polling; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the lookup threads did not get there in time"
        await asyncio.sleep(0.01)


def _lookup_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "newsreader-dns"]


async def test_a_thread_starts_only_for_lookups_that_overlap(lookups: Lookups) -> None:
    before = set(_lookup_threads())
    resolver = Resolver()
    for name in ("one.invalid", "two.invalid", "three.invalid"):  # one after the other
        with pytest.raises(socket.gaierror):
            await resolver.addresses(name, 80)
    started = set(_lookup_threads()) - before
    assert len(started) == 1
    hanging = [asyncio.ensure_future(resolver.addresses(f"hang{i}.test", 80)) for i in range(3)]
    await until(lambda: sum(name.startswith("hang") for name in lookups.asked) == 3)
    assert len(set(_lookup_threads()) - before) == 3  # the first one's thread took one
    assert all(t.daemon for t in _lookup_threads())
    resolver.close()
    lookups.release.set()
    for lookup in hanging:
        with pytest.raises(socket.gaierror, match="Temporary failure"):
            await lookup
    for thread in set(_lookup_threads()) - before:  # closed: each ends after its lookup
        thread.join(5)
        assert not thread.is_alive()


async def test_a_closed_resolver_looks_up_again_and_a_dropped_one_lets_its_threads_go(
    lookups: Lookups,
) -> None:
    before = set(_lookup_threads())
    resolver = Resolver()
    resolver.close()  # a Fetcher entered a second time closed its client before
    assert (await resolver.addresses("localhost", 80))[0][4][1] == 80
    slow = [resolver.addresses(f"slow{i}.test", 80) for i in range(3)]
    assert len(await asyncio.gather(*slow)) == 3  # at once: a thread each
    started = set(_lookup_threads()) - before
    assert len(started) == 3
    del resolver  # never closed: its idle threads would wait for ever
    gc.collect()
    for thread in started:
        thread.join(5)
        assert not thread.is_alive()


async def test_a_lookup_no_thread_can_be_started_for_fails_and_the_next_one_runs(
    lookups: Lookups, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process or memory limit on threads (ulimit -u, a pids cgroup) is a fault no test
    server makes: Thread.start is made to fail as it then does."""
    real_start = threading.Thread.start

    def refused(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    resolver = Resolver(threads=1)
    try:
        monkeypatch.setattr(threading.Thread, "start", refused)
        with pytest.raises(socket.gaierror, match="can't start new thread"):
            await resolver.addresses("localhost", 80)
        monkeypatch.setattr(threading.Thread, "start", real_start)
        assert await resolver.addresses("localhost", 80)  # the one place was not used up
    finally:
        resolver.close()


_EXIT_CHILD = """
import asyncio, socket, sys, time
from newsreader.core.net.fetch import FetchConfig, Fetcher

def hang(*args, **kwargs):  # a name whose servers never answer (glibc: 5 s a try, and more)
    time.sleep(600)

socket.getaddrinfo = hang

async def main():
    async with Fetcher(FetchConfig(connect_timeout=0.5, retries=0)) as fetcher:
        result = await fetcher.fetch("http://hang.test/feed.xml")
    print(result.error, flush=True)

asyncio.run(main())
"""


def test_a_hanging_lookup_does_not_hold_the_process_open() -> None:
    """`newsreader refresh` returned only once every lookup thread was joined: for a name
    whose servers never answer, minutes after its last feed."""
    done = subprocess.run(
        [sys.executable, "-c", _EXIT_CHILD], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "timed out after 0.5 s looking up hang.test"


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
            sock = await asyncio.wait_for(first_to_connect(infos), 5)
            took = loop.time() - started
    except BacklogNotFull as exc:
        pytest.skip(str(exc))
    with sock:
        assert sock.getpeername()[1] == live
    assert 0.2 < took < 2.0


async def test_when_every_address_fails_the_error_says_so() -> None:
    with pytest.raises(OSError, match=r"^getaddrinfo\(\) returned empty list$"):
        await first_to_connect([])
    one = [_info(socket.AF_INET, "127.0.0.1", closed_port())]
    with pytest.raises(ConnectionRefusedError):
        await first_to_connect(one)
    # Each refusal names its address: asyncio's wording for several, which fetch_failures
    # reads as the host unreachable.
    both = [_info(socket.AF_INET6, "::1", closed_port()), *one]
    # (In the order they failed: without IPv6 here, its error comes first.)
    with pytest.raises(OSError, match=r"^Multiple exceptions: .*\[Errno 111\]") as failed:
        await first_to_connect(both)
    error = http11.ConnectError(str(failed.value))
    error.__cause__ = failed.value
    assert host_unreachable(error)
