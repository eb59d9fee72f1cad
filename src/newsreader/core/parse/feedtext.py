"""From one parsed feed item to a ParsedEntry: keys, dates, titles, authors, teasers, paywall.

Both parsers (feedparser, and the lxml fast path in fastparse.py) hand this module the same
feedparser-shaped mapping per item, so everything derived from it is computed by one code path.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import field, fields, make_dataclass, replace
from datetime import UTC, datetime
from typing import Any

from newsreader.core.article_records import Enclosure, Teaser
from newsreader.core.extract.entry_links import (
    HTML_PARSER,
    feed_link_url,
    merge_feed_teasers,
    parse_fragment,
    slug_title,
)
from newsreader.core.extract.paywall import any_marks_paywall, title_marks_paywall
from newsreader.core.hashes import sha1_hex
from newsreader.core.parse.feedparser_facts import CP1252_C1, PLAIN_ABSOLUTE, urljoin
from newsreader.core.parsed import ParsedEntry

__all__ = [
    "C1_UTF8",
    "HTML_PARSER",
    "entry_from_raw",
    "feed_link_url",
    "feedparser_repair",
    "feedparser_resolve",
    "fix_mojibake",
    "one_line_title",
    "parse_duration",
    "plain_text",
    "title_marks_paywall",
    "unique_keys",
]

_TITLE_MAX = 80
_MIN_YEAR, _MAX_YEAR = 1970, 2100

# A feed item is paid when its content tier says so, or when its title or a category carries
# a publisher's marker: extract/paywall.py's title_marks_paywall, the one matcher for both
# feed items and pages.
_LOCKED_TIERS = frozenset({"locked", "metered"})

_MOJIBAKE = re.compile("[ÂÃ][\u0080-\u00bf]|â€")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s")
_C1 = re.compile("[\x80-\x9f]")
C1_UTF8 = re.compile(b"\xc2[\x80-\x9f]")
# ParsedEntry's frozen __init__ sets each field through object.__setattr__: ~19,000 instructions
# an entry, a fifth of entry_from_raw. An unfrozen twin (the same slots in the same order, so
# the same memory layout) stores them as plain slots; given ParsedEntry's class afterwards, it
# is a ParsedEntry in every respect. Made bare and filled attribute by attribute (~3,500
# instructions): its own __init__, called with 13 keywords, costs ~10,500.
_EntryDraft = make_dataclass(
    "_EntryDraft",
    [(f.name, f.type, field(default=f.default)) for f in fields(ParsedEntry)],
    slots=True,
)
_new_draft = object.__new__


def entry_from_raw(raw: Mapping[str, Any], feed_url: str) -> ParsedEntry:
    """One item, given as feedparser shapes it (either parser builds such a mapping)."""
    link = feed_link_url(raw.get("link"), feed_url)
    summary = fix_mojibake(raw.get("summary") or "")
    content, content_base = "", feed_url
    for part in raw.get("content") or ():
        if part.get("value"):
            content = fix_mojibake(part["value"])
            content_base = part.get("base") or feed_url
            break
    summary_base = (raw.get("summary_detail") or {}).get("base") or feed_url
    if content.strip() == summary.strip():
        # feedparser copies content into a missing summary: keep one, and its xml:base
        content, summary_base = "", content_base
    published = _date(raw, "published", "published_parsed")
    updated = _date(raw, "updated", "updated_parsed")
    published = published or updated
    enclosures = _enclosures(raw, feed_url)
    tags = raw.get("tags")
    categories = _terms(tags) if tags else ()
    title = one_line_title(raw.get("title"), raw.get("title_detail"))
    key = _key(raw, link, enclosures, title, published, summary or content)
    if not title:
        title = _derive_title(summary or content, link)
    tier = raw.get("content_tier")  # most items have none
    locked = bool(tier) and str(tier).strip().lower() in _LOCKED_TIERS
    paywalled = locked or any_marks_paywall((title, *categories))
    related = _related(raw)
    # every field stored, in ParsedEntry's order (a test holds them to its fields)
    entry: Any = _new_draft(_EntryDraft)
    entry.key = key
    entry.title = title
    entry.url = link
    entry.author = _author(raw)
    entry.summary = summary
    entry.content = content
    entry.published = published
    entry.updated = updated
    entry.categories = categories
    entry.enclosures = enclosures
    entry.teasers = merge_feed_teasers([], related, link) if related else ()
    entry.paywalled = paywalled
    entry.html_base = content_base if content else summary_base
    entry.__class__ = ParsedEntry
    return entry  # type: ignore[no-any-return]


def unique_keys(entries: Iterable[ParsedEntry]) -> tuple[ParsedEntry, ...]:
    """A guid repeated with the same link is one article (keep the first); one reused for
    different links (a broken generator) is told apart by the link. Document order stays."""
    kept: list[ParsedEntry] = []
    first_links: dict[str, str | None] = {}
    reused: dict[str, set[str | None]] = {}  # the links of keys seen with more than one
    for entry in entries:
        key, url = entry.key, entry.url
        if key not in first_links:  # the usual case: a key not seen before
            first_links[key] = url
            kept.append(entry)
        elif url != first_links[key] and url not in (links := reused.setdefault(key, set())):
            links.update((first_links[key], url))
            kept.append(entry)
    if not reused:
        return tuple(kept)
    return tuple(replace(e, key=f"{e.key} {e.url}") if e.key in reused else e for e in kept)


def _key(
    raw: Mapping[str, Any],
    link: str | None,
    enclosures: tuple[Enclosure, ...],
    title: str,
    published: datetime | None,
    text: str,
) -> str:
    """guid/id, else link, else the first enclosure, else a hash of what we have."""
    for candidate in (raw.get("id"), link, enclosures[0].url if enclosures else None):
        if candidate and (stripped := str(candidate).strip()):
            return stripped
    parts = [title, published.isoformat() if published else ""]
    if not title and not published:
        parts.append(text)
    return "sha1:" + sha1_hex("\x1f".join(parts).encode("utf-8"))  # the hex stored keys have


def _date(raw: Mapping[str, Any], field: str, parsed: str) -> datetime | None:
    """feedparser's *_parsed structs are UTC (the fast path's are the six fields, a tuple);
    a date it could not read gets one more try."""
    # dict.get: FeedParserDict.get would hand back "published" when asked for "updated"
    struct = dict.get(raw, parsed)  # type: ignore[call-overload]
    text = dict.get(raw, field)  # type: ignore[call-overload]
    value: datetime | None = None
    if struct:
        try:  # the fields as they are when they name a real moment: timegm's answer, sooner
            year, month, day, hour, minute, second = struct[:6]
            # microsecond and tzinfo by position: keywords cost datetime ~1,800 instructions
            value = datetime(year, month, day, hour, minute, second, 0, UTC)
        except (TypeError, ValueError):
            # start-up/memory: calendar and locale (~0.25 MB a parse worker) load only for a
            # struct that names no real moment ("24:00:00", a 60th second)
            import calendar

            try:
                value = datetime.fromtimestamp(calendar.timegm(struct), UTC)
            except (TypeError, ValueError, OverflowError):
                value = None
    elif text:
        value = _loose_date(str(text))
    if value is None or not _MIN_YEAR <= value.year <= _MAX_YEAR:
        return None
    return value


# The zoneless RFC 822 date feeds write most ("Tue, 07 Nov 2006 15:21:35"), read without
# email.utils; a two- or three-digit year (which email.utils moves) is left to it.
_ZONELESS_RFC822 = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{1,2}) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9][0-9]{3}) "
    r"([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?"
)
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}


def _loose_date(text: str) -> datetime | None:
    """RFC 822 without a zone ("Tue, 07 Nov 2006 15:21:35") and bare ISO dates, as UTC."""
    if match := _ZONELESS_RFC822.fullmatch(text):  # read as email.utils reads it, sooner
        day, month, year, hour, minute, second = match.groups()
        try:
            fields = (int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second or 0))
            return datetime(*fields, tzinfo=UTC)
        except ValueError:
            return None
    # start-up/memory: email.utils brings socket, random and email's charsets (~1.3 MB a
    # parse worker); only a date neither parser read comes here
    from email.utils import parsedate_to_datetime

    value: datetime | None
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        try:
            value = datetime.fromisoformat(text.strip())
        except ValueError:
            return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # a moment UTC cannot hold: 31 Dec 9999, west of Greenwich
        return None


def one_line_title(value: str | None, detail: Mapping[str, Any] | None) -> str:
    """One line of plain text from a title that may be HTML."""
    text = fix_mojibake(value or "")
    if detail and "html" in str(detail.get("type", "")) and ("<" in text or "&" in text):
        text = plain_text(text)
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        # One line already: str.split's whitespace is all unprintable but " ", and no " "
        # leads, trails or doubles. Half the cost of splitting and joining the words.
        return text
    return " ".join(text.split())


def plain_text(html: str) -> str:
    if "<" not in html and "&" not in html:
        return " ".join(html.split())
    root = parse_fragment(html)
    if root is None:
        return " ".join(html.split())
    return " ".join("".join(root.itertext()).split())


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 that was decoded as cp1252 on the way into the feed ("Ã¤" -> "ä")."""
    # isascii() reads a flag of the string: most categories and many names need no search
    hints = not text.isascii() and ("Ã" in text or "Â" in text or "â€" in text)
    if not hints or not _MOJIBAKE.search(text):
        return text
    try:
        return text.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return text


