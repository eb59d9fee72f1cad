"""Loopback hosts that cannot be reached or never answer, for the tests and
bench/dead_hosts.py, and the proxy environment a test sets. Real sockets: nothing here
imitates a failure.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

import pytest


def closed_port() -> int:
    """A loopback port nothing listens on: a connect to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BacklogNotFull(RuntimeError):
    """This kernel takes connections beyond a full listen backlog: no dropping host here."""


@contextlib.contextmanager
def dropping_port() -> Iterator[int]:
    """A loopback port whose connects hang until their timeout, as with a firewalled or
    vanished server: listen(0), its backlog filled by connects never accepted, so the kernel
    drops each new SYN. Raises BacklogNotFull where the kernel does otherwise."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = int(listener.getsockname()[1])
    fillers = []
    try:
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        time.sleep(0.1)  # the fillers' handshakes complete and take the backlog
        with socket.socket() as check:
            check.settimeout(0.3)
            try:
                check.connect(("127.0.0.1", port))
            except TimeoutError:
                pass
            else:
                raise BacklogNotFull("this kernel takes connections beyond a full backlog")
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


@contextlib.contextmanager
def silent_port() -> Iterator[int]:
    """A loopback port that takes connections and never answers, as a stopped or wedged
    server does: it listens and never accepts, so the kernel completes each handshake and
    keeps the request, and no byte comes back."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    try:
        yield int(listener.getsockname()[1])
    finally:
        listener.close()


def proxy_from_env(
    monkeypatch: pytest.MonkeyPatch, variable: str, proxy: str, no_proxy: str | None = None
) -> None:
    """Only this proxy (and this NO_PROXY) in the environment, whatever the machine set."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv(variable, proxy)
    if no_proxy is not None:
        monkeypatch.setenv("no_proxy", no_proxy)
