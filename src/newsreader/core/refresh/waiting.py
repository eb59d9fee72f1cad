"""What a refresh waits on once no feed has come in for a while: the hosts of the feeds still
being fetched. A host that is down or silent (its probe's tries), a name whose lookup hangs or
a slow server can hold the end of a refresh for a minute or more, and a progress line that
stands still at "20/32" says nothing of why; this names them, for `refresh`'s bar and the
reader's status bar.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from newsreader.core.extract.render import one_line
from newsreader.core.net.urls import server_name

# No fetch ended for this long: the refresh is said to be waiting. Shorter than any timeout
# (a healthy refresh ends a fetch every few milliseconds), long enough not to flicker.
QUIET_SECONDS = 3.0
# How often the wait is looked at, and said again (its seconds count up).
LOOK_EVERY = 1.0
_HOSTS_NAMED = 2  # more would not fit a status bar
_HOST_CHARS = 40


@dataclass(frozen=True, slots=True)
class Waiting:
    """The hosts with feeds being fetched (most feeds first), and for how long no fetch has
    ended."""

    hosts: tuple[tuple[str, int], ...]  # (host, its feeds being fetched)
    seconds: float

    def describe(self) -> str:
        """`waiting 12 s on news.example (12 feeds), other.example`: one safe line."""
        named = [
            one_line(host, _HOST_CHARS) + (f" ({feeds} feeds)" if feeds > 1 else "")
            for host, feeds in self.hosts[:_HOSTS_NAMED]
        ]
        more = len(self.hosts) - _HOSTS_NAMED
        if more > 0:
            named.append(f"{more} more host" + ("s" if more > 1 else ""))
        return f"waiting {self.seconds:.0f} s on " + ", ".join(named)


class InFlight:
    """The feeds being fetched, by host, and when a fetch last ended (or the refresh began)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._by_host: Counter[str] = Counter()
        self._last_end = clock()

    def start(self, url: str) -> str:
        """Count a fetch of `url` as started; its host, to hand to `end`."""
        host = server_name(url)
        self._by_host[host] += 1
        return host

    def end(self, host: str) -> None:
        self._by_host[host] -= 1
        if not self._by_host[host]:
            del self._by_host[host]
        self._last_end = self._clock()

    def waiting(self) -> Waiting | None:
        """What the refresh waits on, if no fetch ended for `QUIET_SECONDS` and some run."""
        quiet = self._clock() - self._last_end
        if quiet < QUIET_SECONDS or not self._by_host:
            return None
        hosts = sorted(self._by_host.items(), key=lambda item: (-item[1], item[0]))
        return Waiting(tuple(hosts), quiet)


async def tell_waits(in_flight: InFlight, tell: Callable[[Waiting | None], None]) -> None:
    """Until cancelled: `tell` each `LOOK_EVERY` while the refresh waits, and None once when
    it no longer does. A `tell` that raises ends the telling, not the refresh."""
    said = False
    while True:
        await asyncio.sleep(LOOK_EVERY)
        waiting = in_flight.waiting()
        if (waiting is not None or said) and not _told(tell, waiting):
            return
        said = waiting is not None


def tell_done(tell: Callable[[Waiting | None], None]) -> None:
    """The fetching is over, and with it any wait on a host (None), whatever else went wrong."""
    _told(tell, None)


def _told(tell: Callable[[Waiting | None], None], waiting: Waiting | None) -> bool:
    """Whether `tell` took it. A progress line is no reason to fail a refresh (a closed
    stderr, say): its error is dropped, and the telling stops."""
    try:
        tell(waiting)
    except Exception:
        return False
    return True
