"""The network layer: bounded, polite HTTP GETs that return a FetchResult instead of raising.

Everything fetched is untrusted, so every request has timeouts, an overall deadline, a cap on
decompressed bytes and a bounded, http(s)-only redirect chain. What each failure says, and
whether it is worth another try, is fetch_failures.py's.
"""

from __future__ import annotations

import asyncio
import os
import random
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from newsreader import __version__
from newsreader.core.config import Config
from newsreader.core.errors import DecodeError
from newsreader.core.fetch_records import FetchResult
from newsreader.core.net import http11
from newsreader.core.net.decode import read_body
from newsreader.core.net.fetch_failures import (
    http_status_line,
    not_web_address,
    refused_redirect,
    retry_after_seconds,
    too_large,
    transport_failure,
)
from newsreader.core.net.host_turns import HostTurns
from newsreader.core.net.tls import verified_context
from newsreader.core.net.urls import host_key, is_web_url

if TYPE_CHECKING:
    from newsreader.core.net.proxied import ProxiedClients

USER_AGENT = f"newsreader/{__version__} (+terminal news reader)"
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
    "text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
# httpx reads only these from the environment (besides NO_PROXY, which only takes away).
_PROXY_VARIABLES = frozenset({"http_proxy", "https_proxy", "all_proxy"})
# A try's result, whether another could help, seconds to wait first, and the host it found
# unreachable if that is why it failed.
_Try = tuple[FetchResult, bool, float | None, str | None]


@dataclass(frozen=True, slots=True)
class FetchConfig:
    max_concurrency: int = 96  # why 96: NetworkConfig.concurrency
    per_host: int = 4  # politeness: parallel requests to one host:port
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = 60.0  # one attempt, redirects included: stops a trickling server
    max_bytes: int = 10 * 1024 * 1024  # decompressed
    max_redirects: int = 5
    retries: int = 2
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_retry_after: float = 10.0  # longer waits go back to the caller as `retry_after`
    user_agent: str = USER_AGENT


def fetch_config(config: Config, *, max_bytes_mb: float | None = None) -> FetchConfig:
    """The Fetcher's config from the user's [network] section."""
    net = config.network
    return FetchConfig(
        max_concurrency=net.concurrency,
        per_host=net.per_host,
        connect_timeout=net.connect_timeout,
        read_timeout=net.read_timeout,
        deadline=net.total_timeout,
        max_bytes=int((max_bytes_mb or net.max_feed_mb) * 1024 * 1024),
        retries=net.retries,
    )


def fetch_sync(url: str, *, config: FetchConfig | None = None, **kw: Any) -> FetchResult:
    """One fetch in a fresh event loop: `add` resolves a URL with it, outside any refresh."""

    async def one() -> FetchResult:
        async with Fetcher(config or FetchConfig()) as fetcher:
            return await fetcher.fetch(url, **kw)

    return asyncio.run(one())


