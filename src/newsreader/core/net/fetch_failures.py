"""What a failed fetch says: one human line for each way a GET can fail, and whether another
try could help. The lines name hosts and schemes from untrusted URLs, so those are cut short
and kept printable."""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

from newsreader.core.net import http11
from newsreader.core.net.urls import DEFAULT_PORTS, host_name, is_web_url


def transport_failure(
    exc: http11.HttpError, url: str, *, connect_timeout: float, read_timeout: float
) -> tuple[str, bool]:
    """One line for a transport failure, and whether another try could help."""
    host = host_name(url)
    if isinstance(exc, http11.ProxyUnusable):
        return str(exc), False
    if isinstance(exc, http11.LookupTimeout):
        return f"timed out after {connect_timeout:g} s looking up {host}", True
    if isinstance(exc, http11.ConnectTimeout):
        return f"timed out after {connect_timeout:g} s connecting to {host}", True
    if isinstance(exc, http11.NoAnswer):
        return f"timed out after {read_timeout:g} s waiting for an answer", True
    if isinstance(exc, http11.TimeoutFailure):
        return f"timed out after {read_timeout:g} s reading", True
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror):
            return f"cannot resolve host {host}", cause.errno == socket.EAI_AGAIN
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused", True
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS certificate of {host} not valid: {cause.verify_message}", False
        if isinstance(cause, ssl.SSLError):
            return f"TLS error with {host}: {cause.reason or 'handshake failed'}", False
        if isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return f"cannot reach host {host} (network unreachable)", True
    if isinstance(exc, http11.ConnectError):
        return f"cannot connect to {host}", True
    if isinstance(exc, http11.MalformedResponse):
        return f"malformed response ({exc})", False
    if isinstance(exc, http11.ReadError | http11.ProtocolError):
        return "server closed the connection unexpectedly", True
    if isinstance(exc, http11.InvalidURL):
        return "invalid URL", False
    return f"network error ({type(exc).__name__})", False


def host_unreachable(exc: http11.HttpError) -> bool:
    """Whether the host itself could not be reached (not resolved, refused, no route, no
    answer to connecting): what holds for one URL on it then holds for every other."""
    if isinstance(exc, http11.ConnectTimeout):
        return True
    if not isinstance(exc, http11.ConnectError):
        return False
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLError):  # it answered: its TLS may differ by name
            return False
        if isinstance(cause, socket.gaierror | ConnectionRefusedError):
            return True
        if isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return True
        if type(cause) is OSError and str(cause).startswith(_EVERY_ADDRESS_FAILED):
            return True
    return False


# What asyncio's create_connection raises when each of a host's addresses (IPv4 and IPv6,
# say) failed to connect, with differing messages: a plain OSError naming them, nothing chained.
_EVERY_ADDRESS_FAILED = "Multiple exceptions: "


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def http_status_line(status: int) -> str:
    from http import HTTPStatus  # start-up speed: an enum of 60 members, for error lines

    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


# A server's Retry-After is honoured up to a week: a digit string of 400 places was infinity,
# and the date of the feed's next poll past the year 9999 ended the refresh in an
# OverflowError (a helper's review).
LONGEST_RETRY_AFTER = 7 * 86400.0


def failed_for_the_network(url: str, status: int | None) -> bool:
    """Whether a fetch failed for the network or a server's bad moment: no answer at all
    (to a web address), a 5xx, a 408 or a 429. A 2xx that failed (not a web page, over the
    size cap) or any other 4xx would fail the same way next time."""
    if status is None:
        return is_web_url(url)
    return status >= 500 or status in (408, 429)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # '²'.isdigit() is True, float('²') raises
        return min(float(value), LONGEST_RETRY_AFTER) if len(value) <= 12 else LONGEST_RETRY_AFTER
    from email.utils import parsedate_to_datetime  # start-up speed: email's modules (2 ms)

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):  # a year of 20 digits overflows
        return None
    if when.tzinfo is None:
        return None
    return min(max(0.0, (when - datetime.now(UTC)).total_seconds()), LONGEST_RETRY_AFTER)


def _scheme(url: str) -> str:
    """The scheme, cut short and printable, for error lines about hostile URLs."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ""
    return scheme[:20] if scheme.isprintable() else ""


def not_web_address(url: str) -> str:
    scheme = _scheme(url)
    if scheme and scheme not in DEFAULT_PORTS:
        return f"refusing to fetch {scheme}: URL (only http and https)"
    return "not a web address (only http and https URLs are fetched)"


def refused_redirect(target: str) -> str:
    scheme = _scheme(target)
    what = f"{scheme}: URL" if scheme else "an invalid URL"
    return f"refusing to follow redirect to {what}"


def too_large(cap: int) -> str:
    if cap >= 1024 * 1024:
        return f"response larger than {round(cap / 1024 / 1024, 1):g} MB"
    if cap >= 1024:
        return f"response larger than {round(cap / 1024, 1):g} KB"
    return f"response larger than {cap} bytes"
