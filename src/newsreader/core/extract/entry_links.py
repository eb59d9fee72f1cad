"""Links inside an entry's HTML as teasers, and the URL checks every feed link goes through.

Kept apart from `feedtext` (the feed parsers' reading of an item) so the reader can list an
entry's links when it is opened without loading the feed parsers.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from lxml import etree

from newsreader.core.article_records import Teaser

HTML_PARSER = etree.HTMLParser(recover=True, no_network=True, remove_comments=True)

# Share buttons are links too, but no reader wants them as teasers.
_SHARE_HOST = re.compile(
    r"(?:^|\.)(?:(?:facebook|twitter|x|linkedin|xing|pinterest|reddit|getpocket|flipboard"
    r"|whatsapp)\.com|(?:t|telegram)\.me)$"
)
_SHARE_HINTS = re.compile("share|intent|submit|/pin/|/send|/save|wa\\.me|feedburner")
_SHARE_PATH = re.compile(r"share|sharer|intent|submit|/pin/create|/send|/save", re.IGNORECASE)


def parse_fragment(html: str) -> Any:
    """A fragment of feed HTML as an lxml tree (inside a <div>), or None if it will not parse."""
    try:
        return etree.fromstring(f"<div>{html}</div>", HTML_PARSER)
    except (ValueError, etree.LxmlError):
        return None


def slug_title(url: str | None) -> str:
    """Words from a URL's last path segment, for a link or an item that has no title."""
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


def html_link_teasers(html: str, base: str, self_url: str | None) -> tuple[Teaser, ...]:
    """The links in an entry's HTML as teasers, in document order, each once, not itself.

    Run when an entry is shown rather than at refresh: parsing every entry's HTML cost a
    refresh half its parse time, for links only the articles a user opens need.
    """
    return merge_feed_teasers(html_teasers(html, base), [], self_url)


def html_teasers(html: str, base: str) -> list[Teaser]:
    """Links inside the entry's HTML, with their anchor text as title, in document order."""
    if "<a" not in html and "<A" not in html:
        return []
    root = parse_fragment(html)
    if root is None:
        return []
    teasers = []
    for anchor in root.iter("a"):
        url = feed_link_url(anchor.get("href"), base)
        if url is None or _is_share(url):
            continue
        title = " ".join(_text_of(anchor).split())
        if not title:
            img = next(anchor.iter("img"), None)
            alt = img.get("alt") if img is not None else anchor.get("title")
            title = " ".join((alt or anchor.get("title") or "").split()) or slug_title(url)
        if title:
            teasers.append(Teaser(url=url, title=title, kind="feed"))
    return teasers


def _text_of(element: Any) -> str:
    """All text inside an element: lxml's serializer does it faster than itertext()."""
    return str(etree.tostring(element, method="text", encoding=str, with_tail=False))


def merge_feed_teasers(
    inline: list[Teaser], related: list[Teaser], self_url: str | None
) -> tuple[Teaser, ...]:
    seen = {urldefrag(self_url)[0] if "#" in self_url else self_url} if self_url else set()
    out = []
    for teaser in (*inline, *related):
        plain = urldefrag(teaser.url)[0] if "#" in teaser.url else teaser.url
        if plain not in seen:
            seen.add(plain)
            out.append(teaser)
    return tuple(out)


def _is_share(url: str) -> bool:
    low = url.lower()
    if not _SHARE_HINTS.search(low):
        return False
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    if host == "wa.me" or (host == "feeds.feedburner.com" and parts.path.startswith("/~")):
        return True
    return bool(_SHARE_HOST.search(host)) and bool(
        _SHARE_PATH.search(parts.path + "?" + parts.query)
    )


def feed_link_url(href: object, base: str) -> str | None:
    """Absolute http(s) URL or None: feed links are untrusted.

    The parsers' hot path: an absolute http(s) href comes back as given, unchecked further.
    `render.http_url` is the strict one for pages (control characters out, a host required).
    """
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
