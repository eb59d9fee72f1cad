"""Feed bytes -> ParsedFeed (feedparser is the parser of record).

feedparser gets bytes and response headers, never a URL, and runs with sanitizing and
relative-URI rewriting off: the renderer sanitizes at display time, and we resolve only the
links we store.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Mapping
from typing import Any

from newsreader.core.errors import FeedParseError
from newsreader.core.parse.fastparse import FastStream, NotFast, fast_parse
from newsreader.core.parse.feedtext import (
    entry_from_raw,
    feed_link_url,
    one_line_title,
    title_marks_paywall,
    unique_keys,
)
from newsreader.core.parse.polling import feed_interval
from newsreader.core.parsed import ParsedFeed

__all__ = ["FastStream", "NotFast", "feed_stream", "parse_feed", "title_marks_paywall"]

_XML_DECL = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._:-]+)([\"'])")
_SAFE_CODECS = frozenset({"utf-8", "ascii", "iso8859-1", "iso8859-15", "cp1252"})
_DECL_ENCODING = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)")
_UTF8_DECODER = codecs.getincrementaldecoder("utf-8")
_CHECK_SLICE = 1024 * 1024
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\"';\s]+)", re.IGNORECASE)


def parse_feed(body: bytes, *, url: str, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0 or Atom; keep what a malformed feed gives, reject non-feeds.

    Well-formed RSS 2.0 and Atom go through the lxml fast path, which builds the same result
    as feedparser at a fraction of the cost; anything it is unsure of goes to feedparser.
    """
    if b"\x00" in body and b"\x00" not in body[:4]:
        # NUL bytes are never valid in XML; UTF-16/32 (NULs from the first bytes on) keep theirs.
        body = body.replace(b"\x00", b"")
    return _fast_path(body, url=url, headers=headers) or _parse_with_feedparser(
        body, url=url, headers=headers
    )


def _fast_path(
    body: bytes, *, url: str, headers: Mapping[str, str] | None = None
) -> ParsedFeed | None:
    if not body or body.isspace():  # not body.strip(): no copy of the body
        return None
    lower = {k.lower(): v for k, v in (headers or {}).items()}
    # UTF-8 as declared is taken on trust: lxml (and the CDATA lifting) check every byte as
    # they read, and turn a feed down at the first that is not; only then is it checked here
    # and repaired. A feed read once instead of decoded twice.
    trusted, content_type = _as_utf8(body, lower.get("content-type"), trust_utf8=True)
    parsed = fast_parse(trusted, url=url) if _plain_encoding(trusted, content_type) else None
    if parsed is not None or trusted is not body or body.isascii() or _is_utf8(body):
        return parsed
    repaired, content_type = _as_utf8(body, lower.get("content-type"))
    return fast_parse(repaired, url=url) if _plain_encoding(repaired, content_type) else None


def feed_stream(
    body: bytes, *, url: str, headers: Mapping[str, str] | None = None
) -> FastStream | None:
    """The fast path item by item, for a big feed (see FastStream); None: use parse_feed."""
    if not body or body.isspace() or b"\x00" in body:
        return None  # parse_feed has the answers for these
    lower = {k.lower(): v for k, v in (headers or {}).items()}
    body, content_type = _as_utf8(body, lower.get("content-type"))
    if not _plain_encoding(body, content_type):
        return None
    return FastStream.open(body, url=url)


