"""A `SearchQuery` (core/search_query.py) as SQL over the entries.

The index (`detail=none`) knows which words an entry holds, not where: every group of plain
terms becomes one FTS5 expression, and all of them one MATCH that names the candidates. What
it cannot tell — a phrase's order, a feed's or tag's name, a day — is checked on the rows;
a phrase only on the rows the index names for it (its words all present), on the folded text
the entry was indexed with (`search_index.indexed_text_sql`, computed again, so only there).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from newsreader.core.search_query import SearchQuery, Term
from newsreader.core.store import search_index
from newsreader.core.store.textfold import fold
from newsreader.core.times import to_ts

_WORD = re.compile(r"\w+")
_COMBINING = re.compile("[\u0300-\u036f]+")  # the marks NFD splits off Latin letters
_IN_INDEX = "{alias}.id IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?)"


def plain(text: str) -> str:
    """Folded text without the diacritics FTS5 drops itself (é -> e), so a check on the
    index's candidates agrees with the index. (fold has spelled out the umlauts already.)"""
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFD", text))


def words_of(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(plain(fold(text))))


def _is_phrase(term: Term) -> bool:
    """A quoted run of several words: the index cannot tell their order."""
    return term.kind == "words" and term.exact and len(words_of(term.text)) > 1


def _in_index(term: Term) -> bool:
    """The index alone decides this term."""
    return term.kind == "words" and not _is_phrase(term)


def _fts(term: Term) -> str:
    """The term's words for FTS5: prefixes, or whole words when quoted (all of them)."""
    star = "" if term.exact else "*"
    # An explicit AND: `search_index.expand_match` may make each word a bracketed OR, and
    # FTS5 reads no implicit AND before a bracket.
    return "(" + " AND ".join(f'"{word}"{star}' for word in words_of(term.text)) + ")"


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """`candidates`: an FTS5 expression every match satisfies (None: no text to narrow by);
    `covered`: the groups (by position) it decides alone, whose rows need no other check."""

    candidates: str | None
    covered: frozenset[int]

    def index_only(self, query: SearchQuery) -> bool:
        """The MATCH is the whole query: the index alone can count the matches."""
        return self.candidates is not None and len(self.covered) == len(query.groups)


@functools.lru_cache(maxsize=256)
def plan(query: SearchQuery) -> QueryPlan:
    positive = [
        n
        for n, group in enumerate(query.groups)
        if all(t.kind == "words" and not t.negated for t in group)
    ]
    if not positive:
        return QueryPlan(None, frozenset())
    groups = query.groups
    expression = " AND ".join("(" + " OR ".join(_fts(t) for t in groups[n]) + ")" for n in positive)
    # A lone -word narrows the MATCH too (FTS5's NOT needs something on its left).
    excluded = [
        n
        for n, group in enumerate(groups)
        if len(group) == 1 and group[0].negated and _in_index(group[0])
    ]
    if excluded:
        expression = f"({expression})" + "".join(f" NOT {_fts(groups[n][0])}" for n in excluded)
    covered = {n for n in positive if all(_in_index(t) for t in groups[n])} | set(excluded)
    return QueryPlan(expression, frozenset(covered))


def query_sql(
    query: SearchQuery, alias: str, *, candidates: str | None = None
) -> tuple[list[str], list[Any]]:
    """WHERE terms (ANDed) and their arguments for the entries `alias` that match.
    `candidates`: the plan's MATCH written another way that names the same rows (its
    prefixes spelled out as words, `search_index.expand_match`)."""
    if not query.groups:
        return ["0"], []  # nothing searchable typed: nothing matches, as before the language
    where: list[str] = []
    args: list[Any] = []
    query_plan = plan(query)
    if query_plan.candidates is not None:
        where.append(_IN_INDEX.format(alias=alias))
        args.append(candidates or query_plan.candidates)
    for n, group in enumerate(query.groups):
        if n in query_plan.covered:
            continue
        parts = [_term_sql(term, alias) for term in group]
        where.append("(" + " OR ".join(sql for sql, _ in parts) + ")")
        for _, term_args in parts:
            args += term_args
    return where, args


def _term_sql(term: Term, alias: str) -> tuple[str, list[Any]]:
    sql, args = _positive_sql(term, alias)
    return (f"NOT ({sql})", args) if term.negated else (sql, args)


# The feeds with a tag, case-blind (the argument: the tag folded): search's `tag:` and the
# listings' tag filter. Every feed's every tag is folded in Python: 2.2 ms a query at 2,000
# feeds with two tags each, against 0.5 ms for an exact match. Cheaper forms measured (ASCII
# tags lowered by SQLite, the rest folded) saved under half of that, not worth their CASE.
TAGGED_FEEDS = "SELECT f.id FROM feeds f, json_each(f.tags) t WHERE newsreader_fold(t.value) = ?"


def _positive_sql(term: Term, alias: str) -> tuple[str, list[Any]]:
    a = alias
    if term.kind == "before":
        return f"{a}.published < ?", [to_ts(term.day_starts())]
    if term.kind == "after":
        return f"{a}.published >= ?", [to_ts(term.day_starts())]
    if term.kind == "tag":
        return f"{a}.feed_id IN ({TAGGED_FEEDS})", [fold(term.text.strip())]
    if term.kind == "feed":
        named = (
            "SELECT f.id FROM feeds f"
            " WHERE f.id = ? OR search_phrase(newsreader_fold(COALESCE(f.title, f.url)), NULL, ?)"
        )
        # A number is also an id, unless quoted (`feed:"7"`, a title: S saves a feed so);
        # only what SQLite's 64 bits hold.
        digits = term.text.strip()
        is_id = not term.exact and digits.isascii() and digits.isdigit() and len(digits) <= 18
        feed_id = int(digits) if is_id else -1
        return f"{a}.feed_id IN ({named})", [feed_id, prefix_pattern(words_of(term.text))]
    if not _is_phrase(term):
        return _IN_INDEX.format(alias=alias), [_fts(term)]
    title, body = search_index.indexed_text_sql(a)
    pattern = phrase_pattern(words_of(term.text))
    # The CASE keeps SQLite from computing the text of rows the index does not name; the
    # body, dearer to compute again, only when the title does not hold the phrase.
    return (
        f"CASE WHEN {_IN_INDEX.format(alias=a)} THEN search_phrase({title}, NULL, ?)"
        f" OR search_phrase(NULL, {body}, ?) ELSE 0 END",
        [_fts(term), pattern, pattern],
    )


def phrase_pattern(words: tuple[str, ...]) -> str:
    """A quoted phrase over folded text: whole words, in order, side by side."""
    return r"(?<!\w)" + r"\W+".join(re.escape(w) for w in words) + r"(?!\w)"


def prefix_pattern(words: tuple[str, ...]) -> str:
    """A name's words over folded text: each a prefix, in order, from a word's start."""
    return r"(?<!\w)" + r"\w*\W+".join(re.escape(w) for w in words)


@functools.lru_cache(maxsize=128)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def search_phrase(title: str | None, body: str | None, pattern: str) -> int:
    """1 when the folded title or body holds `pattern`: the SQL function of the checks."""
    compiled = _compiled(pattern)
    for text in (title, body):
        if text and compiled.search(plain(text)):
            return 1
    return 0