def _derive_title(html: str, link: str | None) -> str:
    """A title for an untitled item: its first sentence, else the words of its URL."""
    text = plain_text(html)
    slug = slug_title(link)
    if len(text.split()) < 3 and slug:  # "Video" or "some content" says less than the URL
        return slug
    if text:
        first = _SENTENCE_END.split(text, maxsplit=1)[0]
        if len(first) <= _TITLE_MAX:
            return first
        cut = text[:_TITLE_MAX].rsplit(" ", 1)[0].rstrip(" ,;:-–")
        return cut + "…"
    return slug or "(untitled)"


def _author(raw: Mapping[str, Any]) -> str | None:
    authors: list[Mapping[str, Any]] = raw.get("authors") or []
    if len(authors) == 1 and (name := str(authors[0].get("name") or "").strip()):
        return fix_mojibake(name)  # the usual one author: what the general way comes to
    names = _unique(str(a.get("name") or "").strip() for a in authors)
    if names:
        return fix_mojibake(", ".join(names))
    author = str(raw.get("author") or "").strip()
    return fix_mojibake(author) or None


def _enclosures(raw: Mapping[str, Any], base: str) -> tuple[Enclosure, ...]:
    """The item's <enclosure>s, then its audio and video media:content; a duration from
    media:content's attribute, else the item's itunes:duration."""
    if not raw.get("enclosures") and not raw.get("media_content"):
        return ()
    return tuple(_each_enclosure(raw, base))


