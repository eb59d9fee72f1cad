"""What the fast feed path may read itself and where it must defer to feedparser.

Element names are mapped the way feedparser's handlers know them, so "does feedparser do
something with this element?" is asked of its own list of handlers (feedparser_facts.py, held
to the installed feedparser by a test). feedparser itself loads only for a date this module
cannot read.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from newsreader.core.parse.feedparser_facts import (
    HANDLED_ELEMENTS,
    NAMESPACE_PREFIXES,
    STORED_AS,
    ZONE_HOURS,
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ATOM_FEED = "{http://www.w3.org/2005/Atom}feed"
_XML_NS = "{http://www.w3.org/XML/1998/namespace}"
_PREFIXES: dict[str, str] = {k.lower(): v for k, v in NAMESPACE_PREFIXES.items()}
_ENTITY_LIKE = re.compile("&([A-Za-z0-9_]+);")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_ITUNES = "http://www.itunes.com/"
_MEDIA_SCHEME = "http://search.yahoo.com/mrss/category_schema"

# Keys of an item (after feedparser's key aliases) that feedtext reads.
_CONSUMED = _words(
    "link links summary summary_detail content published published_parsed updated "
    "updated_parsed tags title title_detail id content_tier authors author author_detail "
    "enclosures category itunes_duration media_content"
)
# Elements feedparser has a handler for that cannot change what feedtext reads.
_ENTRY_HARMLESS = _words(
    "media_thumbnail media_credit media_rating media_restriction "
    "media_license media_player itunes_image itunes_link itunes_explicit itunes_block "
    "itunes_subtitle subtitle tagline contributor dc_contributor dc_publisher webmaster "
    "dc_rights rights copyright dc_language language created dcterms_created dcterms_valid "
    "expirationdate info feedburner_browserfriendly generator psc_chapters psc_chapter "
    "where cloud width height newlocation itunes_owner"
)
_AUTHOR_PARTS = _words("name itunes_name email itunes_email uri url homepage")
_FEED_HARMLESS = (
    _ENTRY_HARMLESS
    | _AUTHOR_PARTS
    | _words(
        "category keywords dc_subject itunes_category itunes_keywords media_category "
        "media_keywords tags author managingeditor dc_creator dc_author itunes_author pubdate "
        "published issued updated modified lastbuilddate dc_date dcterms_issued dcterms_modified "
        "abstract cc_license creativecommons_license media_content media_group itunes_duration"
    )
)
_ENTRY_HARMLESS |= frozenset(_AUTHOR_PARTS)  # outside an <author> they fill nothing we read
_IMAGE_PARTS = _words("url title link width height description")
_TEXTINPUT_PARTS = _words("title link description name")


class _Decline(Exception):
    """The feed uses something only feedparser reads faithfully."""


@lru_cache(maxsize=2048)
def _fp_name(tag: str, prefix: str | None) -> str:
    """The name feedparser's handlers know an element by: "title", "content_encoded"."""
    if tag[0] != "{":
        return tag.lower()
    uri, local = tag[1:].split("}", 1)
    low = uri.lower()
    mapped = "" if "backend.userland.com/rss" in low else _PREFIXES.get(low)
    if mapped is None:
        mapped = prefix or ""
    return f"{mapped.lower()}_{local.lower()}" if mapped else local.lower()


def _stored_as(name: str) -> str:
    return STORED_AS.get(name, name)


_NAMES: dict[str, str] = {}  # tags whose name does not depend on the prefix


def _name(el: Any) -> str | None:
    """None for comments and processing instructions."""
    tag = el.tag
    name = _NAMES.get(tag)
    if name is not None:
        return name
    if not isinstance(tag, str):
        return None
    name = _fp_name(tag, el.prefix)
    if len(_NAMES) < 2048 and _prefix_plays_no_part(tag):
        _NAMES[tag] = name
    return name


def _prefix_plays_no_part(tag: str) -> bool:
    """No namespace, or one feedparser knows: then the document's prefix is not asked."""
    if tag[0] != "{":
        return True
    low = tag[1:].split("}", 1)[0].lower()
    return "backend.userland.com/rss" in low or low in _PREFIXES


def _check_subtree(el: Any, harmless: frozenset[str]) -> None:
    """Every element below (and including) el must leave feedtext's keys alone."""
    for node in el.iter():
        name = _name(node)
        if name is None or name in harmless:
            continue
        if name in HANDLED_ELEMENTS or _stored_as(name) in _CONSUMED:
            raise _Decline(name)


