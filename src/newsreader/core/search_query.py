"""The search language of `/`, `articles --search` and saved searches (issue 14).

    baustelle OR sperrung "Hammer Straße" -umleitung feed:Polizei tag:Münster after:2026-11-01

Words are folded like the index (case, umlauts, ß) and match as word prefixes; a "quoted
phrase" matches whole words, in its order, side by side. `OR` (upper case) joins the terms on
its two sides and binds tighter than the implicit AND between terms, as in a web search:
`a OR b c` is (a or b) and c. `-` in front of any term excludes what it matches. `feed:` is a
feed's title (its words as prefixes, or the feed's id), `tag:` one of its tags, `before:` and
`after:` a day (YYYY-MM-DD, local time; `after:` includes the day, `before:` does not).

This module only reads the text into a `SearchQuery` (and imports nothing of ours but the
errors, so config.toml's `[[search]]` tables can be checked with it); `store/query_sql.py`
folds its words and turns it into SQL.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from newsreader.core.errors import QueryError

TermKind = Literal["words", "feed", "tag", "before", "after"]
FIELDS: tuple[TermKind, ...] = ("feed", "tag", "before", "after")

_WORD = re.compile(r"\w+")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_FIELD = re.compile(r"([A-Za-z]+):")


@dataclass(frozen=True, slots=True)
class Term:
    """One term: `text` as typed (words, a phrase, a feed's or tag's name), `exact` when it
    was quoted, `day` for before/after."""

    kind: TermKind
    text: str = ""
    exact: bool = False
    day: date | None = None
    negated: bool = False

    def day_starts(self) -> datetime:
        """Local midnight at the start of `day`, in UTC."""
        assert self.day is not None
        return _local_midnight(self.day)


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day).astimezone().astimezone(UTC)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """Every group must match; a group matches when any of its terms does."""

    groups: tuple[tuple[Term, ...], ...]


@functools.lru_cache(maxsize=256)
def parse_query(text: str) -> SearchQuery:
    """The query in `text`; a QueryError (one line) for an unclosed quote, an OR without a
    term on each side, a field without a value or a date that is none."""
    groups: list[list[Term]] = []
    joining = False  # an OR was read: the next term joins the last group
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            break
        if _is_or(text, position):
            if not groups or joining:
                raise QueryError(_bare_or(text, position))
            joining = True
            position += 2
            continue
        term, position = _term(text, position)
        if term is None:
            continue
        if joining:
            groups[-1].append(term)
            joining = False
        else:
            groups.append([term])
    if joining:
        raise QueryError(_bare_or(text, len(text)))
    return SearchQuery(tuple(tuple(group) for group in groups))


def _is_or(text: str, position: int) -> bool:
    end = position + 2
    return text.startswith("OR", position) and (end == len(text) or text[end].isspace())


def _bare_or(text: str, position: int) -> str:
    return (
        f"search {text.strip()!r}: OR needs a term on each side "
        f"(near character {position + 1}; write or in lower case to search for the word)"
    )


def _term(text: str, position: int) -> tuple[Term | None, int]:
    """The term that starts at `position`, and where the next one may start."""
    negated = text[position] == "-" and position + 1 < len(text)
    if negated and not text[position + 1].isspace():
        position += 1
    else:
        negated = False
    kind: TermKind = "words"
    field = _FIELD.match(text, position)
    if field and field.group(1).lower() in FIELDS:
        kind = FIELDS[FIELDS.index(field.group(1).lower())]
        position = field.end()
    if text.startswith('"', position):
        close = text.find('"', position + 1)
        if close < 0:
            raise QueryError(
                f"search {text.strip()!r}: the quote at character {position + 1} is never "
                'closed (a phrase goes between two ")'
            )
        value, exact, position = text[position + 1 : close], True, close + 1
    else:
        end = position
        while end < len(text) and not text[end].isspace() and text[end] != '"':
            end += 1
        value, exact, position = text[position:end], False, end
    return _make_term(text, kind, value, exact=exact, negated=negated), position


def _make_term(text: str, kind: TermKind, value: str, *, exact: bool, negated: bool) -> Term | None:
    if kind != "words" and not value.strip():
        raise QueryError(f"search {text.strip()!r}: {kind}: needs a value, as in {kind}:X")
    if kind in ("before", "after"):
        return Term(kind, day=_day(text, kind, value.strip()), negated=negated)
    if kind == "tag":
        return Term(kind, text=value.strip(), negated=negated)
    has_words = _WORD.search(value) is not None
    if kind == "feed":
        if not has_words:
            raise QueryError(f"search {text.strip()!r}: feed: needs a feed's name or id")
        return Term(kind, text=value, exact=exact, negated=negated)
    # A word of punctuation alone ("-", "&") searches nothing, as before the language.
    return Term(kind, text=value, exact=exact, negated=negated) if has_words else None


def _day(text: str, kind: str, value: str) -> date:
    try:
        if _DAY.fullmatch(value):
            day = date.fromisoformat(value)
            _local_midnight(day)  # 0001-01-01 has none in UTC east of Greenwich
            return day
    except (ValueError, OverflowError):
        pass
    raise QueryError(f"search {text.strip()!r}: {kind}: wants a day as YYYY-MM-DD, not {value!r}")
