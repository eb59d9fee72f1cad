"""The search language (issue 14): what a query reads as, and one clear line for one that
cannot be read."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsreader.core.errors import NewsreaderError, QueryError
from newsreader.core.search_query import SearchQuery, Term, parse_query


def _shape(query: SearchQuery) -> list[list[str]]:
    """Each group's terms in a compact spelling, for readable expectations."""
    spelled = []
    for group in query.groups:
        terms = []
        for t in group:
            value = t.day.isoformat() if t.day else (f'"{t.text}"' if t.exact else t.text)
            prefix = "" if t.kind == "words" else t.kind + ":"
            terms.append(("-" if t.negated else "") + prefix + value)
        spelled.append(terms)
    return spelled


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("baustelle OR sperrung", [["baustelle", "sperrung"]]),
        # OR binds tighter than the implicit AND, as in a web search.
        ("a OR b c", [["a", "b"], ["c"]]),
        ("a b OR c", [["a"], ["b", "c"]]),
        ('"Hammer Straße" -umleitung', [['"Hammer Straße"'], ["-umleitung"]]),
        ('-"Lesen Sie auch"', [['-"Lesen Sie auch"']]),
        ("feed:Polizei tag:Münster", [["feed:Polizei"], ["tag:Münster"]]),
        # quoted: a title only, never an id (S saves a feed whose title is "7" so)
        ('feed:"Radio Münster" Feuer', [['feed:"Radio Münster"'], ["Feuer"]]),
        ("after:2026-11-01 before:2026-12-01", [["after:2026-11-01"], ["before:2026-12-01"]]),
        ("-feed:Polizei", [["-feed:Polizei"]]),
        ("Feed:Polizei", [["feed:Polizei"]]),  # a field's name in any case
        ("or oder", [["or"], ["oder"]]),  # only OR in capitals joins
        ("Münster - Hiltrup", [["Münster"], ["Hiltrup"]]),  # a lone dash is punctuation
        ("http://example.org", [["http://example.org"]]),  # not a field: words
        ("  ", []),
        ('a""b', [["a"], ["b"]]),  # an empty phrase searches nothing
    ],
)
def test_queries_read_as_groups_of_terms(text: str, shape: list[list[str]]) -> None:
    assert _shape(parse_query(text)) == shape


def test_days_and_their_local_midnight() -> None:
    term = parse_query("after:2026-02-28").groups[0][0]
    assert term == Term("after", day=date(2026, 2, 28))
    assert term.day_starts().tzinfo is not None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('"Hammer Straße', "quote at character 1 is never closed"),
        ('feed:Polizei "Unfall', "quote at character 14 is never closed"),
        ("OR Unfall", "OR needs a term on each side"),
        ("Unfall OR", "OR needs a term on each side"),
        ("Unfall OR OR Brand", "OR needs a term on each side"),
        ("OR", "OR needs a term on each side"),
        ("before:2026-13-01", "before: wants a day as YYYY-MM-DD, not '2026-13-01'"),
        ("after:gestern", "after: wants a day as YYYY-MM-DD, not 'gestern'"),
        ("after:2026-2-1", "after: wants a day as YYYY-MM-DD"),
        ("feed: Polizei", "feed: needs a value"),
        ("tag:", "tag: needs a value"),
        ("feed:!!", "feed: needs a feed's name or id"),
        # no local midnight of that day in UTC east of Greenwich: "year 0 is out of range"
        ("after:0001-01-01", "after: wants a day as YYYY-MM-DD, not '0001-01-01'"),
    ],
)
def test_bad_queries_are_one_clear_line(text: str, says: str) -> None:
    with pytest.raises(QueryError) as raised:
        parse_query(text)
    message = str(raised.value)
    assert says in message
    assert "\n" not in message
    assert isinstance(raised.value, NewsreaderError)  # the CLI's one-line, exit-2 path


_WORDS = st.sampled_from(["Stadt", "Straße", "rat", "Ärger", "e-bike", "Köln", "or", "x1"])
_TERMS = st.one_of(
    st.tuples(st.just("words"), _WORDS, st.booleans(), st.booleans()),
    st.tuples(st.just("phrase"), st.lists(_WORDS, min_size=1, max_size=3), st.booleans()),
    st.tuples(st.sampled_from(["feed", "tag"]), _WORDS, st.booleans()),
    st.tuples(st.sampled_from(["before", "after"]), st.dates(), st.booleans()),
)


def _spell(term: tuple[object, ...]) -> tuple[str, Term]:
    kind = term[0]
    if kind == "words":
        _, word, negated, _unused = term
        return f"{'-' if negated else ''}{word}", Term(
            "words", text=str(word), negated=bool(negated)
        )
    if kind == "phrase":
        _, words, negated = term
        text = " ".join(words)  # type: ignore[arg-type]
        return f'{"-" if negated else ""}"{text}"', Term(
            "words", text=text, exact=True, negated=bool(negated)
        )
    if kind == "feed" or kind == "tag":
        _, name, negated = term
        return f"{'-' if negated else ''}{kind}:{name}", Term(
            kind, text=str(name), negated=bool(negated)
        )
    _, day, negated = term
    assert isinstance(day, date) and (kind == "before" or kind == "after")
    return f"{'-' if negated else ''}{kind}:{day:%Y-%m-%d}", Term(
        kind, day=day, negated=bool(negated)
    )


@given(st.lists(st.lists(_TERMS, min_size=1, max_size=3), max_size=4))
def test_any_spelled_query_reads_back_as_written(groups: list[list[tuple[object, ...]]]) -> None:
    """Property: a query written from groups of terms (OR inside a group, spaces between
    groups) reads back as exactly those groups."""
    if any(d.year < 1000 for g in groups for t in g for d in t if isinstance(d, date)):
        return  # %Y writes years below 1000 with fewer digits
    spelled = [[_spell(t) for t in group] for group in groups]
    text = "  ".join(" OR ".join(s for s, _ in group) for group in spelled)
    expected = tuple(tuple(term for _, term in group) for group in spelled)
    assert parse_query(text).groups == expected
