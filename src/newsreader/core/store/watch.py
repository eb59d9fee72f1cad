"""Watch words (issue 14): "Hammer Straße", "Kreuzviertel", matched like search.

Folded like the index (case, umlauts, ß), each word a prefix ("Gesamtschule" finds
"Gesamtschulen"), the words of one entry in their order. The index keeps no positions
(`detail=none`), so it only names candidates (every word present, as a prefix); the order is
then checked here by a SQL function (`watch_word`) that each connection registers, on the
folded text the entry was indexed with: the index keeps no copy of it (it is contentless),
so `search_index.indexed_text_sql` computes it again for the candidates.
"""

from __future__ import annotations

import functools
import json
import re

from newsreader.core.store.textfold import fold

_WORD = re.compile(r"\w+")


def watch_fts_query(words: tuple[str, ...]) -> str | None:
    """An FTS query for the candidates: any watch word's words, each as a prefix."""
    groups = []
    for word in words:
        parts = _WORD.findall(fold(word))
        if parts:
            # An explicit AND: `search_index.expand_match` may make each word a bracketed OR,
            # and FTS5 reads no implicit AND before a bracket.
            groups.append("(" + " AND ".join(f'"{p}"*' for p in parts) + ")")
    return " OR ".join(groups) or None


def word_pattern(words: str) -> re.Pattern[str] | None:
    """A phrase as a pattern over folded text: each word a prefix, in order, from a word's
    start; None when the phrase has no word in it."""
    parts = _WORD.findall(fold(words))
    if not parts:
        return None
    return re.compile(r"(?<!\w)" + r"\w*\W+".join(re.escape(p) for p in parts))


@functools.lru_cache(maxsize=32)
def _patterns(words_json: str) -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    """Each word as configured, its first folded word, and its pattern."""
    compiled = []
    for word in json.loads(words_json):
        pattern = word_pattern(word)
        if pattern is not None:
            compiled.append((word, _WORD.findall(fold(word))[0], pattern))
    return tuple(compiled)


def watch_word(title: str | None, body: str | None, words_json: str) -> str | None:
    """The first watch word (as configured) found in the folded title or body, else None.

    A text without the word's first word as a substring cannot match; `in` says so many
    times faster than the pattern, whose look-behind makes it try every position."""
    for word, first, pattern in _patterns(words_json):
        for text in (title, body):
            if text and first in text and pattern.search(text):
                return str(word)
    return None


def matching_word(text: str, words: tuple[str, ...]) -> str | None:
    """The same match on a plain text (a page's, say), folded here."""
    if not words:
        return None
    folded = fold(text)
    return watch_word(folded, None, json.dumps(list(words), ensure_ascii=False))
