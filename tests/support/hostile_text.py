"""Hypothesis strategies for hostile feed and page text, and the checks every output must pass.

The checks are written from Unicode categories, not from the sanitizer's own tables, so a gap
in render.safe_text shows up as a failing property rather than as a shared blind spot.
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from newsreader.core.article_records import Page, Teaser
from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.store.store import Store

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)

CLICK = "[@click=app.quit]x[/]"
LINK = "[link=file:///etc/passwd]y[/]"
BOLD = "[bold red]"
MARKUP = [
    CLICK,
    LINK,
    BOLD,
    "[/]",
    "[b]",
    "[/bold red]",
    "[on red]",
    "[@click=app.bell]",
    "$title",
    "**strong**",
    "*em*",
    "_u_",
    "`code`",
    "[label](https://evil.example/)",
    "[f](file:///etc/passwd)",
    "<b>b</b>",
    "&amp;",
    "# ",
    "> ",
    "- ",
    "1. ",
    "\\",
    "\\[b]",
]
ESCAPES = [
    "\x1b[31m",
    "\x1b[0m",
    "\x1b[2J",
    "\x1b[?1049h",
    "\x1b]8;;file:///etc/passwd\x07",
    "\x1b]8;;\x1b\\",
    "\x1b]0;pwned\x07",
    "\x1b]52;c;aGk=\x07",
    "\x1bP+q544e\x1b\\",
    "\x1b_apc\x1b\\",
    "\x1bc",
    "\x1b(0",
    "\x1b",
    "\x9b31m",
    "\x9d0;pwned\x9c",
    "\x90dcs\x9c",
]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

_controls = st.characters(min_codepoint=0, max_codepoint=0x1F) | st.characters(
    min_codepoint=0x7F, max_codepoint=0x9F
)
_fragment = st.one_of(
    st.sampled_from(MARKUP),
    st.sampled_from(ESCAPES),
    st.sampled_from(BIDI),
    _controls,
    st.text(max_size=12),  # any Unicode but surrogates, which SQLite cannot store anyway
    st.just(" "),
    st.just("Münster "),
)
_short = st.lists(_fragment, max_size=10).map("".join)
_huge = st.tuples(_short, st.integers(10_000, 12_000)).map(
    lambda pair: (f"{pair[0]} {CLICK} " * pair[1])[: pair[1]]
)

hostile_text = st.one_of(_short, _short, _short, st.just(""), _huge)
"""Markup, escape sequences, C0/C1 controls, bidi overrides, any Unicode; empty or 10k+."""


def bad_chars(text: str, allow: str = "") -> list[str]:
    """Characters that must never reach a terminal: controls (but `allow`), surrogates, bidi."""
    return [
        c
        for c in text
        if c in BIDI_CONTROLS or (unicodedata.category(c) in ("Cc", "Cs") and c not in allow)
    ]


@dataclass(frozen=True)
class HostileCase:
    """One feed's worth of untrusted text, one string per place it is shown."""

    feed_title: str
    tag: str
    title: str
    author: str
    body: str
    teaser_title: str
    teaser_description: str
    page_title: str
    page_text: str
    error: str


hostile_cases = st.builds(
    HostileCase,
    feed_title=hostile_text,
    tag=hostile_text,
    title=hostile_text,
    author=hostile_text,
    body=hostile_text,
    teaser_title=hostile_text,
    teaser_description=hostile_text,
    page_title=hostile_text,
    page_text=hostile_text,
    error=hostile_text,
)

FIXED_CASE = HostileCase(
    feed_title=f"{CLICK}\u202eevil",
    tag=LINK,
    title=f"{CLICK} {LINK} {BOLD} \x1b[31mred\x1b[0m \x9b2J",
    author=f"{LINK}\x1b[2J",
    body=f"{BOLD} \x1b]8;;file:///etc/passwd\x07osc\x1b]8;;\x07 \u2066iso\u2069",
    teaser_title=CLICK,
    teaser_description=f"{LINK} \x85",
    page_title=f"{BOLD}\x1bc",
    page_text=f"{CLICK}\n\n{LINK}\t{BOLD}",
    error=f"\x1b]0;pwned\x07{CLICK}",
)
EMPTY_CASE = HostileCase("", "", "", "", "", "", "", "", "", "")
# Two terminal cells a character: the feed pane cuts its rows by cells.
WIDE_CASE = replace(
    FIXED_CASE, feed_title="東京🦆ニュース速報の地域版です\u202e", tag="地域🦆タグタグタグタグ"
)
HUGE = ("\x1b[31m" + CLICK + " \u202e" + BOLD + " ") * 400
HUGE_CASE = HostileCase(*([HUGE] * 10))

FEED_URL = "https://evil.example/feed"
ARTICLE_URL = "https://evil.example/a/1"
TEASER_URL = "https://evil.example/t/1"
PLAIN_BODY_URL = "https://evil.example/a/2"


def fill_store(store: Store, case: HostileCase) -> None:
    """A feed with two entries: one whose page is cached (page text, teasers), one whose text
    comes from the feed as HTML that holds the hostile string as text only."""
    feed = store.add_feed(FEED_URL, title=case.feed_title, tags=[case.tag] if case.tag else [])
    teaser = Teaser(TEASER_URL, case.teaser_title, case.teaser_description)
    entries = (
        ParsedEntry(
            key="paged",
            title=case.title,
            url=ARTICLE_URL,
            author=case.author or None,
            summary=case.body,
            published=NOW - timedelta(minutes=5),
            teasers=(teaser,),
        ),
        ParsedEntry(
            key="plain",
            title=case.title,
            url=PLAIN_BODY_URL,
            author=case.author or None,
            summary=f"<p>{html.escape(case.body)}</p>",
            published=NOW - timedelta(minutes=10),
        ),
    )
    store.record_feed(
        feed.id,
        ParsedFeed(title=case.feed_title, site_url=None, entries=entries),
        status=200,
        etag=None,
        last_modified=None,
    )
    store.record_failure(feed.id, status=500, error=case.error)
    store.save_page(
        Page(
            url=ARTICLE_URL,
            final_url=ARTICLE_URL,
            fetched_at=NOW,
            title=case.page_title,
            author=case.author,
            text=case.page_text,
            teasers=(teaser,),
        ),
        None,
    )
    store.save_page(
        Page(
            url=TEASER_URL,
            final_url=TEASER_URL,
            fetched_at=NOW,
            title=case.page_title,
            author=case.author,
            text=case.page_text,
        ),
        None,
    )
