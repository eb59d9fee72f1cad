"""Folding for search: German umlauts and ß spelled out, in lower case.

Both the indexed text and the query are folded the same way, so "Ägypten", "aegypten" and
"ÄGYPTEN" meet at "aegypten", and "Straße" and "strasse" at "strasse". Other diacritics
(é, č) are left to FTS5's tokenizer (`remove_diacritics 2`), which folds both sides too;
doing them here per character cost most of a refresh's store time.
"""

from __future__ import annotations

import re
import unicodedata

_GERMAN = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"))
_LATIN1_GERMAN = tuple((umlaut.encode("latin-1"), spelled.encode()) for umlaut, spelled in _GERMAN)
# Both cases: for text whose other letters were lowered by bytes.lower(), ASCII's alone.
_LATIN1_UMLAUTS = (
    *_LATIN1_GERMAN,
    *((umlaut.upper().encode("latin-1"), spelled.encode()) for umlaut, spelled in _GERMAN[:3]),
)
# str.lower() of each of the 256 Latin-1 characters, as one byte each (none lowers to two).
_LATIN1_LOWER = bytes(range(256)).decode("latin-1").lower().encode("latin-1")
# Non-ASCII characters often left in folded German text, signs (\x80-\xbf) before letters
# (see `_latin1_to_utf8`), each with its UTF-8.
_LATIN1_UTF8 = tuple((char.encode("latin-1"), char.encode()) for char in "«»°" + "éè")
_TAG = re.compile(r"<[^>]*>")
_ENTITY = re.compile(r"&(#?\w+);")
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    try:
        # Text within Latin-1 (most German text without typographic quotes): lowered byte by
        # byte, umlauts spelled out, at a third of str.lower()'s cost, to the same result.
        latin = text.encode("latin-1")
    except UnicodeEncodeError:
        return _fold_wide(text)
    return _fold_latin1(latin).decode("latin-1")


def fold_utf8(text: str) -> bytes:
    """`fold(text)` in UTF-8, as the index is written. German text within Latin-1 is plain
    ASCII once folded: its bytes are then already the UTF-8, with no decode and encode."""
    if text.isascii():
        return text.lower().encode()
    try:
        latin = text.encode("latin-1")
    except UnicodeEncodeError:
        return _fold_wide(text).encode()
    # bytes.lower() (ASCII letters only) costs two thirds of the translate of all Latin-1;
    # with the umlauts of either case spelled out, what is left outside ASCII is mostly
    # lower case already (`_latin1_to_utf8` finds out). Else the whole fold, as for `fold`.
    lowered = latin.lower()
    for umlaut, spelled in _LATIN1_UMLAUTS:
        lowered = lowered.replace(umlaut, spelled)
    if lowered.isascii():
        return lowered
    utf8 = _latin1_to_utf8(lowered)
    if utf8 is not None:
        return utf8
    latin = _fold_latin1(latin)
    return latin if latin.isascii() else latin.decode("latin-1").encode()


def _fold_latin1(latin: bytes) -> bytes:
    latin = latin.translate(_LATIN1_LOWER)
    # Replaced without asking `umlaut in latin` first: bytes.__contains__ tries its argument
    # as an integer first, and the TypeError it makes and drops cost more than the scan.
    # A replace that finds nothing gives back the same object, no copy.
    for umlaut, spelled in _LATIN1_GERMAN:
        latin = latin.replace(umlaut, spelled)
    return latin


def _latin1_to_utf8(latin: bytes) -> bytes | None:
    """Latin-1 text, its ASCII folded, as folded UTF-8, or None: when `_LATIN1_UTF8` (lower
    case letters and signs, which folding keeps) names all that is left outside ASCII, mostly
    a letter or two (the é of "Café") and a sign. Each is replaced by its two bytes, which
    spares a decode and a character-by-character encode of the whole text (a third of
    folding a farm entry). Its order makes that exact: a sign (\x80-\xbf) becomes \xc2 and
    itself, so signs go first; a letter (\xe0-\xff) becomes \xc3 and a sign's byte, which
    no later replace touches; no replace touches \xc2 or \xc3 (not in the list)."""
    rest, found = latin, []
    for high, utf8 in _LATIN1_UTF8:
        without = rest.replace(high, b"")  # the same object when it is not there: no copy
        if without is not rest:
            rest = without
            found.append((high, utf8))
    if not rest.isascii():
        return None
    for high, utf8 in found:
        latin = latin.replace(high, utf8)
    return latin


def _fold_wide(text: str) -> str:
    # Decomposed umlauts (u + U+0308) come from some CMSs; compose them first, cheaply.
    if "\u0308" in text:
        text = unicodedata.normalize("NFC", text)
    # Chained replace runs at C speed; str.translate with a dict looks up every character.
    lowered = text.lower()
    for umlaut, spelled in _GERMAN:
        if umlaut in lowered:
            lowered = lowered.replace(umlaut, spelled)
    return lowered


def strip_tags(html: str) -> str:
    """Cheap tag stripping for the index only; display goes through the sanitizing renderer."""
    text = _TAG.sub(" ", html) if "<" in html else html
    return _ENTITY.sub(" ", text) if "&" in text else text


def feed_text(summary: str, content: str) -> str:
    """An entry's feed text without tags: what the index folds and clustering sketches."""
    return strip_tags(summary + " " + content)


def query_words(user_query: str) -> list[str]:
    """The folded words of a search, each searched as a prefix."""
    return _WORD.findall(fold(user_query))


def fts_query(user_query: str) -> str | None:
    """Every word of the query must match, each as a prefix; None when nothing is searchable."""
    words = query_words(user_query)
    if not words:
        return None
    return " ".join(f'"{word}"*' for word in words)
