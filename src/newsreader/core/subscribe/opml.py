"""OPML import/export: folders (and the `category` attribute) are tags.

`import_opml` reads a file and subscribes to its feeds (the caller refreshes them); the command
line and the reader's `i` dialog both call it and show the `Imported` it returns.

Export puts each feed in the folder of its first tag and lists all its tags in `category`
(one with a comma in a folder of its own instead), so an import of our own export gives back
exactly what was exported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from newsreader.core.errors import FeedParseError, NewsreaderError
from newsreader.core.net.urls import canonical_address
from newsreader.core.store.store import Store

__all__ = ["Imported", "OpmlFeed", "import_opml", "parse_opml", "write_opml"]

# Subscription lists are small; anything bigger is not one.
MAX_OPML_BYTES = 5 * 1024 * 1024

# Control characters are not allowed in XML 1.0 (lxml refuses them): feed titles are untrusted.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    title: str | None
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Imported:
    path: Path
    feeds: int  # feeds the file lists
    new: int  # of which we had no subscription yet
    skipped: tuple[str, ...] = ()  # the outlines' addresses that are not web addresses


def import_opml(store: Store, path: Path) -> Imported:
    """Read, parse and subscribe; raises NewsreaderError with a one-line reason."""
    try:
        if path.stat().st_size > MAX_OPML_BYTES:
            raise NewsreaderError(f"{path} is too big for a subscription list")
        data = path.read_bytes()
    except OSError as exc:
        raise NewsreaderError(f"cannot read {path}: {exc.strerror or exc}") from exc
    skipped: list[str] = []
    feeds = parse_opml(data, skipped=skipped)
    known = {f.url for f in store.feeds(counts=False)}
    new = 0
    for item in feeds:
        # A subscription under another spelling of the address is the same one.
        url = item.url if item.url in known else canonical_address(item.url)
        new += url not in known
        known.add(url)
        store.add_feed(url, title=item.title, tags=item.tags)
    return Imported(path, len(feeds), new, tuple(dict.fromkeys(skipped)))


_NOT_OPML = "not an OPML file (the list of subscriptions a feed reader exports)"


def parse_opml(data: bytes, *, skipped: list[str] | None = None) -> list[OpmlFeed]:
    """Feeds of an OPML 1.0/2.0 file, each with its folders and categories as tags. The
    addresses of outlines that are no web address (file:, ftp:) go to `skipped`."""
    # No entity expansion, no DTD, no network: an OPML file is as hostile as any feed.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        # Plain words, not the XML parser's: most often this is some other kind of file.
        if b"<opml" not in data[:4096].lower():
            raise FeedParseError(_NOT_OPML) from None
        if b"<!entity" in data[:65536].lower():  # refused unread; "cut off" misled (a tour)
            raise FeedParseError(
                "not read: the OPML file declares XML entities, which a list of feeds needs "
                "none of (they can read local files or expand without end)"
            ) from None
        where = getattr(exc, "lineno", None)
        at = f" (line {where})" if isinstance(where, int) and where > 0 else ""
        raise FeedParseError(f"not a valid OPML file: it is cut off or broken{at}") from None
    if root is None or _local(root) != "opml":
        name = _local(root) if root is not None else "nothing"
        kind = "a feed, not a list of feeds" if name in ("rss", "feed", "RDF") else f"<{name}>"
        raise FeedParseError(f"{_NOT_OPML}: it is {kind}")
    body = next((el for el in root if _local(el) == "body"), None)
    if body is None:
        raise FeedParseError("not a valid OPML file: it has no <body>")
    merged: dict[str, OpmlFeed] = {}
    for feed in _walk(body, (), [] if skipped is None else skipped):
        old = merged.get(feed.url)
        if old is None:
            merged[feed.url] = feed
        else:  # the same feed listed twice (e.g. in two folders): one feed, all the tags
            tags = tuple(dict.fromkeys((*old.tags, *feed.tags)))
            merged[feed.url] = OpmlFeed(url=feed.url, title=old.title or feed.title, tags=tags)
    return list(merged.values())


def _walk(parent: Any, folders: tuple[str, ...], skipped: list[str]) -> Iterator[OpmlFeed]:
    for outline in parent:
        if _local(outline) != "outline":
            continue
        attrs = {str(k).lower(): " ".join(str(v).split()) for k, v in outline.attrib.items()}
        name = attrs.get("text") or attrs.get("title") or ""
        url = attrs.get("xmlurl", "").strip()
        if url:
            if urlsplit(url).scheme.lower() in ("http", "https"):
                tags = (*folders, *_categories(attrs.get("category", "")))
                title = name if name and name != url else None
                yield OpmlFeed(url=url, title=title, tags=tuple(dict.fromkeys(tags)))
            else:
                skipped.append(_one_line(url))
            yield from _walk(outline, folders, skipped)
        else:
            yield from _walk(outline, (*folders, name) if name else folders, skipped)


def _categories(value: str) -> list[str]:
    """OPML 2.0 `category`: comma-separated, slash-delimited paths ("/Boston/Weather")."""
    return [c.strip().strip("/").strip() for c in value.split(",") if c.strip().strip("/")]


def _local(el: Any) -> str:
    tag = el.tag
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def write_opml(feeds: Iterable[OpmlFeed], *, title: str = "newsreader subscriptions") -> str:
    """OPML 2.0: a folder per first tag (untagged feeds at the top), all tags in `category`."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = _xml(title)
    etree.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC), usegmt=True)
    body = etree.SubElement(root, "body")
    folders: dict[str, list[OpmlFeed]] = {"": []}
    # Commas part `category`: a later tag that has one ("Politik, Wirtschaft") is said by a
    # folder of that name after the others, which lists the feed again, and an import joins
    # the listings (the first tag stays first). Said in `category`, it came back as three
    # tags (a helper's tour).
    also: dict[str, list[OpmlFeed]] = {}
    for feed in feeds:
        folders.setdefault(feed.tags[0] if feed.tags else "", []).append(feed)
        for tag in feed.tags[1:]:
            if "," in tag:
                also.setdefault(tag, []).append(feed)
    for folder, members in [*folders.items(), *also.items()]:
        parent = body
        if folder:
            parent = etree.SubElement(body, "outline", text=_xml(folder), title=_xml(folder))
        for feed in members:
            outline = etree.SubElement(parent, "outline", type="rss")
            outline.set("text", _xml(feed.title or feed.url))
            if feed.title:
                outline.set("title", _xml(feed.title))
            outline.set("xmlUrl", _xml(feed.url))
            sayable = [tag for tag in feed.tags if "," not in tag]
            if sayable:
                outline.set("category", _xml(",".join(sayable)))
    xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return xml.decode("utf-8")


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)
