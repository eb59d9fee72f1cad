"""The worker's side of the refresh's process pool (workers.py): what `python -m
newsreader.core.refresh.worker_process GATE` runs.

Kept apart from the pool so a worker loads none of the pool's machinery (subprocess, queue,
concurrent.futures and logging: ~1 MB of each worker's memory); it reads pickled calls on
stdin, one after another, and answers each on stdout with a length prefix, until stdin closes.
A call may name a `Streamed` argument: its items follow the call on the pipe, one pickle each,
ending with None, and the call reads each as it comes (a batch's feeds parsed as they arrive).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
import struct
import sys
from collections.abc import Iterator
from typing import IO, Any

HEADER = struct.Struct("!Q")


class Streamed:
    """What a stream argument (workers.Stream) becomes on the pipe: its items follow the call."""


def _items(requests: IO[bytes]) -> Iterator[Any]:
    """A stream argument's items as they arrive, each let go by the time the next is read."""
    while (item := pickle.load(requests)) is not None:
        yield item


class FileGate(contextlib.AbstractContextManager[object]):
    """An exclusive flock on a file: the writers of one refresh queue here for SQLite.

    SQLite's own busy handler sleeps in growing steps and left both cores idle; a lock that
    wakes the next writer at once keeps them busy.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> object:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._fd is not None
        fcntl.flock(self._fd, fcntl.LOCK_UN)


def read_message(stream: IO[bytes]) -> bytes:
    header = _read_exactly(stream, HEADER.size)
    return _read_exactly(stream, HEADER.unpack(header)[0])


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError("pipe closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _answers(requests: IO[bytes]) -> Iterator[bytes]:
    """Run each pickled call; yield the pickled (ok, result or exception)."""
    while True:
        try:
            # Read frame by frame from the pipe (workers.py pickles into it): the batch's bodies
            # are never held a second time as one pickled string.
            fn, args, kwargs = pickle.load(requests)
        except EOFError:
            return
        # Each stream argument reads its items from the pipe, after the call.
        streams: list[Iterator[Any]] = []
        args = tuple(_fed(arg, requests, streams) for arg in args)
        kwargs = {name: _fed(arg, requests, streams) for name, arg in kwargs.items()}
        try:
            answer: tuple[bool, Any] = (True, fn(*args, **kwargs))
        except Exception as exc:  # handed back to the submitter, like any executor does
            answer = (False, exc)
        del args, kwargs
        try:
            for stream in streams:  # what the call left unread: the next call follows it
                for _ in stream:
                    pass
        except EOFError:
            return
        del streams
        yield _pickled(answer)


def _pickled(answer: tuple[bool, Any]) -> bytes:
    """The answer as it goes back; an exception that will not make the trip (lxml's
    XMLSyntaxError does not pickle; one whose __init__ wants more than its args pickles but
    does not unpickle) goes back as a RuntimeError with its type and text."""
    ok, value = answer
    try:
        pickled = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        if not ok:  # tried here, where its text is at hand: errors are rare
            pickle.loads(pickled)
        return pickled
    except Exception as exc:  # an unpicklable result, or that exception
        failed = exc if ok else value
        return pickle.dumps((False, RuntimeError(f"{type(failed).__name__}: {failed}")))


def _fed(arg: Any, requests: IO[bytes], streams: list[Iterator[Any]]) -> Any:
    """`arg` as the call gets it: a stream argument becomes its items from the pipe (kept in
    `streams`, so what the call leaves unread is read after it)."""
    if not isinstance(arg, Streamed):
        return arg
    streams.append(_items(requests))
    return streams[-1]


def _serve_requests(gate_path: str) -> None:
    # A worker parses untrusted bytes and never opens a connection. feedparser's imports still
    # pull in the TLS modules (~1–3 MB a worker); refusing them keeps them out and makes "no
    # network here" structural. OpenSSL's hashes go too (libcrypto: 3.6 MB a worker): what a
    # worker hashes, it hashes with CPython's own (core/hashes.py), and hashlib, which
    # feedparser's imports still load, falls back to those.
    # start-up speed: the refreshing process imports this module too, and asks nothing of this
    from importlib.util import find_spec

    refused = ["ssl", "_ssl"]
    if find_spec("_sha1") is not None:  # else core/hashes.py takes OpenSSL's SHA-1
        refused.append("_hashlib")
    for module in refused:
        sys.modules.setdefault(module, None)  # type: ignore[arg-type]
    # Imported only now, after the refusal above: ingest's imports must not load ssl. And
    # the refreshing process imports this module too (read_message), never worker_memory.
    from newsreader.core.refresh.ingest import init_worker, release_page_caches
    from newsreader.core.refresh.worker_memory import hold_only_what_is_used

    give_back = hold_only_what_is_used()
    init_worker(FileGate(gate_path))
    requests = sys.stdin.buffer
    # The protocol owns the real stdout; anything a library prints goes to stderr instead.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    for answer in _answers(requests):
        replies.write(HEADER.pack(len(answer)) + answer)
        replies.flush()
        release_page_caches()  # before give_back, which hands the freed pages back too
        give_back()  # a batch's memory, while the next one is on its way
    # Stdin closed: every answer is out, and every transaction committed or rolled back. The
    # interpreter's teardown (its modules, the SQLite connection, which is not the last one)
    # held the refresh's end 16-21 ms while the pool waited to reap us; now 3-4 ms.
    os._exit(0)


if __name__ == "__main__":
    # Served by this module under its own name, not as __main__: a `Streamed` unpickled from
    # the pipe is that module's class, which the check in _answers must be.
    from newsreader.core.refresh import worker_process

    worker_process._serve_requests(sys.argv[1])
