"""Entry text stored deflated (core/store/packed_text.py): what is packed, and that it comes
back as it went in."""

from __future__ import annotations

import random

from newsreader.core.store.packed_text import MIN_PACKED_CHARS, pack_text, unpack_text


def test_long_text_is_packed_and_comes_back_the_same() -> None:
    text = (
        "<p>Die Straßenbahn fährt über die Brücke am Rathaus, Öffnungszeiten ändern sich.</p>" * 8
    )
    packed = pack_text(text)
    assert isinstance(packed, bytes)
    assert len(packed) < len(text.encode("utf-8")) / 2
    assert unpack_text(packed) == text


def test_short_text_stays_text_and_nothing_grows() -> None:
    short = "ä" * (MIN_PACKED_CHARS - 1)
    assert pack_text(short) == short
    assert pack_text("") == ""
    rng = random.Random(7)
    for size in (MIN_PACKED_CHARS, 300, 5000):
        text = "".join(chr(rng.randrange(0x21, 0x2FFF)) for _ in range(size))
        stored = pack_text(text)
        raw = stored if isinstance(stored, bytes) else stored.encode("utf-8")
        assert len(raw) <= len(text.encode("utf-8"))
        assert unpack_text(stored) == text


def test_rows_written_before_packing_read_as_they_are() -> None:
    assert unpack_text("<p>alt</p>") == "<p>alt</p>"
    assert unpack_text(None) == ""
    assert unpack_text(b"kein Format") == "kein Format"  # not ours: read, not a crash