def _attrs(el: Any) -> dict[str, str]:
    """Attributes as feedparser's strict parser hands them to its handlers."""
    out: dict[str, str] = {}
    for key, value in el.items():  # the element's own list: no attrib proxy per element
        if key[0] == "{":
            if not key.startswith(_XML_NS):
                raise _Decline("namespaced attribute")
            key = "xml:" + key[len(_XML_NS) :]
        key = key.lower()
        if key in ("base", "xml:base"):
            raise _Decline("xml:base")  # it would change how feedparser resolves links
        out[key] = value.lower() if key in ("rel", "type") else value
    return out


_SHORT_TYPES = {"text": "text/plain", "plain": "text/plain", "html": "text/html"}


def _content_type(el: Any, default: str) -> str:
    """A text element's type as feedparser reads it (`default` one of the two we read)."""
    if not el.items():  # most have no attributes: no mapping made, the default stands
        return default
    attrs = _attrs(el)
    kind = attrs.get("type", default)
    kind = _SHORT_TYPES.get(kind, kind)
    if kind not in ("text/plain", "text/html") or "mode" in attrs or "src" in attrs:
        raise _Decline(f"content type {kind}")
    return kind


def _enforce_href(attrs: dict[str, str]) -> None:
    href = attrs.get("url", attrs.get("uri", attrs.get("href")))
    if href:
        attrs.pop("url", None)
        attrs.pop("uri", None)
        attrs["href"] = href


def _check_item_attrs(el: Any) -> None:
    for key in _attrs(el):
        if key in ("href", "lastmod") or key.endswith("about"):
            raise _Decline("item attribute")


def _check_subtree_children(el: Any) -> None:
    for child in el:
        if _name(child) is not None:
            _check_subtree(child, _ENTRY_HARMLESS)


