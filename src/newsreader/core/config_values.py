"""Reading one config.toml section into its dataclass, each value type- and range-checked.

Kept apart from config.py (the sections themselves and where files live) so the limits every
number must keep read as one table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from newsreader.core.errors import ConfigError

_KINDS = {int: "a whole number", float: "a number", bool: "true or false", str: "a string"}


@dataclass(frozen=True, slots=True)
class _Range:
    """The values a number may take; `above` makes the lower bound exclusive (timeouts)."""

    low: float
    high: float = math.inf
    above: bool = False

    def admits(self, value: float) -> bool:
        if not math.isfinite(value) or value > self.high:
            return False
        return value > self.low if self.above else value >= self.low

    def describe(self) -> str:
        if math.isinf(self.low):
            return "a finite number"
        low = f"more than {self.low:g}" if self.above else f"at least {self.low:g}"
        return low if math.isinf(self.high) else f"{low} and at most {self.high:g}"


_POSITIVE = _Range(0, above=True)
_COUNT = _Range(0)
# Every number a user may set, with what makes sense for it. A number missing here must only
# be finite; a key added to a section without a range gets that much checking.
_RANGES: dict[str, _Range] = {
    "network.concurrency": _Range(1, 1000),
    "network.per_host": _Range(1, 100),
    "network.connect_timeout": _POSITIVE,
    "network.read_timeout": _POSITIVE,
    "network.total_timeout": _POSITIVE,
    "network.max_feed_mb": _POSITIVE,
    "network.max_page_mb": _POSITIVE,
    "network.retries": _Range(0, 10),
    "network.min_poll_minutes": _Range(1, 10_080),
    "network.max_poll_minutes": _Range(1, 43_200),
    "prefetch.teasers_per_article": _Range(0, 100),
    "prefetch.max_mb_per_run": _COUNT,
    "prefetch.max_seconds_per_run": _COUNT,
    # Bounds past any use: a day count beyond them overflowed SQLite's integers (a traceback).
    "retention.max_age_days": _Range(0, 36_500),
    "retention.max_entries_per_feed": _Range(0, 1_000_000_000),
    "cluster.window_days": _Range(1, 3_650),  # below 1 it compared nothing, silently
    "reader.article_max_chars": _Range(1000),
    "reader.history_size": _Range(1, 10_000),
    "reader.refresh_minutes": _Range(0, 10_080),
    "sync.first_sync_days": _Range(0, 36_500),
    "sync.timeout": _POSITIVE,
    "sync.max_response_mb": _POSITIVE,
}
_FINITE = _Range(-math.inf)


def read_section(path: Path, name: str, cls: Any, value: Any, warnings: list[str]) -> Any:
    """One [section] as its dataclass: unknown keys become warnings, a wrong type or an
    out-of-range number an error naming the key."""
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{name}] must be a table")
    known = {f.name: f for f in fields(cls)}
    default = cls()
    taken: dict[str, Any] = {}
    for key, item in value.items():
        if key not in known:
            warnings.append(f"{path}: unknown option {name}.{key} skipped")
            continue
        expected = type(getattr(default, key))
        if expected is tuple:  # a list of names ([browser] console)
            if not isinstance(item, list) or not all(isinstance(i, str) for i in item):
                raise ConfigError(f"{path}: {name}.{key} must be a list of strings")
            taken[key] = tuple(item)
            continue
        ok = isinstance(item, expected) or (expected is float and isinstance(item, int))
        if not ok or isinstance(item, bool) != (expected is bool):
            raise ConfigError(f"{path}: {name}.{key} must be {_KINDS[expected]}")
        if expected in (int, float):
            allowed = _RANGES.get(f"{name}.{key}", _FINITE)
            if not allowed.admits(item):
                raise ConfigError(
                    f"{path}: {name}.{key} must be {allowed.describe()}, not {item!r}"
                )
        taken[key] = item
    return cls(**taken)