def _each_enclosure(raw: Mapping[str, Any], base: str) -> Iterable[Enclosure]:
    media = [m for m in raw.get("media_content") or () if isinstance(m, Mapping)]
    durations: dict[str, int | None] = {}
    for item in media:
        url = feed_link_url(item.get("url"), base)
        if url is not None:
            durations.setdefault(url, parse_duration(item.get("duration")))
    item_duration = parse_duration(raw.get("itunes_duration"))
    found = [
        (enc.get("href"), enc.get("type"), enc.get("length")) for enc in raw.get("enclosures") or ()
    ]
    found += [
        (m.get("url"), m.get("type"), m.get("filesize"))
        for m in media
        if _is_media(str(m.get("type") or ""), str(m.get("medium") or ""))
    ]
    seen: set[str] = set()
    for href, kind, size in found:
        url = feed_link_url(href, base)
        if url is None or url in seen:
            continue
        seen.add(url)
        try:
            length: int | None = int(str(size or "").strip())
        except ValueError:
            length = None
        if length is not None and length < 0:
            length = None
        duration = durations.get(url) or item_duration
        yield Enclosure(url=url, type=kind or None, length=length, duration=duration)


def _is_media(kind: str, medium: str) -> bool:
    return kind.lower().startswith(("audio/", "video/")) or medium.lower() in ("audio", "video")


_CLOCK = re.compile(r"(?:(\d{1,3}):)?(\d{1,3}):(\d{1,2})(?:\.\d+)?|(\d{1,7})(?:\.\d+)?")


def parse_duration(value: object) -> int | None:
    """Seconds from "1:02:03", "02:43" or "163" (itunes:duration, media:content duration);
    None for anything else."""
    match = _CLOCK.fullmatch(str(value or "").strip())
    if match is None:
        return None
    hours, minutes, seconds, plain = match.groups()
    if plain is not None:
        return int(plain) or None
    total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return total or None


def _related(raw: Mapping[str, Any]) -> list[Teaser]:
    teasers = []
    for link in raw.get("links") or ():
        if link.get("rel") != "related":
            continue
        url = feed_link_url(link.get("href"), "")
        if url:
            title = " ".join(str(link.get("title") or "").split()) or slug_title(url) or url
            teasers.append(Teaser(url=url, title=fix_mojibake(title), kind="feed"))
    return teasers


def _terms(tags: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """The tags' terms, each once, in order: as _unique would give them, at half its cost
    for the one to three categories an item has."""
    terms: list[str] = []
    for tag in tags:
        term = fix_mojibake(tag.get("term") or "").strip()
        if term and term not in terms:
            terms.append(term)
    return tuple(terms)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(filter(None, items)))


# feedparser's own steps for text and links, for the fast path to replay them.


def feedparser_repair(text: str, *, c1: bool = True) -> str:
    """feedparser's last steps for kept text: undo UTF-8 read as Latin-1, map C1 to cp1252."""
    if text.isascii():
        return text
    with contextlib.suppress(UnicodeError):
        text = text.encode("iso-8859-1").decode("utf-8")
    if c1 and _C1.search(text):
        text = text.translate(CP1252_C1)
    return text


def feedparser_resolve(base: str, value: str) -> str:
    """feedparser's resolve_uri, without urllib for the common absolute URL."""
    return value if PLAIN_ABSOLUTE.fullmatch(value) else urljoin(base, value)
