"""A teaser card's words: its headline, kicker and summary, without widget and badge text.

A card's visible text mixes the headline with what a sighted reader skips or sees apart:
screen-reader labels ("URL zum Kopieren"), subscription badges ("Plus", "F+"), dates, reading
times, comment counts and ticker markers. We read the card by structure (headings, kicker and
summary elements) and then clean each line by generic German/English vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.etree

from newsreader.core.extract.render import word_set

# Tags whose text a reader never sees as part of a headline.
_SILENT = word_set(
    "script style noscript svg button time img picture iframe template select option "
    "input textarea figcaption audio video source"
)
_SPACED = word_set(
    "p div h1 h2 h3 h4 h5 h6 li ul ol section article header footer figure br dd dt aside "
    "blockquote address"
)
_HIDDEN_PARTS = word_set(
    "sr sronly srtext hidden visuallyhidden screenreader screenreadertext readerhidden "
    "a11y offscreen badge icon copy copylink clipboard share sharing tooltip"
)
# Class-name words of a card's meta line: never part of a headline, kicker or summary.
_META_PARTS = word_set(
    "comment comments commentcount kommentar kommentare count counter date datum time "
    "timestamp readtime readingtime lesezeit reading duration"
)
_HIDDEN_PAIRS = ("sr-only", "visually-hidden", "screen-reader", "u-hidden", "is-hidden")
_SPLIT = re.compile(r"[\s_-]+")

KICKER_CLASS = re.compile(
    r"kicker|dachzeile|overline|topline|roofline|eyebrow|spitzmarke|supertitle|headline-?intro|"
    r"pretitle|over-?title|head-?line-?top|catchline|ressort-?label"
)
_HEADLINE_CLASS = re.compile(r"headline|title|heading|hdl")
_SUMMARY_CLASS = re.compile(
    r"summary|teaser-?text|excerpt|description|intro|lead|abstract|text|body|copy|desc|"
    r"vorspann|anriss"
)
_META_CLASS = re.compile(r"\b(?:date|time|meta|author|byline|comments?|count|readtime|info)\b")
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}


def _classes(el: lxml.etree._Element) -> str:
    return f"{el.get('class', '')} {el.get('id', '')}".lower()


def is_hidden(el: lxml.etree._Element) -> bool:
    """Screen-reader-only, hidden or widget text (copy-link, share, badge icons)."""
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style", "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    names = _classes(el)
    if not names.strip():
        return False
    if any(pair in names for pair in _HIDDEN_PAIRS):
        return True
    parts = _SPLIT.split(names)
    return not (_HIDDEN_PARTS.isdisjoint(parts) and _META_PARTS.isdisjoint(parts))


def visible_text(
    el: lxml.etree._Element, skip: frozenset[lxml.etree._Element] = frozenset()
) -> str:
    """The text a sighted reader sees in `el`, block elements apart, `skip` elements left out."""
    out: list[str] = []

    def walk(node: lxml.etree._Element) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag and tag not in _SILENT and node not in skip and not is_hidden(node):
            spaced = tag in _SPACED
            if spaced:
                out.append(" ")
            if node.text:
                out.append(node.text)
            for child in node:
                walk(child)
            if spaced:
                out.append(" ")
        if node.tail and node is not el:
            out.append(node.tail)

    walk(el)
    return " ".join("".join(out).split())


_COPY_LABEL = re.compile(
    r"^(?:url|link|artikel-?link|adresse) (?:zum|kopieren)[^:]{0,20}:\s*|"
    r"^(?:link kopieren|artikel teilen|teilen|zum artikel|weiterlesen)\s*:?\s*",
    re.IGNORECASE,
)
_TICKER = re.compile(r"^\+{2,}[^+]{0,80}\+{2,}\s*[:–-]?\s*|\s*\+{2,}\s*$")
_BADGE = re.compile(
    r"^(?:[\w.+-]{1,20} )?(?:plus|premium|exklusiv|abo)[- ]?(?:artikel|inhalt)?\s*[:·|]\s*|"
    r"^(?:plus|premium|exklusiv|abo|f\+|z\+|s\+|€|\+|bezahlinhalt|paid|anzeige)\s+(?=\S)|"
    r"\s+(?:plus|premium|f\+|z\+|€)$",
    re.IGNORECASE,
)
_DATE = r"\d{1,2}\.\s?\d{1,2}\.(?:\s?\d{2,4})?(?:,?\s*\d{1,2}[:.]\d{2}(?:\s*uhr)?)?"
_TRAILING_META = re.compile(
    rf"(?:\s*[,|·–-]?\s*(?:{_DATE}|\d{{1,2}}[:.]\d{{2}}\s*uhr|\d+\s*min(?:\.|uten)?"
    r"(?:\s*lesezeit)?|lesezeit:?\s*\d+\s*min\.?|\d+\s*(?:kommentare?|comments?)|"
    r"\d+\s+update|update|aktualisiert|vor \d+ (?:minuten|stunden|tagen)))+\s*$",
    re.IGNORECASE,
)
_LEADING_META = re.compile(
    rf"^(?:(?:{_DATE}|\d{{1,2}}[:.]\d{{2}}\s*uhr|\d+\s*min(?:\.|uten)?(?:\s*lesezeit)?|"
    r"aktualisiert(?: am)?|update)\s*[,|·–:-]?\s*)+",
    re.IGNORECASE,
)


def clean_line(text: str) -> str:
    """A headline, kicker or summary without copy labels, badges, tickers, dates and counts."""
    text = " ".join(text.split())
    for _ in range(3):
        before = text
        text = _COPY_LABEL.sub("", text)
        text = _TICKER.sub("", text)
        text = _BADGE.sub("", text)
        text = _LEADING_META.sub("", text)
        text = _TRAILING_META.sub("", text)
        text = text.strip(" |·:–-")
        if text == before:
            break
    return text


_BYLINE = re.compile(r"^(?:von|by|text:|foto:)\s+\S+(?:\s+\S+)?\s*$", re.IGNORECASE)


def clean_summary(text: str) -> str:
    text = clean_line(text)
    # "Von Max Muster" alone, or trailing a summary, is the byline, not the summary.
    text = re.sub(r"\s+(?:von|by)\s+[A-ZÄÖÜ][\w.-]+(?:\s+[A-ZÄÖÜ][\w.-]+){0,2}$", "", text)
    return "" if _BYLINE.match(text) else text


@dataclass(frozen=True, slots=True)
class CardWords:
    title: str
    kicker: str
    description: str


def _heading_level(el: lxml.etree._Element) -> int:
    return _HEADINGS.get(el.tag if isinstance(el.tag, str) else "", 0)


def card_words(card: lxml.etree._Element, link: lxml.etree._Element) -> CardWords:
    """Headline, kicker and summary of one teaser card whose story link is `link`."""
    elements = [e for e in card.iter() if isinstance(e.tag, str) and not is_hidden(e)]
    kicker_el = next(
        (
            e
            for e in elements
            if e is not card
            and KICKER_CLASS.search(_classes(e))
            and not any(_heading_level(x) for x in e.iterdescendants())
            and len(visible_text(e)) < 100
        ),
        None,
    )
    headings = [e for e in elements if _heading_level(e) and e is not kicker_el]
    if not headings:
        headings = [
            e
            for e in elements
            if e is not card
            and e is not kicker_el
            and _HEADLINE_CLASS.search(_classes(e))
            and not KICKER_CLASS.search(_classes(e))
            and e.tag not in ("img", "picture", "figure")
        ]
    headline: lxml.etree._Element | None = None
    if headings:
        best = min(_heading_level(h) or 9 for h in headings)
        top = [h for h in headings if (_heading_level(h) or 9) == best]
        headline = max(top, key=lambda h: len(visible_text(h)))
        if kicker_el is None:
            # <h4>Kicker</h4><h3>Headline</h3>: a smaller heading just before is its kicker
            lesser = [h for h in headings if h is not headline and (_heading_level(h) or 9) > best]
            order = {id(e): n for n, e in enumerate(elements)}
            before = [h for h in lesser if order[id(h)] < order[id(headline)]]
            if before and len(visible_text(before[-1])) < 80:
                kicker_el = before[-1]
    skip = frozenset({kicker_el}) if kicker_el is not None else frozenset()
    title = visible_text(headline, skip) if headline is not None else ""
    if len(title) < 8:
        title = visible_text(link, skip) or title
    if len(title) < 8:
        title = link.get("title") or title
    kicker = clean_line(visible_text(kicker_el)) if kicker_el is not None else ""
    title = clean_line(title)
    used = {id(x) for x in (headline, kicker_el) if x is not None}
    description = ""
    for el in elements:
        if id(el) in used or el is card:
            continue
        if el.tag not in ("p", "div", "span", "dd") or _META_CLASS.search(_classes(el)):
            continue
        if el.tag != "p" and not _SUMMARY_CLASS.search(_classes(el)):
            continue
        if any(x is not None and _inside(el, x) for x in (headline, kicker_el)):
            continue
        text = clean_summary(visible_text(el))
        if len(text) >= 25 and title not in text and text not in title:
            description = text
            break
    return CardWords(title=title, kicker=kicker, description=description)


def _inside(el: lxml.etree._Element, container: lxml.etree._Element) -> bool:
    return el is container or any(a is container for a in el.iterancestors())
