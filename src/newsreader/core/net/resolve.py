"""From a host name to a connected socket: name lookups for the fetcher, one per host for a
whole refresh in threads of their own, then a race over the addresses (`first_to_connect`).

`getaddrinfo` blocks, so asyncio runs it in the loop's default thread pool: six threads on a
two-core machine, shared with whatever else the loop hands off. A lookup of a domain whose
name servers do not answer holds its thread for the resolver's own timeouts (5 s a try in
glibc), long after the fetch's connect timeout gave up on it. Six such lookups stopped every
other host's lookup: with twelve of them (hanging 5 s, a 3 s connect timeout), 16 of 300
healthy feeds failed "timed out connecting" and their hosts were given up
(bench/slow_dns.py). Here lookups run in a pool of their own, and each host:port is looked
up once while its answer is waited for and kept for the Resolver's life (one refresh); a
failed lookup is asked again by the next fetch that needs it.

The threads are daemon threads, started as lookups overlap: a lookup still hanging when the
refresh is over ends on its own, and the process exits without waiting for it (the executor's
threads, joined at exit, held `newsreader refresh` open for the resolver's timeouts after its
last feed).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import queue
import socket
import threading
import weakref
from asyncio import staggered
from collections.abc import Awaitable, Callable
from typing import Any

# What getaddrinfo gives for one address; the last part is (host, port) for IPv4 and
# (host, port, flow info, scope id) for IPv6.
AddressInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, tuple[Any, ...]]

# Threads for lookups: each hanging lookup holds one, so this many hanging names are needed
# before a healthy one waits. Threads start only when lookups overlap (none for IP addresses);
# one holds 8 MB of address space for its stack, and tens of KB of it in memory.
LOOKUP_THREADS = 128


class Resolver:
    def __init__(self, threads: int = LOOKUP_THREADS) -> None:
        self._limit = threads
        self._threads = self._new_threads()
        self._answers: dict[tuple[str, int], asyncio.Future[list[AddressInfo]]] = {}

    def _new_threads(self) -> LookupThreads:
        threads = LookupThreads(self._limit)
        # A Resolver dropped without `close` lets its idle threads go too (they would wait
        # for a job for ever): nothing can be waiting for its lookups then.
        weakref.finalize(self, threads.close)
        return threads

    async def addresses(self, host: str, port: int) -> list[AddressInfo]:
        """The addresses to connect to, in the order getaddrinfo gives them. Raises what it
        raises (socket.gaierror, UnicodeError for a name IDNA cannot encode)."""
        numeric = _numeric(host, port)
        if numeric is not None:
            return [numeric]
        key = (host, port)
        answer = self._answers.get(key)
        if answer is None or (answer.done() and (answer.cancelled() or answer.exception())):
            answer = self._threads.look_up(host, port)
            answer.add_done_callback(_retrieved)
            self._answers[key] = answer
        # Shielded: a fetch that stops waiting (its connect timeout) leaves the lookup to
        # the others waiting for it.
        try:
            return list(await asyncio.shield(answer))
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if answer.cancelled() and (task is None or not task.cancelling()):
                # `close` dropped the lookup before it ran; this fetch was not cancelled.
                raise socket.gaierror(socket.EAI_AGAIN, "lookup abandoned") from None
            raise

    def close(self) -> None:
        """Drop the lookups not yet started (their fetches fail "lookup abandoned"); one
        still hanging ends in its thread, unwaited for. The idle threads end. A lookup asked
        for after this starts threads anew (a Fetcher entered again)."""
        threads, self._threads = self._threads, self._new_threads()
        for answer in threads.close():
            answer.cancel()
        self._answers.clear()


_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[list[AddressInfo]]", str, int]


class LookupThreads:
    """Daemon threads that run getaddrinfo for one event loop's futures, started while every
    thread there is busy (up to `limit`), kept until `close`."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._started = self._idle = 0
        self._not_taken: set[asyncio.Future[list[AddressInfo]]] = set()  # queued jobs'
        self._closed = False

    def look_up(self, host: str, port: int) -> asyncio.Future[list[AddressInfo]]:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[list[AddressInfo]] = loop.create_future()
        with self._lock:
            if self._closed:  # as if `close` had dropped it
                answer.cancel()
                return answer
            self._not_taken.add(answer)
            # Idle threads count themselves from the end of their lookup: each queued job
            # has one, or a new thread is started.
            start = len(self._not_taken) > self._idle and self._started < self._limit
            if start:
                self._started += 1
        if start:
            try:
                threading.Thread(target=self._serve, name="newsreader-dns", daemon=True).start()
            except RuntimeError as exc:  # "can't start new thread": a process or memory limit
                with self._lock:
                    self._started -= 1
                    alone = not self._started  # else a running thread takes the job later
                    if alone:
                        self._not_taken.discard(answer)
                if alone:
                    answer.set_exception(socket.gaierror(socket.EAI_AGAIN, str(exc)))
                    return answer
        self._jobs.put((loop, answer, host, port))
        return answer

    def close(self) -> set[asyncio.Future[list[AddressInfo]]]:
        """Stop: the lookups not yet started are dropped, and their futures returned for
        the caller to cancel on the loop's thread. Each thread ends once it has no lookup
        running. Again, nothing."""
        with self._lock:
            if self._closed:
                return set()
            self._closed = True
            threads, dropped = self._started, self._not_taken
            self._not_taken = set()
        for _ in range(threads):
            self._jobs.put(None)
        return dropped

    def _serve(self) -> None:
        with self._lock:
            self._idle += 1
        while True:
            job = self._jobs.get()
            with self._lock:
                if job is None:
                    self._idle -= 1
                    return
                loop, answer, host, port = job
                self._not_taken.discard(answer)
                if self._closed:  # dropped by `close`, which cancelled its future
                    continue
                self._idle -= 1
            try:
                outcome: list[AddressInfo] | BaseException = _lookup(host, port)
            except BaseException as exc:  # raised in the fetches that wait for it
                outcome = exc
            # Idle before the answer is out: the next lookup its fetch asks for finds this
            # thread free rather than starting another.
            with self._lock:
                self._idle += 1
            _hand_over(loop, answer, outcome)
            # Not kept while this thread waits for the next job: an error's traceback holds
            # the frames of the fetches that raised it, and through them their Resolver.
            del job, loop, answer, outcome