class Fetcher:
    """Shares connections, cookies and the concurrency limits across many fetches.

    Requests go out through the small HTTP/1.1 client of http11.py, which keeps idle
    connections per host; only URLs a proxy from the environment applies to go through httpx
    (proxied.py), which is imported only then.
    """

    def __init__(self, config: FetchConfig = FetchConfig()) -> None:
        self.config = config
        self._open = False
        self._direct = http11.Client(
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
            user_agent=config.user_agent,
            max_idle=config.per_host,
            tls=verified_context,
        )
        self._proxied: ProxiedClients | None = None
        if _environment_has_proxies():
            # Start-up speed and memory: httpx (13 MB) loads only when a proxy may be used.
            from newsreader.core.net.proxied import ProxiedClients

            self._proxied = ProxiedClients(
                connect_timeout=config.connect_timeout,
                read_timeout=config.read_timeout,
                pool_timeout=config.deadline,
                per_host=config.per_host,
                user_agent=config.user_agent,
                cookies=self._direct.cookie_jar(),  # one jar for both clients
            )
        self._global = asyncio.Semaphore(config.max_concurrency)
        # Slots per host, and which hosts are probed or given up (host_turns.py).
        self._hosts = HostTurns(config.per_host)

    async def __aenter__(self) -> Fetcher:
        self._open = True
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._open = False
        await self._direct.aclose()
        if self._proxied is not None:
            await self._proxied.aclose()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """GET a feed or page; network and HTTP problems come back as `error`, never raised."""
        headers = {"Accept": _ACCEPT}
        if etag and etag.isprintable():
            headers["If-None-Match"] = etag
        if last_modified and last_modified.isprintable():
            headers["If-Modified-Since"] = last_modified
        cap = self.config.max_bytes if max_bytes is None else max_bytes
        result = await self._fetch(url, headers, cap, head_only=False)
        if result.status == 304:
            # A 304 may omit the validators; the ones we sent are still current.
            etag_now = result.etag or etag
            return _replace(
                result, etag=etag_now, last_modified=result.last_modified or last_modified
            )
        return result

    async def fetch_head(self, url: str, *, max_bytes: int = 65536) -> FetchResult:
        """GET only the start of a page, up to `</head>`, for a link preview's metadata."""
        headers = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"}
        return await self._fetch(url, headers, max_bytes, head_only=True)

    async def _fetch(
        self, url: str, headers: dict[str, str], cap: int, *, head_only: bool
    ) -> FetchResult:
        if not self._open:
            raise RuntimeError("use Fetcher inside `async with`")
        if not is_web_url(url):
            return FetchResult(url=url, final_url=url, status=None, error=not_web_address(url))
        cfg = self.config
        attempt = 0
        me = object()  # whose probe it is (`HostTurns.tried`)
        try:
            while True:
                try:
                    # Armed once the first slot is ours: queueing for a busy host is not
                    # slowness.
                    async with asyncio.timeout(None) as deadline:
                        result, retry, wait, unreachable = await self._attempt(
                            url, headers, cap, head_only, deadline, me
                        )
                except TimeoutError:
                    msg = f"timed out after {cfg.deadline:g} s overall (server too slow)"
                    return FetchResult(url=url, final_url=url, status=None, error=msg)
                except Exception as exc:
                    # A surprise from an answer nobody foresaw fails this fetch alone, in one
                    # line: an escape from here ended a whole refresh (Retry-After of 400
                    # digits, a Content-Length of 5,000: a helper's review).
                    msg = f"could not read the answer ({type(exc).__name__}: {exc})"[:200]
                    return FetchResult(url=url, final_url=url, status=None, error=msg)
                final = not retry or attempt >= cfg.retries
                self._hosts.tried(me, unreachable, result.error, last=final)
                if final:
                    return result
                await asyncio.sleep(wait if wait is not None else self._backoff(attempt))
                attempt += 1
        finally:
            self._hosts.done(me)

    def _backoff(self, attempt: int) -> float:
        cfg = self.config
        ceiling = min(cfg.backoff_cap, cfg.backoff_base * 2.0**attempt)
        return ceiling * random.uniform(0.5, 1.0)

    async def _attempt(
        self,
        url: str,
        headers: dict[str, str],
        cap: int,
        head_only: bool,
        deadline: asyncio.Timeout,
        me: object,
    ) -> _Try:
        """One try through the redirect chain: (result, worth retrying, seconds to wait, the
        host it could not reach if that is why it failed)."""
        current, seen, permanent = url, {url}, True
        while True:
            host = host_key(current)
            try:
                # Host first, then global: a queue for one busy host must not hold global slots.
                async with self._hosts.turn(host, me, first_hop=current == url), self._global:
                    if (given_up := self._hosts.given_up(host)) is not None:
                        return _failed(url, current, given_up), False, None, None
                    if deadline.when() is None:
                        loop_now = asyncio.get_running_loop().time()
                        deadline.reschedule(loop_now + self.config.deadline)
                    hop = await self._hop(url, current, host, headers, cap, head_only)
            except http11.HttpError as exc:
                message, retry = transport_failure(
                    exc,
                    current,
                    connect_timeout=self.config.connect_timeout,
                    read_timeout=self.config.read_timeout,
                )
                if exc.proxy is not None:
                    message = f"{message} (through proxy {exc.proxy})"
                # Through a proxy, the proxy may be what failed: each URL tries, as ever.
                unreachable = host if exc.proxy is None and self._hosts.down(host, exc) else None
                return _failed(url, current, message), retry, None, unreachable
            if isinstance(hop, tuple):
                result, retry, wait = hop
                if permanent and current != url and result.error is None:
                    result = _replace(result, permanent_url=current)
                return result, retry, wait, None
            status, target = hop.status, hop.target
            permanent = permanent and status in _PERMANENT
            if permanent:
                # The stored address moves to the target once it answers with the feed: asked
                # with the old address's validators, a retired feed's home page answered 304,
                # and the address moved there for good (a helper's review). Once moved, the
                # new address is asked conditionally again.
                headers = {k: v for k, v in headers.items() if k not in _VALIDATORS}
            if not is_web_url(target):
                msg = refused_redirect(target)
                return _failed(url, current, msg, status), False, None, None
            if target in seen:
                msg = "redirect loop (redirected back to an earlier URL)"
                return _failed(url, current, msg, status), False, None, None
            if len(seen) > self.config.max_redirects:
                msg = f"too many redirects (more than {self.config.max_redirects})"
                return _failed(url, current, msg, status), False, None, None
            seen.add(target)
            current = target

    async def _hop(
        self,
        url: str,
        current: str,
        host: str,
        headers: dict[str, str],
        cap: int,
        head_only: bool,
    ) -> tuple[FetchResult, bool, float | None] | _Redirect:
        proxied = self._proxied
        client = proxied if proxied is not None and proxied.applies(current) else self._direct
        async with client.stream(current, headers) as resp:
            self._hosts.answered_by(host)  # the head is in: a stalling body still counts
            status = resp.status
            lowered = resp.headers
            base = FetchResult(
                url=url,
                final_url=current,
                status=status,
                headers=lowered,
                etag=lowered.get("etag"),
                last_modified=lowered.get("last-modified"),
            )
            if status in _REDIRECTS and "location" in lowered:
                try:
                    target = urljoin(current, lowered["location"].strip())
                except ValueError:
                    return _replace(base, error="invalid redirect target"), False, None
                return _Redirect(status, target)
            if status == 304:
                # A 304 has no body; reading the empty rest lets the connection be reused.
                async for _ in resp.aiter_raw():
                    pass
                return base, False, None
            if not 200 <= status < 300:
                return self._http_error(base, status)
            if not head_only:
                length = lowered.get("content-length", "")
                if length.isascii() and length.isdigit() and int(length) > cap:
                    return _replace(base, error=too_large(cap)), False, None
            try:
                body = await read_body(resp, cap, head_only)
            except DecodeError as exc:
                return _replace(base, error=str(exc)), False, None
            if body is None:
                return _replace(base, error=too_large(cap)), False, None
            return _replace(base, body=body), False, None

    def _http_error(self, base: FetchResult, status: int) -> tuple[FetchResult, bool, float | None]:
        line = http_status_line(status)
        if status not in _RETRY_STATUS:
            return _replace(base, error=line), False, None
        retry_after = retry_after_seconds(base.headers.get("retry-after"))
        if retry_after is None:
            return _replace(base, error=line), True, None
        result = _replace(
            base, error=f"{line} (retry after {retry_after:g} s)", retry_after=retry_after
        )
        return result, retry_after <= self.config.max_retry_after, retry_after


_VALIDATORS = ("If-None-Match", "If-Modified-Since")


@dataclass(frozen=True, slots=True)
class _Redirect:
    status: int
    target: str


def _environment_has_proxies() -> bool:
    """Whether httpx could find a proxy in the environment: if not, it is not needed."""
    return any(value and name.lower() in _PROXY_VARIABLES for name, value in os.environ.items())


def _failed(url: str, current: str, message: str, status: int | None = None) -> FetchResult:
    return FetchResult(url=url, final_url=current, status=status, error=message)


def _replace(result: FetchResult, **changes: Any) -> FetchResult:
    return replace(result, **changes)
