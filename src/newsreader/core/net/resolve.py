"""Name lookups for the fetcher: one per host for a whole refresh, in threads of their own.

`getaddrinfo` blocks, so asyncio runs it in the loop's default thread pool: six threads on a
two-core machine, shared with whatever else the loop hands off. A lookup of a domain whose
name servers do not answer holds its thread for the resolver's own timeouts (5 s a try in
glibc), long after the fetch's connect timeout gave up on it. Six such lookups stopped every
other host's lookup: with twelve of them (hanging 5 s, a 3 s connect timeout), 16 of 300
healthy feeds failed "timed out connecting" and their hosts were given up
(bench/slow_dns.py). Here lookups run in a pool of their own, and each host:port is looked
up once while its answer is waited for and kept for the Resolver's life (one refresh); a
failed lookup is asked again by the next fetch that needs it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import Any

# What getaddrinfo gives for one address; the last part is (host, port) for IPv4 and
# (host, port, flow info, scope id) for IPv6.
AddressInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, tuple[Any, ...]]

# Threads for lookups: each blocked lookup holds one, so this many hanging names are needed
# before a healthy one waits (past that, lookups queue as they did in asyncio's pool of 6).
# Threads start only when lookups overlap (none for IP addresses).
LOOKUP_THREADS = 32


class Resolver:
    def __init__(self, threads: int = LOOKUP_THREADS) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._threads = threads
        self._answers: dict[tuple[str, int], asyncio.Future[list[AddressInfo]]] = {}

    async def addresses(self, host: str, port: int) -> list[AddressInfo]:
        """The addresses to connect to, in the order getaddrinfo gives them. Raises what it
        raises (socket.gaierror, UnicodeError for a name IDNA cannot encode)."""
        numeric = _numeric(host, port)
        if numeric is not None:
            return [numeric]
        key = (host, port)
        answer = self._answers.get(key)
        if answer is None or (answer.done() and (answer.cancelled() or answer.exception())):
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="newsreader-dns")
            loop = asyncio.get_running_loop()
            answer = loop.run_in_executor(self._pool, _lookup, host, port)
            answer.add_done_callback(_retrieved)
            self._answers[key] = answer
        # Shielded: a fetch that stops waiting (its connect timeout) leaves the lookup to
        # the others waiting for it.
        try:
            return list(await asyncio.shield(answer))
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if answer.cancelled() and (task is None or not task.cancelling()):
                # `close` dropped the lookup while it queued; this fetch was not cancelled.
                raise socket.gaierror(socket.EAI_AGAIN, "lookup abandoned") from None
            raise

    def close(self) -> None:
        """Let go of the pool; a lookup still hanging ends in its thread, unwaited for."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        self._answers.clear()


def _lookup(host: str, port: int) -> list[AddressInfo]:
    found = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    return [
        (family, kind, proto, name, tuple(address)) for family, kind, proto, name, address in found
    ]


def _numeric(host: str, port: int) -> AddressInfo | None:
    """An IP address needs no lookup (asyncio skips it too)."""
    try:
        address = ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return None
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    return (family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (host, port))


def _retrieved(answer: asyncio.Future[list[AddressInfo]]) -> None:
    """Marks a failed lookup's error as seen: every fetch waiting for it may have given up."""
    if not answer.cancelled():
        answer.exception()
