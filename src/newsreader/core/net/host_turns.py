"""Whose turn it is on a host, and whether the host is worth a turn: the fetcher's per-host
bookkeeping, for one Fetcher's life (one refresh).

Each host:port gets `per_host` slots (politeness). A host a try could not reach is probed
by that fetch alone: other fetches starting on it wait for the verdict instead of trying
too (`_Probe`). Found unreachable after all its tries, the host's other URLs fail at once. A
refusing host with 200 feeds held the refresh's places in retries and backoff for 8 s; one
that drops connections, for a connect timeout per try and four tries at a time: 20 feeds, 3
tries each, 2 s, 30 s. A host that takes requests and never answers (`http11.NoAnswer`) is
probed the same way until it has answered anything: then one silent URL is that URL's
slowness, not the host's. 12 feeds on a hung host held a refresh for three minutes: three
read timeouts of 20 s for each, four at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from newsreader.core.net import http11
from newsreader.core.net.fetch_failures import host_unreachable

GIVEN_UP = " (host given up: another URL on it failed so on every try)"


@dataclass(frozen=True, slots=True)
class _Probe:
    """A host one try could not reach, which its fetch (`owner`) alone tries again until it
    answers or the fetch gives up; `ended` is set then, for the fetches waiting on it."""

    owner: object
    ended: asyncio.Event


class HostTurns:
    def __init__(self, per_host: int) -> None:
        self._per_host = per_host
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._probes: dict[str, _Probe] = {}
        self._unreachable: dict[str, str] = {}  # host_key -> the error line that found it so
        self._answered: set[str] = set()  # host_keys that sent a response's head

    @contextlib.asynccontextmanager
    async def turn(self, host: str, me: object, *, first_hop: bool) -> AsyncIterator[None]:
        """One of the host's slots; on a fetch's first hop, once no other fetch is probing
        the host. A slot taken while another's probe began is given back: that fetch needs
        one to try again.

        Only a fetch that probes no host and holds no slot waits, so no two fetches ever
        wait on each other: two whose redirects crossed (A to B, B to A) each probed the
        other's first host and waited on it for ever. Nor does a fetch wait half-way through
        its redirects, where its overall deadline already runs."""
        slots = self._slots.get(host)
        if slots is None:
            slots = self._slots[host] = asyncio.Semaphore(self._per_host)
        waits = first_hop and not any(probe.owner is me for probe in self._probes.values())
        while True:
            while waits and (probe := self._probes.get(host)) is not None:
                await probe.ended.wait()
            await slots.acquire()
            if not waits or host not in self._probes:
                break
            slots.release()
        try:
            yield
        finally:
            slots.release()

    def given_up(self, host: str) -> str | None:
        """The error line of a host found unreachable, with `GIVEN_UP`; None while it is not."""
        error = self._unreachable.get(host)
        return None if error is None else error + GIVEN_UP

    def answered_by(self, host: str) -> None:
        """A response's head came from `host`, whatever its body does next: it is not hung,
        and whoever waits on a probe of it goes on."""
        if host not in self._answered:
            self._answered.add(host)
            self._end_probe(host)

    def down(self, host: str, exc: http11.HttpError) -> bool:
        """Whether this failure says the host itself cannot be reached, or does not answer
        at all (before it has answered anything)."""
        if host_unreachable(exc):
            return True
        return isinstance(exc, http11.NoAnswer) and host not in self._answered

    def tried(self, me: object, down: str | None, error: str | None, *, last: bool) -> None:
        """What a fetch's try came to: `down`, the host it found down, if that is why it
        failed; `last`, whether it tries no more. Its first such failure makes it the host's
        probe (unless another is); its last gives the host up."""
        if down is None:
            self.done(me)  # its host answered, or failed otherwise
        elif last:
            self._unreachable.setdefault(down, error or "unreachable")
            self._end_probe(down)
        elif down not in self._probes:
            self._probes[down] = _Probe(me, asyncio.Event())

    def done(self, me: object) -> None:
        """The fetch ended (done, failed or cancelled): whoever waits on its probes goes on."""
        for host in [h for h, probe in self._probes.items() if probe.owner is me]:
            self._end_probe(host)

    def _end_probe(self, host: str) -> None:
        probe = self._probes.pop(host, None)
        if probe is not None:
            probe.ended.set()