def _parse_with_feedparser(
    body: bytes, *, url: str, headers: Mapping[str, str] | None = None
) -> ParsedFeed:
    """The parser of record: bytes and headers in, never a URL."""
    # start-up/memory: feedparser (~2.5 MB of a parse worker) loads for the first feed the fast path
    # leaves to it; a worker whose feeds are all well-formed never holds it
    import feedparser

    lower = {k.lower(): v for k, v in (headers or {}).items()}
    if not body.strip():
        raise FeedParseError("not a feed: the response was empty")
    body, content_type = _as_utf8(body, lower.get("content-type"))
    response_headers = {"content-location": url}
    if content_type:
        response_headers["content-type"] = content_type
    try:
        parsed = feedparser.parse(
            io.BytesIO(body),
            response_headers=response_headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # its parsers fail on some hostile bytes (&#55296;, odd xmlns)
        raise FeedParseError(f"not a feed: feedparser failed on it ({type(exc).__name__})") from exc
    if not parsed.get("version") and not parsed.entries:
        raise FeedParseError(_not_a_feed(body, parsed.get("bozo_exception")))
    feed = parsed.feed
    entries = unique_keys(entry_from_raw(raw, url) for raw in parsed.entries)
    return ParsedFeed(
        title=one_line_title(feed.get("title"), feed.get("title_detail")) or None,
        site_url=feed_link_url(feed.get("link"), url),
        entries=entries,
        # its notes that do not mean lost content: wrong media type, encoding guesses
        warning=_warning(
            parsed,
            (feedparser.ThingsNobodyCaresAboutButMe, feedparser.UndeclaredNamespace),
            len(entries),
        ),
        poll_seconds=feed_interval(
            feed.get("ttl"), feed.get("sy_updateperiod"), feed.get("sy_updatefrequency")
        ),
    )


def _as_utf8(
    body: bytes, content_type: str | None, *, trust_utf8: bool = False
) -> tuple[bytes, str | None]:
    """Hand feedparser UTF-8 it can trust; repair Latin-1/cp1252 bytes in "UTF-8" feeds.

    `trust_utf8`: bytes declared UTF-8 come back as they are, unchecked (the caller's reader
    must turn down bytes that are not)."""
    if body[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE) or body[:2] in (
        codecs.BOM_UTF16_LE,
        codecs.BOM_UTF16_BE,
    ):
        return body, content_type  # feedparser reads byte-order marks itself
    if body.isascii():
        return body, content_type
    match = _XML_DECL.match(body, 0, 400)
    # The XML declaration's encoding; without one, the server's charset (a Russian feed in
    # windows-1251 said so in its Content-Type alone, and came out as mojibake: a helper's
    # review). Bytes that are UTF-8 are read as UTF-8 whatever either says (below).
    header = _CHARSET.search(content_type) if content_type else None
    if match:
        declared = match.group(2).decode("ascii").lower()
    else:
        declared = header.group(1).lower() if header else "utf-8"
    base = (content_type or "application/xml").split(";", 1)[0].strip()
    if declared in ("utf-8", "utf8") and (trust_utf8 or _is_utf8(body)):
        return body, f"{base}; charset=utf-8"  # as it was: no 2nd copy of a big feed
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
    return text.encode("utf-8"), f"{base}; charset=utf-8"


def _is_utf8(body: bytes) -> bool:
    """Whether `body` decodes as UTF-8, checked a megabyte at a time: never a whole copy."""
    decoder = _UTF8_DECODER()
    view = memoryview(body)
    try:
        for start in range(0, len(body), _CHECK_SLICE):
            decoder.decode(view[start : start + _CHECK_SLICE])
        decoder.decode(b"", True)
    except UnicodeDecodeError:
        return False
    return True


def _plain_encoding(body: bytes, content_type: str | None) -> bool:
    """Bytes lxml and feedparser are sure to decode alike: UTF-8, or ASCII in a safe codec."""
    if body[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return False  # also covers UTF-32 LE
    if body[:4] == codecs.BOM_UTF32_BE:
        return False
    ascii_only = body.isascii()
    names = []
    if match := _DECL_ENCODING.match(body.removeprefix(codecs.BOM_UTF8), 0, 400):
        names.append(match.group(1).decode("ascii"))
    if content_type and (charset := _CHARSET.search(content_type)):
        names.append(charset.group(1))
    for name in names:
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            return False
        if codec not in _SAFE_CODECS or (codec != "utf-8" and not ascii_only):
            return False
    return True


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


def _warning(parsed: Any, harmless: tuple[type[Exception], ...], kept: int) -> str | None:
    """feedparser's complaint, and how many entries we keep of what it salvaged."""
    exc = parsed.get("bozo_exception")
    if not parsed.get("bozo") or exc is None or isinstance(exc, harmless):
        return None
    line = getattr(exc, "getLineNumber", lambda: None)()
    where = f" at line {line}" if line else ""
    # The SAX parser's text starts with its own "<unknown>:LINE:COLUMN: ", said above.
    text = _SAX_PLACE.sub("", _one_line(str(exc)))
    return f"malformed feed{where}: {text}; kept {kept} {'entry' if kept == 1 else 'entries'}"


_SAX_PLACE = re.compile(r"^<unknown>:\d+:\d+: ")


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]
