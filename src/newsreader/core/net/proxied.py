"""httpx, for the URLs a proxy from the environment applies to.

The fetcher's own client (http11.py) connects directly. Where HTTP_PROXY, HTTPS_PROXY or
ALL_PROXY (less NO_PROXY) send a URL through a proxy, httpx carries it as before: it decides
which URLs that is (its own reading of the environment, so nothing changes for a user with a
proxy) and speaks to the proxy. The fetcher imports this module, and with it httpx, only when
such a variable is set.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import AsyncIterator
from http.cookiejar import CookieJar

import httpx
from httpx._utils import URLPattern, get_environment_proxies

from newsreader.core.net import http11
from newsreader.core.net.tls import plain_http_context, verified_context

_STASHED_LOCATION = "x-newsreader-location"


class ProxiedClients:
    """One httpx client per scheme and host, as the fetcher had for every URL before."""

    def __init__(
        self,
        *,
        connect_timeout: float,
        read_timeout: float,
        pool_timeout: float,
        per_host: int,
        user_agent: str,
        cookies: CookieJar,
    ) -> None:
        self._settings = (connect_timeout, read_timeout, pool_timeout, per_host, user_agent)
        self._cookies = cookies
        self._clients: dict[str, httpx.AsyncClient] = {}
        # The same table httpx's client builds from the environment, most specific first: the
        # first pattern that matches a URL says whether it goes through a proxy.
        mounts = get_environment_proxies()
        # NO_PROXY's networks (10.0.0.0/8, fd00::/8): httpx reads them but its patterns never
        # match an address against them, so every host inside went to the proxy (and one
        # with an IPv6 network, `all://[fd00::/8]`, is no URL: making its pattern raised).
        spans = [key for key, proxy in mounts.items() if proxy is None and _is_span(key)]
        self._direct_networks = [net for key in spans if (net := _network(key)) is not None]
        self._mounts = sorted(
            (URLPattern(key), _shown(proxy)) for key, proxy in mounts.items() if key not in spans
        )

    def applies(self, url: str) -> bool:
        """Whether a proxy from the environment takes `url` (as httpx decides it)."""
        return self.proxy_for(url) is not None

    def proxy_for(self, url: str) -> str | None:
        """The proxy that takes `url`, as error lines name it (no credentials), or None."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, UnicodeError):  # idna's errors are UnicodeErrors
            return "?"  # httpx refuses it (stream): never fetched directly past the proxy
        if self._direct_networks:
            try:
                address = ipaddress.ip_address(parsed.host)
            except ValueError:  # a name, not an address: no network holds it
                pass
            else:
                if any(address in network for network in self._direct_networks):
                    return None
        for pattern, proxy in self._mounts:
            if pattern.matches(parsed):
                return proxy
        return None

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    @contextlib.asynccontextmanager
    async def stream(self, url: str, headers: dict[str, str]) -> AsyncIterator[http11.Response]:
        try:
            client = self._client(url)
        except (httpx.InvalidURL, UnicodeError) as exc:
            raise http11.InvalidURL("invalid URL") from exc
        except (ImportError, ValueError) as exc:  # ALL_PROXY=socks5://… without socksio, ftp://…
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            shown = self.proxy_for(url)
            raise http11.ProxyUnusable(f"proxy {shown} cannot be used: {reason}") from exc
        try:
            async with client.stream("GET", url, headers=headers) as resp:
                yield _Adapted(resp)
        except httpx.ProxyError as exc:  # its answer to CONNECT: "network error (HttpError)"
            reason = " ".join(str(exc).split())[:120] or type(exc).__name__
            shown = self.proxy_for(url)
            raise http11.ProxyUnusable(f"proxy {shown} refused the tunnel: {reason}") from exc
        except httpx.HTTPError as exc:
            translated = _translated(exc)
            if isinstance(translated, http11.ConnectError | http11.ConnectTimeout):
                translated.proxy = self.proxy_for(url)
            raise translated from exc
        except (httpx.InvalidURL, UnicodeError) as exc:  # not HTTPErrors; a hostile URL can
            raise http11.InvalidURL("invalid URL") from exc

    def _client(self, url: str) -> httpx.AsyncClient:
        parsed = httpx.URL(url)
        key = f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"
        client = self._clients.get(key)
        if client is None:
            connect, read, pool, per_host, user_agent = self._settings
            context = verified_context() if parsed.scheme == "https" else plain_http_context()
            client = self._clients[key] = httpx.AsyncClient(
                follow_redirects=False,
                timeout=httpx.Timeout(connect=connect, read=read, write=read, pool=pool),
                limits=httpx.Limits(max_connections=per_host),
                verify=context,
                # We decode ourselves (see decode.py), so advertise only what zlib handles.
                headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
                event_hooks={"response": [_stash_location]},
            )
            # The fetcher's one jar, shared with the direct client; read only from responses
            # that set a cookie. Set as the attribute: the setter would copy it.
            client._cookies = _SetCookieJar(self._cookies)
        return client


def _shown(proxy: str | None) -> str | None:
    """A proxy URL for error lines: scheme, host and port, never a user name or password."""
    if proxy is None:
        return None
    try:
        url = httpx.URL(proxy if "://" in proxy else f"http://{proxy}")
    except (httpx.InvalidURL, UnicodeError):
        return "from the environment"
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}"


class _Adapted:
    """An httpx response as the fetcher reads one (http11.Response)."""

    def __init__(self, resp: httpx.Response) -> None:
        self._resp = resp
        self.status = resp.status_code
        headers = dict(resp.headers.items())  # httpx gives the names lower-cased
        if _STASHED_LOCATION in headers:
            headers["location"] = headers.pop(_STASHED_LOCATION)
        self.headers = headers

    def aiter_raw(self) -> AsyncIterator[bytes]:
        return self._resp.aiter_raw()


def _translated(exc: httpx.HTTPError) -> http11.HttpError:
    """httpx's error as the direct client's kind; the cause chain stays for the message."""
    if isinstance(exc, httpx.ConnectTimeout):
        return http11.ConnectTimeout(str(exc))
    if isinstance(exc, httpx.TimeoutException):
        return http11.ReadTimeout(str(exc))
    if isinstance(exc, httpx.ConnectError):
        return http11.ConnectError(str(exc))
    if isinstance(exc, httpx.ReadError | httpx.RemoteProtocolError):
        return http11.ProtocolError(str(exc))
    if isinstance(exc, httpx.UnsupportedProtocol):
        return http11.InvalidURL("invalid URL")
    return http11.HttpError(str(exc))


async def _stash_location(response: httpx.Response) -> None:
    """Hide Location from httpx, which parses it even when not following and raises on junk."""
    if "location" in response.headers:
        response.headers[_STASHED_LOCATION] = response.headers["location"]
        del response.headers["location"]


class _SetCookieJar(httpx.Cookies):
    """httpx hands every response to the jar, which first copies its headers into an
    email.message (a sixth of a 304's CPU); only one that sets a cookie needs it."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


def _is_span(mount: str) -> bool:
    """Whether a mount names addresses by a prefix length (`all://10.0.0.0/8`)."""
    scheme, _, host = mount.partition("://")
    return scheme == "all" and "/" in host


def _network(mount: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """The network of a span (`all://10.0.0.0/8`, `all://[fd00::/8]`); None if it is none,
    as 10.0.0.0/33, which then holds no address."""
    try:
        return ipaddress.ip_network(mount.partition("://")[2].strip("[]"), strict=False)
    except ValueError:
        return None
