"""From the URL a user gives to a feed: sniff it, or find the feeds its page announces.

`find_feed` fetches and parses; it prints nothing and asks nothing. When a page offers several
feeds the caller says which (`pick`) and gets the whole offer back to show.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

from newsreader.core.config import Config
from newsreader.core.errors import FeedChoiceError, FeedParseError, FetchError, NewsreaderError
from newsreader.core.extract.entry_links import HTML_PARSER, feed_link_url
from newsreader.core.fetch_records import FetchResult, OfferedFeed
from newsreader.core.net.fetch import fetch_config, fetch_sync
from newsreader.core.net.urls import is_web_url
from newsreader.core.parse.feeds import parse_feed
from newsreader.core.parsed import ParsedFeed

__all__ = ["FoundFeed", "discover_feeds", "find_feed", "looks_like_feed"]

# "example.org/feed", "127.0.0.1:8080/feed.xml": an address without its scheme
_BARE_HOST = re.compile(r"[\w-]+(?:\.[\w-]+)+(?::\d+)?(?:/\S*)?\Z")
_FEED_TYPE = re.compile(r"(?:application|text)/(?:x-)?(?:rss|atom|rdf)\+xml|application/feed\+json")


@dataclass(frozen=True, slots=True)
class FoundFeed:
    url: str  # the feed's URL: the user's, or the one the page announced
    parsed: ParsedFeed
    fetched: FetchResult
    offers: tuple[OfferedFeed, ...] = ()  # what the page offered; empty for a feed URL


def _spaced_host(url: str) -> bool:
    """A host with a space in it ("exa mple.de") went to the proxy as it was; a space in
    the path is sent percent-encoded, as browsers do ("/Mein Podcast.xml")."""
    host = urlsplit(url.strip()).hostname or ""
    return any(c.isspace() for c in host)


def _why_not(url: str) -> str:
    """What is wrong with an address that is not to be fetched: `http://` and a host with a
    space in it were "only http and https" (a helper's tour)."""
    text = url.strip()
    if not text:
        return "give a feed's address, as in https://example.org/feed.xml"
    if _BARE_HOST.match(text):
        return f"give the whole address, as in https://{text}"
    scheme = text.partition(":")[0].lower()
    if scheme not in ("http", "https") or "://" not in text:
        return "only http and https URLs can be subscribed"
    return "not a valid web address (a host name, no spaces)"


def find_feed(config: Config, url: str, *, pick: int | None = None) -> FoundFeed:
    """Resolve a user's URL to a feed and its parsed content, via autodiscovery if needed."""
    if not is_web_url(url) or _spaced_host(url):
        raise NewsreaderError(f"{url!r}: {_why_not(url)}")
    result, body = _fetch(config, url)
    if looks_like_feed(body, result.headers.get("content-type")):
        return FoundFeed(
            url, parse_feed(body, url=result.final_url, headers=result.headers), result
        )
    offers = tuple(OfferedFeed(u, t) for u, t in discover_feeds(body, base_url=result.final_url))
    if not offers:
        raise FeedParseError(f"{url} is neither a feed nor a page that links to one")
    index = (1 if pick is None else pick) - 1
    if not 0 <= index < len(offers):
        raise FeedChoiceError(
            f"--pick {pick}: the page offers feeds 1 to {len(offers)}", offers=offers
        )
    feed_url = offers[index].url
    result, body = _fetch(config, feed_url)
    parsed = parse_feed(body, url=result.final_url, headers=result.headers)
    return FoundFeed(feed_url, parsed, result, offers)


def _fetch(config: Config, url: str) -> tuple[FetchResult, bytes]:
    result = fetch_sync(url, config=fetch_config(config))
    if result.error is not None or result.body is None:
        raise FetchError(f"{url}: {result.error or 'empty response'}", status=result.status)
    return result, result.body


def discover_feeds(html: bytes, *, base_url: str) -> list[tuple[str, str]]:
    """(absolute url, title) of each <link rel="alternate"> feed, in document order."""
    try:
        root = etree.fromstring(html, HTML_PARSER) if html.strip() else None
    except (ValueError, etree.LxmlError):
        root = None
    if root is None:
        return []
    base = base_url
    for el in root.iter("base"):
        base = feed_link_url(el.get("href"), base_url) or base_url
        break
    found: dict[str, str] = {}
    for link in root.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";", 1)[0].strip().lower()
        if "alternate" not in rels or not _FEED_TYPE.fullmatch(kind):
            continue
        url = feed_link_url(link.get("href"), base)
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
