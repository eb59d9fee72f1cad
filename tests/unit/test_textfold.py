"""The search index's text must not change: rows are deleted by the text they were indexed with.

The index is contentless (core/store/search_index.py): an entry indexed before an upgrade is
taken out of the index by computing `entry_text` again. So `fold` and `strip_tags` must keep
giving, character for character, what their plain definitions give (str.lower, umlauts
spelled out, tags and entities blanked by regex), whatever shortcut they take.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from newsreader.core.errors import FeedParseError
from newsreader.core.parse.feeds import parse_feed
from newsreader.core.store.entry_rows import entry_text as entry_rows_text
from newsreader.core.store.search_index import entry_text
from newsreader.core.store.textfold import fold, fold_utf8, strip_tags
from tests.unit.test_fastparse import farm_feed


def plain_fold(text: str) -> str:
    if "\u0308" in text:
        text = unicodedata.normalize("NFC", text)
    text = text.lower()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, spelled)
    return text


def plain_strip_tags(html: str) -> str:
    return re.sub(r"&(#?\w+);", " ", re.sub(r"<[^>]*>", " ", html))


def plain_entry_text(title: str, summary: str, content: str) -> tuple[str, str]:
    return plain_fold(title), plain_fold(plain_strip_tags(summary + " " + content))


def test_every_latin1_character_folds_as_str_lower_does() -> None:
    for code in range(256):
        char = chr(code)
        for text in (char, f"Ab{char}Ü", f"{char}ßÄ{char}", char * 3):
            assert fold(text) == plain_fold(text), hex(code)


def test_folded_utf8_is_the_folded_text_encoded() -> None:
    # The index is written from fold_utf8; rows are deleted by fold's text, encoded.
    for code in range(256):
        char = chr(code)
        for text in (char, f"Ab{char}Ü", f"{char}ßÄ{char}", f"Straße {char}"):
            assert fold_utf8(text) == plain_fold(text).encode(), hex(code)
    for text in ("„Straße“ – ÄRGER", "u\u0308ber", "ÜBER DIE BRÜCKE", "plain ascii"):
        assert fold_utf8(text) == plain_fold(text).encode(), text


def test_folded_utf8_of_any_two_latin1_characters_is_the_folded_text_encoded() -> None:
    # fold_utf8 spells some characters left after folding in UTF-8 itself, one replace each:
    # the order of those replaces must hold with any other character beside them.
    high = [chr(code) for code in range(0x80, 0x100)]
    for first in high:
        for second in high:
            text = f"Café {first}x{second}{first} «°»"
            assert fold_utf8(text) == plain_fold(text).encode(), (first, second)


def test_wider_characters_fold_as_before() -> None:
    for text in (
        "„Straße“ – ÄRGER für Ölmühle",
        "İstanbul ΣΟΦΟΣ Ǆemal ẞ",
        "u\u0308ber Gru\u0308ße",
        "日本語 テキスト Ä",
        "\ud800 Ä",  # a lone surrogate, as a broken feed can hand it on
        "€ 5,– ÜBER",
    ):
        assert fold(text) == plain_fold(text), text


TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from("aAäÄöÖüÜßẞ <>&#;/=\"'pbr xX09\u0308„“–€İΣ\u00a0\u00ff\u00de"),
        st.characters(max_codepoint=0x2FF),
        st.characters(),
    ),
    max_size=60,
)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(TEXT, TEXT, TEXT)
def test_entry_text_is_its_plain_definition(title: str, summary: str, content: str) -> None:
    assert entry_text(title, summary, content) == plain_entry_text(title, summary, content)
    assert strip_tags(summary) == plain_strip_tags(summary)
    try:
        expected = plain_fold(content).encode()
    except UnicodeEncodeError:  # a lone surrogate: the entry is not stored (pack_text fails)
        expected = None
    if expected is not None:
        assert fold_utf8(content) == expected


def test_entry_text_of_real_feeds_is_its_plain_definition(corpus: Path) -> None:
    bodies = [farm_feed()] + [p.read_bytes() for p in sorted((corpus / "feeds").iterdir())]
    checked = 0
    for body in bodies:
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        try:
            parsed = parse_feed(body, url="https://news.example/feed")
        except FeedParseError:
            continue
        for entry in parsed.entries:
            got = entry_text(entry.title, entry.summary, entry.content)
            assert got == plain_entry_text(entry.title, entry.summary, entry.content)
            # What a refresh's worker indexes with: the same text, in UTF-8.
            prepared = entry_rows_text(entry)
            assert (prepared.index_title, prepared.index_body) == (got[0], got[1].encode())
            checked += 1
    assert checked > 100
