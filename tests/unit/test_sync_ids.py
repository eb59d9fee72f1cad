"""Google Reader item ids: the decimal and the long hex form name the same item."""

from __future__ import annotations

import pytest

from newsreader.core.errors import SyncProtocolError
from newsreader.core.sync.greader import item_id, long_item_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("tag:google.com,2005:reader/item/0005f8f0c1b2a3d4", str(0x0005F8F0C1B2A3D4)),
        (str(0x0005F8F0C1B2A3D4), str(0x0005F8F0C1B2A3D4)),
        ("tag:google.com,2005:reader/item/ffffffffffffffff", str(2**64 - 1)),
        ("-1", str(2**64 - 1)),  # some servers print the id as a signed 64-bit number
        ("42", "42"),
    ],
)
def test_both_forms_meet(raw: str, expected: str) -> None:
    assert item_id(raw) == expected
    assert item_id(long_item_id(expected)) == expected


@pytest.mark.parametrize(
    "raw", ["", "abc", "tag:google.com,2005:reader/item/xyz", "1" * 25, "1.5", str(2**64)]
)
def test_other_ids_are_refused(raw: str) -> None:
    with pytest.raises(SyncProtocolError):
        item_id(raw)
