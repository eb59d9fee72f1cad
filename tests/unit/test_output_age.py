"""The age column of `articles`: one unit, four columns at most, at any age."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsreader.output import compact_age

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ago", "shown"),
    [
        (timedelta(seconds=30), "now"),
        (timedelta(minutes=5), "5m"),
        (timedelta(hours=3, minutes=59), "3h"),
        (timedelta(days=45), "45d"),
        (timedelta(days=364), "364d"),
        (timedelta(days=365), "1y"),
        (timedelta(days=7334), "20y"),  # an archive's item: it was 7334d, a column too wide
    ],
)
def test_compact_age(ago: timedelta, shown: str) -> None:
    assert compact_age(NOW - ago, NOW) == shown
    assert len(shown) <= 4
