"""How often a feed asks to be polled: RSS `<ttl>`, `sy:updatePeriod`/`sy:updateFrequency`
and the response's `Cache-Control: max-age`.

Only the ask is read here; the bounds a user sets ([network] min_poll_minutes and
max_poll_minutes) are applied when a refresh decides which feeds are due, so changing them
takes effect at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_PERIODS = {
    "hourly": 3600,
    "daily": 86_400,
    "weekly": 7 * 86_400,
    "monthly": 30 * 86_400,
    "yearly": 365 * 86_400,
}
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d{1,10})", re.IGNORECASE)
_NO_STORE = re.compile(r"(?:^|[,\s])(?:no-cache|no-store)(?:$|[,\s=])", re.IGNORECASE)


def feed_interval(ttl: object, period: object, frequency: object) -> int | None:
    """Seconds between polls a feed's own elements ask for; None when they ask nothing
    usable. With both, the longer wins: we poll no more often than any of them asks."""
    asks = [_ttl_seconds(ttl), _syndication_seconds(period, frequency)]
    known = [ask for ask in asks if ask]
    return max(known) if known else None


def header_interval(headers: Mapping[str, str]) -> int | None:
    """Seconds from `Cache-Control: max-age` (headers lower-cased); no-cache asks nothing."""
    value = headers.get("cache-control", "")
    if not value or _NO_STORE.search(value):
        return None
    match = _MAX_AGE.search(value)
    if match is None or int(match.group(1)) == 0:
        return None
    return int(match.group(1))


def longest(*asks: int | None) -> int | None:
    known = [ask for ask in asks if ask]
    return max(known) if known else None


def _ttl_seconds(ttl: object) -> int | None:
    text = str(ttl).strip() if ttl is not None else ""
    return int(text) * 60 if text.isdigit() and 0 < int(text) < 10_000_000 else None


def _syndication_seconds(period: object, frequency: object) -> int | None:
    if period is None and frequency is None:
        return None
    seconds = _PERIODS.get(str(period or "daily").strip().lower())
    times = str(frequency).strip() if frequency is not None else "1"
    if seconds is None or not times.isdigit() or not 0 < int(times) <= 100_000:
        return None
    return max(1, seconds // int(times))
