"""Entry text stored deflated (core/store/packed_text.py): what is packed, and that it comes
back as it went in."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

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


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=MIN_PACKED_CHARS, max_size=6000))
def test_any_text_comes_back_through_the_stdlib_inflater(text: str) -> None:
    # ISA-L packs, zlib unpacks: the two must agree on every stream, not only on prose.
    assert unpack_text(pack_text(text)) == text


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(["Rathaus", "Brücke", "Straße", " ", "<p>", "ß", "🚋"]),
        min_size=MIN_PACKED_CHARS,  # a word is one character at least
        max_size=4000,
    )
)
def test_repetitive_text_is_packed_small(words: list[str]) -> None:
    text = "".join(words)
    stored = pack_text(text)
    assert isinstance(stored, bytes)
    assert len(stored) < len(text.encode("utf-8")) * 0.6
    assert unpack_text(stored) == text
