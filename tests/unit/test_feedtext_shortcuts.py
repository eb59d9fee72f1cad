"""feedtext's shortcuts for the common case give what the general way gives, for any text."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsreader.core.extract.paywall import any_marks_paywall, title_marks_paywall
from newsreader.core.parse import feedtext

# Spaces of every kind, line ends, controls and paywall hints, among ordinary letters.
TEXT = st.text(
    alphabet=st.sampled_from(list(" \t\n\r\x0b\x1c\x85\xa0\u2003\u3000abcÄäÃ¤+|[(lusAboPrem:)]")),
    max_size=24,
)


@settings(max_examples=400, deadline=None)
@example("Rat  tagt")
@example(" Rat tagt")
@example("Rat tagt ")
@example("Rat\u00a0tagt")
@example("Rat\ntagt")
@given(TEXT)
def test_a_title_already_on_one_line_is_kept_as_splitting_would_keep_it(text: str) -> None:
    assert feedtext.one_line_title(text, None) == " ".join(feedtext.fix_mojibake(text).split())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(TEXT, st.sampled_from(["Lokales", " Lokales ", "Sport", ""]))))
def test_terms_are_the_unique_non_empty_ones_in_order(terms: list[str]) -> None:
    tags = [{"term": term} for term in terms]
    expected = feedtext._unique(feedtext.fix_mojibake(term).strip() for term in terms)
    assert feedtext._terms(tags) == expected


@settings(max_examples=300, deadline=None)
@given(TEXT, st.lists(TEXT, max_size=3))
def test_hints_looked_for_at_once_mark_what_each_text_marks(title: str, terms: list[str]) -> None:
    texts = (title, *terms)
    assert any_marks_paywall(texts) == any(map(title_marks_paywall, texts))
