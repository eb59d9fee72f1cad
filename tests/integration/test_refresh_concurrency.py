"""The refresh's caps with real servers on many loopback addresses: the global cap
(`[network] concurrency`) is what the config says, above the old 32, while no host ever has
more than its 4 requests at once; fetches that bring bodies have a lower bound of their own."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from newsreader.core.config import Config, NetworkConfig
from newsreader.core.net.fetch import FetchConfig, fetch_config
from newsreader.core.refresh.handover import BODIES_AT_ONCE
from newsreader.core.refresh.run import refresh
from newsreader.core.store.store import Store
from tests.support.feedgen import items, rss
from tests.support.loopback import LoopbackServer

Response = tuple[int, dict[str, str], bytes]
FEED_TYPE = {"Content-Type": "application/rss+xml"}
HOSTS = 12
FEEDS_PER_HOST = 8
ANSWER_AFTER = 0.6  # seconds: long enough for every slot to fill before the first answer


class InFlight:
    """Requests being answered at one moment: over all hosts, and per host."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self.per_host: dict[str, int] = {}
        self.peak_per_host: dict[str, int] = {}
        self._lock = threading.Lock()

    def answer(self, host: str, response: Response) -> Response:
        """Counts the request in, holds it a while, and answers `response`."""
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
            self.per_host[host] = self.per_host.get(host, 0) + 1
            self.peak_per_host[host] = max(self.peak_per_host.get(host, 0), self.per_host[host])
        time.sleep(ANSWER_AFTER)
        with self._lock:
            self.now -= 1
            self.per_host[host] -= 1
        return response

    def reset(self) -> None:
        self.peak, self.peak_per_host = 0, {}


@contextlib.contextmanager
def loopback_hosts(count: int) -> Iterator[list[LoopbackServer]]:
    """One server on each of 127.0.0.2, 127.0.0.3, ...: `count` hosts as the refresh sees them."""
    servers = [LoopbackServer(host=f"127.0.0.{2 + n}").start() for n in range(count)]
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def hosts() -> Iterator[list[LoopbackServer]]:
    with loopback_hosts(HOSTS) as servers:
        yield servers


def test_more_than_32_requests_in_flight_never_more_than_4_per_host(
    hosts: list[LoopbackServer], tmp_path: Path
) -> None:
    """Measured on a warm refresh (all 304s): fetches that bring bodies have a lower bound."""
    counter = InFlight()
    store = Store(tmp_path / "c.sqlite3")
    for server in hosts:
        for n in range(FEEDS_PER_HOST):
            body = rss(items(1, base=f"http://{server.host}.example/{n}"))
            etag = f'"{server.host}-{n}"'

            def handler(
                req: BaseHTTPRequestHandler,
                host: str = server.host,
                body: bytes = body,
                etag: str = etag,
            ) -> Response:
                if req.headers.get("If-None-Match") == etag:
                    return counter.answer(host, (304, {"ETag": etag}, b""))
                return counter.answer(host, (200, {**FEED_TYPE, "ETag": etag}, body))

            store.add_feed(server.route(f"/f{n}.xml", handler=handler))
    cap = 40  # twelve hosts at 4 each could take 48: the global cap is what stops it
    config = Config(network=NetworkConfig(concurrency=cap))
    assert not asyncio.run(refresh(store, config)).failed
    counter.reset()
    report = asyncio.run(refresh(store, config))
    assert report.unchanged == HOSTS * FEEDS_PER_HOST and not report.failed
    assert counter.peak == cap
    assert max(counter.peak_per_host.values()) == 4
    assert len(counter.peak_per_host) == HOSTS


def test_bodies_have_a_bound_of_their_own_and_304s_get_the_whole_cap(tmp_path: Path) -> None:
    """Cold, the feeds bring bodies: no more of them at once than the workers can take soon.
    Warm, every answer is a 304 without a body: the whole global cap is used."""
    counter = InFlight()
    store = Store(tmp_path / "c.sqlite3")
    cap = 100
    with loopback_hosts(30) as servers:
        for server in servers:
            for n in range(5):
                body = rss(items(1, base=f"http://{server.host}.example/{n}"))
                etag = f'"{server.host}-{n}"'

                def handler(
                    req: BaseHTTPRequestHandler,
                    host: str = server.host,
                    body: bytes = body,
                    etag: str = etag,
                ) -> Response:
                    if req.headers.get("If-None-Match") == etag:
                        return counter.answer(host, (304, {"ETag": etag}, b""))
                    return counter.answer(host, (200, {**FEED_TYPE, "ETag": etag}, body))

                store.add_feed(server.route(f"/f{n}.xml", handler=handler))
        config = Config(network=NetworkConfig(concurrency=cap))
        cold = asyncio.run(refresh(store, config))
        assert cold.new_entries == 150 and not cold.failed
        assert counter.peak == BODIES_AT_ONCE < cap
        counter.reset()
        warm = asyncio.run(refresh(store, config))
        assert warm.unchanged == 150
        assert counter.peak == cap
        assert max(counter.peak_per_host.values()) == 4


def test_the_default_cap_is_the_same_everywhere() -> None:
    """The Fetcher's own default, the config's and what a default config hands the Fetcher."""
    default = NetworkConfig().concurrency
    assert default > 32
    assert FetchConfig().max_concurrency == default
    assert fetch_config(Config()).max_concurrency == default
