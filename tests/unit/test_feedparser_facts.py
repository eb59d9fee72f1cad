"""The fast path's copy of feedparser's tables and small rules (feedparser_facts.py, and the
author bookkeeping in fastparse_items.py) must say what the installed feedparser says: they
exist so that a refresh worker need not import it, not to differ from it."""

from __future__ import annotations

from typing import Any

from feedparser.datetimes.rfc822 import timezone_names
from feedparser.html import _cp1252
from feedparser.mixin import _FeedParserMixin
from feedparser.sanitizer import _HTMLSanitizer
from feedparser.urls import ACCEPTABLE_URI_SCHEMES, _urljoin, make_safe_absolute_uri
from feedparser.util import FeedParserDict
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsreader.core.parse import feedparser_facts as facts
from newsreader.core.parse.fastparse_items import _save_author_part, _sync_author


def test_namespace_prefixes_are_feedparsers() -> None:
    assert _FeedParserMixin.namespaces == facts.NAMESPACE_PREFIXES


def test_handled_elements_are_feedparsers_handlers() -> None:
    handlers = {
        name.split("_", 2)[2]
        for name in dir(_FeedParserMixin)
        if name.startswith(("_start_", "_end_"))
    }
    # the fast path asks in lower case; "textInput" and the like have lower-case twins
    assert {name for name in handlers if name == name.lower()} == facts.HANDLED_ELEMENTS
    assert {name.lower() for name in handlers} <= facts.HANDLED_ELEMENTS


def test_stored_as_is_feedparsers_keymap() -> None:
    first = {k: v[0] if isinstance(v, list) else v for k, v in FeedParserDict.keymap.items()}
    assert first == facts.STORED_AS


def test_the_other_tables_are_feedparsers() -> None:
    assert _HTMLSanitizer.acceptable_elements == facts.SAFE_HTML_ELEMENTS
    assert set(ACCEPTABLE_URI_SCHEMES) == facts.URI_SCHEMES
    assert _cp1252 == facts.CP1252_C1
    assert timezone_names == facts.ZONE_HOURS


URL_TAIL = st.text(alphabet=st.sampled_from("hts:/?#;&=.aZ09%- \t[]@,+"), max_size=30)


@settings(max_examples=300, deadline=None, derandomize=True)
@example("https:////n.example/a")
@example("sv+n.x-y,z:///a")
@example("javascript:alert(1)")
@example("http://[::1")  # urllib rejects it
@example("  https://n.example/a")
@given(URL_TAIL.map("https://".__add__) | URL_TAIL | st.text(max_size=20))
def test_urljoin_and_safe_uri_are_feedparsers(value: str) -> None:
    for base in ("https://news.example/feeds/a.xml", "http://n.example/f", "ftp://n.example/"):
        assert facts.urljoin(base, value) == _urljoin(base, value)
        if value:
            assert facts.safe_absolute_uri(base, value) == make_safe_absolute_uri(base, value)


@settings(max_examples=400, deadline=None, derandomize=True)
@example("a &amp; b")
@example("a &bogus; b")
@example("<b>x</b>")
@example("<script>x</script>")
@example("<B>x</B> &#228;")
@example("</p>")
@example("x &#x201E;")
@given(st.text(alphabet=st.sampled_from("<>/&#;bpx ascript1éB"), max_size=24))
def test_looks_like_html_is_feedparsers(text: str) -> None:
    assert facts.looks_like_html(text) == _FeedParserMixin.looks_like_html(text)


class _FeedparserAuthors(_FeedParserMixin):  # type: ignore[misc]
    """feedparser's own author bookkeeping, run on a mapping of our choosing."""

    def __init__(self, context: dict[str, Any]) -> None:
        self.context = context

    def _get_context(self) -> dict[str, Any]:
        return self.context


AUTHOR_TEXT = st.text(alphabet=st.sampled_from("ab.-_+@()<>[]19 ?=sj&lt;gt"), max_size=30)
AUTHOR_TEXT |= st.sampled_from(
    [
        "redaktion@n.example (Anna Schmidt)",
        "Anna Schmidt <anna@n.example>",
        "(anna@n.example)",
        "anna@[10.0.0.1] x",
        "anna@n.example?subject=Hallo Welt",
        "Anna &lt;anna@n.example&gt;",
    ]
)
PART = st.tuples(st.sampled_from(["name", "email", "href"]), AUTHOR_TEXT)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(
    before=st.one_of(st.none(), AUTHOR_TEXT),
    parts=st.lists(PART, max_size=3),
    line=AUTHOR_TEXT,
    authors=st.integers(0, 2),
)
def test_author_bookkeeping_is_feedparsers(
    before: str | None, parts: list[tuple[str, str]], line: str, authors: int
) -> None:
    """One <author> element: an earlier author line maybe, the element's parts saved one by
    one, then its own line and the sync that follows it (as fastparse_items._author does)."""

    def start() -> dict[str, Any]:
        item: dict[str, Any] = {} if before is None else {"author": before}
        if authors:
            item["authors"] = [{} for _ in range(authors)]
        return item

    mine, theirs = start(), start()
    feedparser_side = _FeedparserAuthors(theirs)
    for key, value in parts:
        _save_author_part(mine, key, value)
        feedparser_side._save_author(key, value)
    mine["author"] = theirs["author"] = line
    _sync_author(mine)
    feedparser_side._sync_author_detail()
    assert mine == theirs
