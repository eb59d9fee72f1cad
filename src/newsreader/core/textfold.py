"""Folding for search: case, German umlauts and ß, other diacritics.

Both the indexed text and the query are folded the same way, so "Ägypten", "aegypten" and
"ÄGYPTEN" meet at "aegypten", and "Straße" and "strasse" at "strasse".
"""

from __future__ import annotations

import re
import unicodedata

_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})
_TAG = re.compile(r"<[^>]*>")
_ENTITY = re.compile(r"&(#?\w+);")
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    lowered = text.lower().translate(_GERMAN)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def strip_tags(html: str) -> str:
    """Cheap tag stripping for the index only; display goes through the sanitizing renderer."""
    return _ENTITY.sub(" ", _TAG.sub(" ", html))


def fts_query(user_query: str) -> str | None:
    """Every word of the query must match, each as a prefix; None when nothing is searchable."""
    words = _WORD.findall(fold(user_query))
    if not words:
        return None
    return " ".join(f'"{word}"*' for word in words)