# The two date forms most feeds write, read directly as feedparser reads them; anything else,
# or a date that fails, goes to feedparser's _parse_date (feedparser_date, which loads
# feedparser). That tries its W3DTF reader first, which reads "2025-06-01T10:00:00+02:00"
# (and "...Z", seconds' fractions dropped) as below and gives up on RFC 822 dates (the first
# word is a weekday); those it then reads in rfc822.py as below ("Fri, 20 Nov 2026 08:00:00
# GMT", "... +0100", seconds left out, a zone named: hours from its table, UTC for a name not
# in it). With no zone at all rfc822.py reads nothing, nor does any reader after it.
_W3DTF = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d(?:\.\d+)?)(?:Z|([+-])(\d\d):(\d\d))"
)
# ASCII digits only (a digit of another script is the variant's, read by int()): each
# number is then a look-up in _NUMBERS, cheaper than int().
_RFC822 = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9][0-9]?) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"([0-9]{4}) ([0-9][0-9]):([0-9][0-9]):([0-9][0-9]) "
    r"(?:GMT|UTC?|Z|([+-])([0-9][0-9])([0-9][0-9]))"
)
# The same without seconds, with a zone named otherwise, or with none: tried second.
_RFC822_VARIANT = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d?) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"(\d{4}) (\d\d):(\d\d)(?::(\d\d))?(?: (?:([+-])(\d\d)(\d\d)|([A-Za-z]{1,4})))?"
)
_MONTHS = {
    "Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6,
    "Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}  # fmt: skip
_NUMBERS = {f"{n:02d}": n for n in range(100)} | {str(n): n for n in range(10)}
_MINUTES_A_DAY = 24 * 60
# The common form in pieces a look-up each: "Fri, 20 Nov 2026 " (a day _RFC822 read before and
# that exists), "07:48:" (minutes into the day), "00 " (seconds), "GMT" or "+0100" (minutes
# east of UTC). All four found: the date is one _RFC822 reads, at a third of the cost.
_DAYS_READ: dict[str, tuple[int, int, int]] = {}
_DAYS_KEPT = 4096
_CLOCK = {f"{h:02d}:{m:02d}:": h * 60 + m for h in range(24) for m in range(60)}
_SECONDS = {f"{n:02d} ": n for n in range(60)}
_ZONE_OFFSETS = {"GMT": 0, "UTC": 0, "UT": 0, "Z": 0} | {
    f"{sign}{h:02d}{m:02d}": (h * 60 + m) * (1 if sign == "+" else -1)
    for sign in "+-"
    for h in range(15)
    for m in (0, 15, 30, 45)
}


UtcFields = tuple[int, int, int, int, int, int]


def utc_fields(text: str) -> UtcFields | time.struct_time | None:
    """The first six fields of feedparser's _parse_date struct (UTC year, month, day, hour, minute,
    second), all feedtext reads of it: a struct_time costs ~7,000 instructions to make, the
    datetime feedtext makes of these fields a tenth of that."""
    # one of the two tried: a W3DTF date starts with a digit, an RFC 822 one with a weekday
    if text[:1].isdigit():
        if not (match := _W3DTF.fullmatch(text)):
            return feedparser_date(text)
        year, month, day, hour, minute, second, sign, zone_hours, zone_minutes = match.groups()
        fields = (int(year), int(month), int(day), int(hour), int(minute), int(float(second)))
    elif (read := _DAYS_READ.get(text[:17])) is not None and (common := _read_common(text, read)):
        return common
    elif match := _RFC822.fullmatch(text):
        return _rfc822(text, match)
    elif match := _RFC822_VARIANT.fullmatch(text):
        return _rfc822_variant(text, match)
    else:
        return feedparser_date(text)
    if not sign:  # GMT, UTC, Z: no offset to take off
        return _in_utc(text, fields, 0)
    offset = int(zone_hours) * 60 + int(zone_minutes)
    return _in_utc(text, fields, -offset if sign == "-" else offset)


def _read_common(text: str, day: tuple[int, int, int]) -> UtcFields | None:
    """A date of a day read before, in pieces; None: not in that form, or not on that day
    in UTC."""
    minutes = _CLOCK.get(text[17:23])
    second = _SECONDS.get(text[23:26])
    offset = _ZONE_OFFSETS.get(text[26:])
    if minutes is None or second is None or offset is None:
        return None
    minutes -= offset
    if not 0 <= minutes < _MINUTES_A_DAY:
        return None
    return (*day, minutes // 60, minutes % 60, second)


def _rfc822(text: str, match: re.Match[str]) -> UtcFields | time.struct_time | None:
    """The common RFC 822 form; a moment that plainly exists is moved to UTC without datetime
    (~3,000 instructions saved a date, most of a feed's dates)."""
    day_text, name, year_text, hour_text, minute_text, second_text, sign, zone_h, zone_m = (
        match.groups()
    )
    year, month, day = int(year_text), _MONTHS[name], _NUMBERS[day_text]
    hour, minute, second = _NUMBERS[hour_text], _NUMBERS[minute_text], _NUMBERS[second_text]
    offset = 0
    if sign:
        offset = _NUMBERS[zone_h] * 60 + _NUMBERS[zone_m]
        offset = -offset if sign == "-" else offset
    # a day every month has, a time every day has, and the same day in UTC
    in_utc = hour * 60 + minute - offset
    plain = year and 0 < day <= 28 and hour < 24 and minute < 60 and second < 60
    if plain and 0 <= in_utc < _MINUTES_A_DAY:
        if len(day_text) == 2:  # the day's 17 characters are the key of _DAYS_READ
            if len(_DAYS_READ) >= _DAYS_KEPT:
                _DAYS_READ.clear()
            _DAYS_READ[text[:17]] = (year, month, day)
        return (year, month, day, in_utc // 60, in_utc % 60, second)
    return _in_utc(text, (year, month, day, hour, minute, second), offset)


def _rfc822_variant(text: str, match: re.Match[str]) -> UtcFields | time.struct_time | None:
    day, name, year, hour, minute, second, sign, zone_hours, zone_minutes, zone = match.groups()
    fields = (int(year), _MONTHS[name], int(day), int(hour), int(minute), int(second or 0))
    if sign is not None:
        offset = int(zone_hours) * 60 + int(zone_minutes)
        return _in_utc(text, fields, -offset if sign == "-" else offset)
    if zone is None:
        return None  # no zone: feedparser's readers all give up
    zone = zone.lower()
    if zone.startswith("gmt") and zone != "gmt":
        return feedparser_date(text)  # "GMTA": feedparser reads what follows as a zone
    return _in_utc(text, fields, ZONE_HOURS.get(zone, 0) * 60)


def _in_utc(text: str, fields: UtcFields, offset: int) -> UtcFields | time.struct_time | None:
    """`fields` written `offset` minutes east of UTC, moved to UTC."""
    try:
        stamp = datetime(*fields)  # a day or hour that does not exist raises here
        if not offset:
            return fields
        stamp -= timedelta(minutes=offset)
    except (ValueError, OverflowError):
        return feedparser_date(text)
    return (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)


def feedparser_date(text: str) -> time.struct_time | None:
    """feedparser's own reading of a date in a form utc_fields does not know."""
    # start-up/memory: feedparser (~2.5 MB of a parse worker) loads only for a feed with such a date
    from feedparser.datetimes import _parse_date

    return _parse_date(text)  # type: ignore[no-any-return]
