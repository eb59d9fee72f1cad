"""Entry text stored deflated (core/store/packed_text.py): what is packed, and that it comes
back as it went in."""

from __future__ import annotations

import platform
import random
import subprocess
import sys
import textwrap
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from isal import isal_zlib

from newsreader.core.store.packed_text import (
    DENSE_LEVEL,
    MIN_PACKED_CHARS,
    QUICK_LEVEL,
    SMALL_BUFFER_BYTES,
    pack_text,
    unpack_text,
)


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


def test_text_given_in_latin1_is_packed_in_it_and_comes_back_the_same() -> None:
    text = "<p>Die Straßenbahn fährt über die Brücke; « Öffnungszeiten » ändern sich.</p>" * 8
    latin = pack_text(text, text.encode("latin-1"), QUICK_LEVEL, latin1=True)
    utf8 = pack_text(text, text.encode("utf-8"), QUICK_LEVEL)
    assert isinstance(latin, bytes) and isinstance(utf8, bytes)
    assert (latin[:1], utf8[:1]) == (b"\x02", b"\x01")  # the format byte names the encoding
    assert zlib.decompress(latin[1:], -15) == text.encode("latin-1")
    assert unpack_text(latin) == unpack_text(utf8) == text
    assert pack_text(text, level=QUICK_LEVEL) == utf8  # nothing given: UTF-8, as ever
    short = "ä" * (MIN_PACKED_CHARS - 1)
    assert pack_text(short, short.encode("latin-1"), latin1=True) == short


def test_every_latin1_character_comes_back_from_format_2() -> None:
    # Windows-1252 reads 0x80-0x9f otherwise, UTF-8 not at all: Latin-1 and nothing else.
    text = bytes(range(256)).decode("latin-1") * 4
    for level in (DENSE_LEVEL, QUICK_LEVEL):
        stored = pack_text(text, text.encode("latin-1"), level, latin1=True)
        assert isinstance(stored, bytes) and stored[:1] == b"\x02"
        assert unpack_text(stored) == text


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["Rathaus", "Brücke", "Straße", " ", "<p>", "«", "\x80", "\x9f", "ÿ"]),
        min_size=MIN_PACKED_CHARS,
        max_size=4000,
    )
)
def test_any_latin1_text_comes_back_through_the_stdlib_inflater(words: list[str]) -> None:
    text = "".join(words)
    for level in (DENSE_LEVEL, QUICK_LEVEL):
        stored = pack_text(text, text.encode("latin-1"), level, latin1=True)
        assert isinstance(stored, bytes) and stored[:1] == b"\x02"  # repetitive: packed
        assert len(stored) < len(text.encode("latin-1"))
        assert unpack_text(stored) == text


def test_rows_written_before_packing_read_as_they_are() -> None:
    assert unpack_text("<p>alt</p>") == "<p>alt</p>"
    assert unpack_text(None) == ""
    assert unpack_text(b"kein Format") == "kein Format"  # not ours: read, not a crash


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=MIN_PACKED_CHARS, max_size=6000))
def test_any_text_comes_back_through_the_stdlib_inflater(text: str) -> None:
    # ISA-L packs, zlib unpacks: the two must agree on every stream, not only on prose, at
    # the level of either page size.
    for level in (DENSE_LEVEL, QUICK_LEVEL):
        assert unpack_text(pack_text(text, level=level)) == text


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
    for level, share in ((DENSE_LEVEL, 0.6), (QUICK_LEVEL, 0.75)):
        stored = pack_text(text, level=level)
        assert isinstance(stored, bytes)
        assert len(stored) < len(text.encode("utf-8")) * share
        assert unpack_text(stored) == text


def _as_stored_before(text: str) -> str | bytes:
    """What pack_text stored before it chose ISA-L's buffer size: the one-shot default's."""
    raw = text.encode("utf-8")
    packed = bytes((1,)) + isal_zlib.compress(raw, 1, -15)
    return packed if len(packed) < len(raw) else text


@pytest.mark.parametrize("alphabet", [64, 200])
def test_stored_bytes_are_those_of_the_default_buffer(alphabet: int) -> None:
    # Few matches make the most tokens per byte: the case the small buffer must still hold in
    # one block. A stored value that changed would rewrite nothing, but the same text would
    # be stored two ways.
    rng = random.Random(alphabet)
    letters = [chr(0x21 + i) for i in range(alphabet)]
    long_text = "".join(rng.choice(letters) for _ in range(40_000))
    # Up to the bound, and past it (and past where the small buffer splits the block: ~32 KB).
    for size in (MIN_PACKED_CHARS, 5000, SMALL_BUFFER_BYTES, SMALL_BUFFER_BYTES + 1, 34_000):
        assert pack_text(long_text[:size]) == _as_stored_before(long_text[:size])


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=MIN_PACKED_CHARS, max_size=SMALL_BUFFER_BYTES // 4))
def test_any_text_is_stored_as_the_default_buffer_stored_it(text: str) -> None:
    assert pack_text(text) == _as_stored_before(text)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the worker tunes glibc's malloc")
def test_packing_in_a_worker_does_not_fault_pages_in_on_every_call() -> None:
    # A worker maps big blocks on their own (refresh/worker_memory.py); a deflate buffer that
    # big was mapped, faulted in and unmapped on every call (6 page faults each here).
    script = textwrap.dedent(
        """
        import random, resource
        from newsreader.core.refresh.worker_memory import hold_only_what_is_used
        from newsreader.core.store.packed_text import pack_text
        hold_only_what_is_used()
        rng = random.Random(1)
        words = ["Stadtrat", "Brücke", "über", "Haushalt", "Straße", "2026", "<p>", "beschließt"]
        texts = [" ".join(rng.choice(words) for _ in range(800)) for _ in range(300)]
        pack_text(texts[0])
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for text in texts:
            pack_text(text)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert int(done.stdout) < 100  # of 300 calls
