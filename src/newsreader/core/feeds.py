"""Feed bytes -> ParsedFeed (feedparser is the parser of record), and feed autodiscovery.

feedparser gets bytes and response headers, never a URL, and runs with sanitizing and
relative-URI rewriting off: the renderer sanitizes at display time, and we resolve only the
links we store.
"""

from __future__ import annotations

import calendar
import codecs
import hashlib
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import feedparser
from lxml import etree

from newsreader.core.models import Enclosure, FeedParseError, ParsedEntry, ParsedFeed, Teaser

__all__ = ["discover_feeds", "looks_like_feed", "parse_feed", "title_marks_paywall"]

_TITLE_MAX = 80
_MIN_YEAR, _MAX_YEAR = 1970, 2100

# Markers German publishers put on paid articles. "Plus"/"Abo" count only as a standalone
# marker (whole text, bracketed, or a "Plus:" prefix / "| Plus" suffix), never inside words.
_PAYWALL = re.compile(
    r"(?<![\w+])[A-ZÄÖÜ]{1,6}\+(?![\w+])"  # F+, RP+, WAZ+, S+
    r"|\b(?:SZ|ZEIT|BILD|WELT|NZZ|FAZ|MOPO|HAZ)\s*[Pp]lus\b"
    r"|^\s*(?:Plus|Abo|Premium)\s*$"
    r"|[\[(](?:Plus|Abo|Premium)[\])]"
    r"|^\s*(?:Plus|Abo)\s*[:|–—]"
    r"|[|–—]\s*(?:Plus|Abo)\s*$"
)
_LOCKED_TIERS = frozenset({"locked", "metered"})

# feedparser's notes that do not mean lost content: wrong media type, encoding guesses.
_HARMLESS_BOZO: tuple[type[Exception], ...] = (
    feedparser.ThingsNobodyCaresAboutButMe,
    feedparser.UndeclaredNamespace,
)