def _hand_over(
    loop: asyncio.AbstractEventLoop,
    answer: asyncio.Future[list[AddressInfo]],
    outcome: list[AddressInfo] | BaseException,
) -> None:
    """From a lookup thread: its addresses or its error, unless the future was cancelled."""

    def settle() -> None:
        if answer.done():
            return
        if isinstance(outcome, BaseException):
            answer.set_exception(outcome)
        else:
            answer.set_result(outcome)

    # A closed loop raises RuntimeError: nobody waits for this answer any more.
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(settle)


# A host with a dead IPv6 route still answers on IPv4 in time (what anyio, under httpx, did,
# and asyncio's happy eyeballs): the next address is tried after this long, not at timeout.
_NEXT_ADDRESS_AFTER = 0.25


async def first_to_connect(infos: list[AddressInfo]) -> socket.socket:
    """A socket connected to the first of `infos` to answer, the families taken in turn,
    each started `_NEXT_ADDRESS_AFTER` after the one before (RFC 8305). When all fail: their
    one error, or asyncio's "Multiple exceptions" OSError when they differ."""
    if not infos:
        raise OSError("getaddrinfo() returned empty list")  # asyncio's words for it
    if len(infos) == 1:
        return await _tcp(infos[0])
    errors: list[OSError] = []
    connected: list[socket.socket] = []

    def attempt(info: AddressInfo) -> Callable[[], Awaitable[socket.socket]]:
        async def connect() -> socket.socket:
            try:
                sock = await _tcp(info)
            except OSError as exc:
                errors.append(exc)
                raise
            connected.append(sock)
            return sock

        return connect

    winner: socket.socket | None = None
    try:
        # asyncio's own race (create_connection runs it), not in its documented API:
        # tests/integration/test_resolve.py holds what is used of it.
        winner, _, _ = await staggered.staggered_race(
            [attempt(info) for info in _families_in_turn(infos)], _NEXT_ADDRESS_AFTER
        )
    finally:
        # One that connected as the race was cancelled (the connect timeout) or lost it.
        for sock in connected:
            if sock is not winner:
                sock.close()
    if winner is not None:
        return winner
    if len({str(error) for error in errors}) == 1:
        raise errors[0]
    raise OSError(f"Multiple exceptions: {', '.join(str(error) for error in errors)}")


async def _tcp(info: AddressInfo) -> socket.socket:
    family, kind, proto, _, address = info
    sock = socket.socket(family, kind, proto)
    try:
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, address)
    except BaseException:
        sock.close()
        raise
    return sock


def _families_in_turn(infos: list[AddressInfo]) -> list[AddressInfo]:
    """IPv6, IPv4, IPv6...: the order getaddrinfo put each family in, interleaved."""
    by_family: dict[int, list[AddressInfo]] = {}
    for info in infos:
        by_family.setdefault(info[0], []).append(info)
    queues = list(by_family.values())
    ordered: list[AddressInfo] = []
    while queues:
        ordered += [queue.pop(0) for queue in queues]
        queues = [queue for queue in queues if queue]
    return ordered


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