_XML_DECL = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._:-]+)([\"'])")
_MOJIBAKE = re.compile("[ÂÃ][\u0080-\u00bf]|â€")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s")
_SHARE_HOST = re.compile(
    r"(?:^|\.)(?:(?:facebook|twitter|x|linkedin|xing|pinterest|reddit|getpocket|flipboard"
    r"|whatsapp)\.com|(?:t|telegram)\.me)$"
)
_SHARE_HINTS = ("share", "intent", "submit", "/pin/", "/send", "/save", "wa.me", "feedburner")
_SHARE_PATH = re.compile(r"share|sharer|intent|submit|/pin/create|/send|/save", re.IGNORECASE)
_FEED_TYPE = re.compile(r"(?:application|text)/(?:x-)?(?:rss|atom|rdf)\+xml|application/feed\+json")
_HTML_PARSER = etree.HTMLParser(recover=True, no_network=True, remove_comments=True)


def title_marks_paywall(text: str) -> bool:
    """True when a title or category carries a publisher's paid-content marker."""
    return _PAYWALL.search(text) is not None


def parse_feed(body: bytes, *, url: str, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0 or Atom; keep what a malformed feed gives, reject non-feeds."""
    lower = {k.lower(): v for k, v in (headers or {}).items()}
    if not body.strip():
        raise FeedParseError("not a feed: the response was empty")
    body, content_type = _as_utf8(body, lower.get("content-type"))
    response_headers = {"content-location": url}
    if content_type:
        response_headers["content-type"] = content_type
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers=response_headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    if not parsed.get("version") and not parsed.entries:
        raise FeedParseError(_not_a_feed(body, parsed.get("bozo_exception")))
    feed = parsed.feed
    return ParsedFeed(
        title=_text(feed.get("title"), feed.get("title_detail")) or None,
        site_url=_http_url(feed.get("link"), url),
        entries=_unique_keys(_entry(raw, url) for raw in parsed.entries),
        warning=_warning(parsed),
    )


def _as_utf8(body: bytes, content_type: str | None) -> tuple[bytes, str | None]:
    """Hand feedparser UTF-8 it can trust; repair Latin-1/cp1252 bytes in "UTF-8" feeds."""
    if body[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE) or body[:2] in (
        codecs.BOM_UTF16_LE,
        codecs.BOM_UTF16_BE,
    ):
        return body, content_type  # feedparser reads byte-order marks itself
    if body.isascii():
        return body, content_type
    match = _XML_DECL.match(body, 0, 400)
    declared = match.group(2).decode("ascii").lower() if match else "utf-8"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        codec = _codec(declared)
        if codec in (None, "utf-8", "iso8859-1", "ascii"):
            # Undeclared, wrongly declared UTF-8, or Latin-1 (which servers mean as cp1252):
            # keep every valid UTF-8 sequence, read each stray byte as cp1252.
            text = body.decode("utf-8", errors="newsreader-cp1252")
        else:
            text = body.decode(codec, errors="replace")
    if match and declared not in ("utf-8", "utf8"):
        text = _XML_DECL.sub(rb"\1utf-8\3", text.encode("utf-8"), count=1).decode("utf-8")
    base = (content_type or "application/xml").split(";", 1)[0].strip()
    return text.encode("utf-8"), f"{base}; charset=utf-8"


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    assert isinstance(err, UnicodeDecodeError)
    chunk = err.object[err.start : err.end]
    return bytes(chunk).decode("cp1252", errors="replace"), err.end


codecs.register_error("newsreader-cp1252", _cp1252_fallback)


def _not_a_feed(body: bytes, exc: object) -> str:
    head = body[:2048].lower()
    if b"<html" in head or b"<!doctype html" in head:
        return "not a feed: the URL returned an HTML page (no RSS or Atom)"
    if body.lstrip()[:1] in (b"{", b"["):
        return "not a feed: the response is JSON, not RSS or Atom"
    detail = f" ({_one_line(str(exc))})" if exc else ""
    return f"not a feed: no RSS or Atom content found{detail}"


def _warning(parsed: Any) -> str | None:
    exc = parsed.get("bozo_exception")
    if not parsed.get("bozo") or exc is None or isinstance(exc, _HARMLESS_BOZO):
        return None
    line = getattr(exc, "getLineNumber", lambda: None)()
    where = f" at line {line}" if line else ""
    n = len(parsed.entries)
    return f"malformed feed{where}: {_one_line(str(exc))}; kept {n} entries"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def _entry(raw: Any, feed_url: str) -> ParsedEntry:
    link = _http_url(raw.get("link"), feed_url)
    summary = _fix_mojibake(raw.get("summary") or "")
    content, content_base = "", feed_url
    for part in raw.get("content") or ():
        if part.get("value"):
            content = _fix_mojibake(part["value"])
            content_base = part.get("base") or feed_url
            break
    summary_base = (raw.get("summary_detail") or {}).get("base") or feed_url
    if content.strip() == summary.strip():
        # feedparser copies content into a missing summary: keep one, and its xml:base
        content, summary_base = "", content_base
    published = _date(raw, "published")
    updated = _date(raw, "updated")
    published = published or updated
    enclosures = tuple(_enclosures(raw, feed_url))
    categories = _unique(_fix_mojibake(t.get("term") or "").strip() for t in raw.get("tags") or ())
    title = _text(raw.get("title"), raw.get("title_detail"))
    key = _key(raw, link, enclosures, title, published, summary or content)
    if not title:
        title = _derive_title(summary or content, link)
    tier = str(raw.get("content_tier") or "").strip().lower()
    paywalled = (
        tier in _LOCKED_TIERS
        or title_marks_paywall(title)
        or any(title_marks_paywall(c) for c in categories)
    )
    if content:
        teasers = _html_teasers(content, content_base)
    else:
        teasers = _html_teasers(summary, summary_base)
    return ParsedEntry(
        key=key,
        title=title,
        url=link,
        author=_author(raw),
        summary=summary,
        content=content,
        published=published,
        updated=updated,
        categories=categories,
        enclosures=enclosures,
        teasers=_merge_teasers(teasers, _related(raw), link),
        paywalled=paywalled,
    )


def _unique_keys(entries: Iterable[ParsedEntry]) -> tuple[ParsedEntry, ...]:
    """A guid repeated with the same link is one article (keep the first); one reused for
    different links (a broken generator) is told apart by the link. Document order stays."""
    kept: list[ParsedEntry] = []
    links: dict[str, set[str | None]] = {}
    for entry in entries:
        seen = links.setdefault(entry.key, set())
        if entry.url not in seen:
            seen.add(entry.url)
            kept.append(entry)
    return tuple(replace(e, key=f"{e.key} {e.url}") if len(links[e.key]) > 1 else e for e in kept)


def _key(
    raw: Any,
    link: str | None,
    enclosures: tuple[Enclosure, ...],
    title: str,
    published: datetime | None,
    text: str,
) -> str:
    """guid/id, else link, else the first enclosure, else a hash of what we have."""
    for candidate in (raw.get("id"), link, enclosures[0].url if enclosures else None):
        if candidate and str(candidate).strip():
            return str(candidate).strip()
    parts = [title, published.isoformat() if published else ""]
    if not title and not published:
        parts.append(text)
    return "sha1:" + hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


def _date(raw: Any, field: str) -> datetime | None:
    """feedparser's *_parsed structs are UTC; a date it could not read gets one more try."""
    # dict.get: FeedParserDict.get would hand back "published" when asked for "updated"
    struct = dict.get(raw, f"{field}_parsed")
    text = dict.get(raw, field)
    value: datetime | None = None
    if struct:
        try:
            value = datetime.fromtimestamp(calendar.timegm(struct), UTC)
        except (TypeError, ValueError, OverflowError):
            value = None
    elif text:
        value = _loose_date(str(text))
    if value is None or not _MIN_YEAR <= value.year <= _MAX_YEAR:
        return None
    return value


def _loose_date(text: str) -> datetime | None:
    """RFC 822 without a zone ("Tue, 07 Nov 2006 15:21:35") and bare ISO dates, as UTC."""
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
    return value.astimezone(UTC)


def _text(value: str | None, detail: Mapping[str, Any] | None) -> str:
    """One line of plain text from a title that may be HTML."""
    text = _fix_mojibake(value or "")
    if detail and "html" in str(detail.get("type", "")) and ("<" in text or "&" in text):
        text = _plain_text(text)
    return " ".join(text.split())


def _plain_text(html: str) -> str:
    if "<" not in html and "&" not in html:
        return " ".join(html.split())
    root = _parse_html(html)
    if root is None:
        return " ".join(html.split())
    return " ".join("".join(root.itertext()).split())


def _parse_html(html: str) -> Any:
    try:
        return etree.fromstring(f"<div>{html}</div>", _HTML_PARSER)
    except (ValueError, etree.LxmlError):
        return None


def _fix_mojibake(text: str) -> str:
    """Undo UTF-8 that was decoded as cp1252 on the way into the feed ("Ã¤" -> "ä")."""
    if not ("Ã" in text or "Â" in text or "â€" in text) or not _MOJIBAKE.search(text):
        return text
    try:
        return text.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return text


def _derive_title(html: str, link: str | None) -> str:
    """A title for an untitled item: its first sentence, else the words of its URL."""
    text = _plain_text(html)
    slug = _slug_title(link)
    if len(text.split()) < 3 and slug:  # "Video" or "some content" says less than the URL
        return slug
    if text:
        first = _SENTENCE_END.split(text, maxsplit=1)[0]
        if len(first) <= _TITLE_MAX:
            return first
        cut = text[:_TITLE_MAX].rsplit(" ", 1)[0].rstrip(" ,;:-–")
        return cut + "…"
    return slug or "(untitled)"


def _slug_title(url: str | None) -> str:
    if not url:
        return ""
    segment = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    segment = re.sub(r"\.(s?html?|php\d?|aspx?|jsp|cms)$", "", segment, flags=re.IGNORECASE)
    words = [w for w in re.split(r"[-_+\s]+", segment) if w]
    if words and any(ch.isdigit() for ch in words[-1]):
        while words and any(ch.isdigit() for ch in words[-1]):
            words.pop()
        if words and len(words[-1]) == 1:
            words.pop()  # the "a" in "...-a-1249616"
    if len(words) < 2 or "." in words[-1]:
        return ""
    return " ".join(words)[:1].upper() + " ".join(words)[1:]


def _author(raw: Any) -> str | None:
    names = _unique(str(a.get("name") or "").strip() for a in raw.get("authors") or ())
    if names:
        return _fix_mojibake(", ".join(names))
    author = str(raw.get("author") or "").strip()
    return _fix_mojibake(author) or None


def _enclosures(raw: Any, base: str) -> Iterable[Enclosure]:
    seen: set[str] = set()
    for enc in raw.get("enclosures") or ():
        url = _http_url(enc.get("href"), base)
        if url is None or url in seen:
            continue
        seen.add(url)
        try:
            length: int | None = int(str(enc.get("length") or "").strip())
        except ValueError:
            length = None
        if length is not None and length < 0:
            length = None
        yield Enclosure(url=url, type=enc.get("type") or None, length=length)


def _related(raw: Any) -> list[Teaser]:
    teasers = []
    for link in raw.get("links") or ():
        url = _http_url(link.get("href"), "")
        if link.get("rel") == "related" and url:
            title = " ".join(str(link.get("title") or "").split()) or _slug_title(url) or url
            teasers.append(Teaser(url=url, title=_fix_mojibake(title), kind="feed"))
    return teasers


def _html_teasers(html: str, base: str) -> list[Teaser]:
    """Links inside the entry's HTML, with their anchor text as title, in document order."""
    if "<a" not in html and "<A" not in html:
        return []
    root = _parse_html(html)
    if root is None:
        return []
    teasers = []
    for anchor in root.iter("a"):
        url = _http_url(anchor.get("href"), base)
        if url is None or _is_share(url):
            continue
        title = " ".join("".join(anchor.itertext()).split())
        if not title:
            img = next(anchor.iter("img"), None)
            alt = img.get("alt") if img is not None else anchor.get("title")
            title = " ".join((alt or anchor.get("title") or "").split()) or _slug_title(url)
        if title:
            teasers.append(Teaser(url=url, title=title, kind="feed"))
    return teasers


def _merge_teasers(
    inline: list[Teaser], related: list[Teaser], self_url: str | None
) -> tuple[Teaser, ...]:
    seen = {urldefrag(self_url)[0]} if self_url else set()
    out = []
    for teaser in (*inline, *related):
        plain = urldefrag(teaser.url)[0]
        if plain not in seen:
            seen.add(plain)
            out.append(teaser)
    return tuple(out)


def _is_share(url: str) -> bool:
    low = url.lower()
    if not any(hint in low for hint in _SHARE_HINTS):
        return False
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    if host == "wa.me" or (host == "feeds.feedburner.com" and parts.path.startswith("/~")):
        return True
    return bool(_SHARE_HOST.search(host)) and bool(
        _SHARE_PATH.search(parts.path + "?" + parts.query)
    )


def _http_url(href: object, base: str) -> str | None:
    """Absolute http(s) URL or None: feed links are untrusted."""
    if not isinstance(href, str) or not (href := href.strip()):
        return None
    if href[:8].lower().startswith(("http://", "https://")):
        return href  # the common cases first: urljoin is the slow part of teaser extraction
    if href[0] == "/" and href[1:2] != "/" and (origin := _origin(base)):
        return origin + href
    try:
        url = urljoin(base, href)
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


@lru_cache(maxsize=64)
def _origin(base: str) -> str | None:
    parts = urlsplit(base)
    ok = parts.scheme.lower() in ("http", "https") and parts.netloc
    return f"{parts.scheme}://{parts.netloc}" if ok else None


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def discover_feeds(html: bytes, *, base_url: str) -> list[tuple[str, str]]:
    """(absolute url, title) of each <link rel="alternate"> feed, in document order."""
    try:
        root = etree.fromstring(html, _HTML_PARSER) if html.strip() else None
    except (ValueError, etree.LxmlError):
        root = None
    if root is None:
        return []
    base = base_url
    for el in root.iter("base"):
        base = _http_url(el.get("href"), base_url) or base_url
        break
    found: dict[str, str] = {}
    for link in root.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";", 1)[0].strip().lower()
        if "alternate" not in rels or not _FEED_TYPE.fullmatch(kind):
            continue
        url = _http_url(link.get("href"), base)
        if url and url not in found:
            found[url] = " ".join((link.get("title") or "").split())
    return list(found.items())


_ROOT = re.compile(rb"<([A-Za-z][\w.:-]*)")
_SKIP = re.compile(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", re.DOTALL | re.IGNORECASE)


def looks_like_feed(body: bytes, content_type: str | None) -> bool:
    """Cheap sniff of the first bytes: an RSS, RDF or Atom root element."""
    head = body[:4096]
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    match = _ROOT.search(_SKIP.sub(b"", head.lstrip(codecs.BOM_UTF8)))
    if match:
        name = match.group(1).lower().rsplit(b":", 1)[-1]
        return name in (b"rss", b"feed", b"rdf")
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    return bool(_FEED_TYPE.fullmatch(kind)) and not kind.endswith("json")
