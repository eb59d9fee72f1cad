"""The fast path: well-formed RSS 2.0 / 0.9x and Atom 1.0 read with lxml instead of feedparser.

feedparser stays the parser of record. This module walks the document and, with
fastparse_items.py (one reader per kind of element), builds per item the mapping feedparser
would build (the part of it feedtext reads), replaying feedparser's rules in document order:
which element fills which key, whitespace stripping, relative links, guid-as-link, the
summary/content hand-off, authors, tags, its encoding repairs. Where a feed uses something
whose feedparser reading is not replayed here, `fast_parse` returns None and the caller runs
feedparser. tests/unit/test_fastparse.py holds the two to the same ParsedFeed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

from lxml import etree

from newsreader.core.parse.cdata import lift
from newsreader.core.parse.fastparse_items import ElementReader, Raw
from newsreader.core.parse.fastparse_rules import (
    _ATOM_FEED,
    _FEED_HARMLESS,
    _IMAGE_PARTS,
    _TEXTINPUT_PARTS,
    _attrs,
    _check_item_attrs,
    _check_subtree,
    _check_subtree_children,
    _Decline,
    _name,
)
from newsreader.core.parse.feedparser_facts import safe_absolute_uri
from newsreader.core.parse.feedtext import (
    entry_from_raw,
    feed_link_url,
    one_line_title,
    unique_keys,
)
from newsreader.core.parse.polling import feed_interval
from newsreader.core.parsed import ParsedEntry, ParsedFeed

__all__ = ["FastStream", "NotFast", "fast_parse"]


# From this size on, the body goes to lxml in slices and each item is let go once read: a
# whole tree of a 10 MB feed costs ~150 MB. Below it a whole tree is the cheaper walk.
_STREAM_FROM = 1024 * 1024
_SLICE = 64 * 1024
_PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
    "recover": False,
}
_local = threading.local()
# A character reference to U+0080..U+00BF (decimal 128-191, hex 80-BF, leading zeros allowed).
_HIGH_REFERENCE = re.compile(rb"&#(?:0*(?:12[89]|1[3-8][0-9]|19[01])|x0*[89aAbB][0-9a-fA-F]);")


class NotFast(Exception):
    """Raised while streaming when the feed turns out to need feedparser after all."""


def fast_parse(body: bytes, *, url: str) -> ParsedFeed | None:
    """The ParsedFeed feedparser would give for these bytes, or None when unsure.

    `body` must be UTF-8 (or ASCII in a Latin codec), as parse_feed's encoding repair hands it
    on: feedparser's own charset detection is not replayed here.
    """
    stream = FastStream.open(body, url=url)
    if stream is None:
        return None
    try:
        entries = unique_keys(stream)
    except NotFast:
        return None
    return stream.head(entries)


class FastStream:
    """The fast path, item by item: iterate it for the ParsedEntries in document order (before
    `unique_keys`), then ask `head()` for the rest. Raises NotFast while iterating when the
    feed needs feedparser; only the items not yet read are held in memory.
    """

    def __init__(self, body: bytes, url: str, base: str) -> None:
        self.body, self.url = body, url
        self.reader = _FeedReader(base, repairs=_may_need_repairs(body))
        self.finished = False

    @classmethod
    def open(cls, body: bytes, *, url: str) -> FastStream | None:
        """None when the bytes or the URL rule the fast path out before reading."""
        if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return None
        base = safe_absolute_uri(url, url) or url
        if (safe_absolute_uri(base, base) or base) != base:
            return None
        return cls(body, url, base)

    def __iter__(self) -> Iterator[ParsedEntry]:
        url = self.url
        try:
            for raw in self.reader.stream(self.body):
                yield entry_from_raw(raw, url)
        except _Decline as exc:
            raise NotFast(str(exc)) from None
        self.finished = True

    @property
    def title(self) -> str | None:
        """The feed's title as far as read."""
        feed = self.reader.feed
        return one_line_title(feed.get("title"), feed.get("title_detail")) or None

    def head(self, entries: tuple[ParsedEntry, ...] = ()) -> ParsedFeed:
        """The feed once every item is read, with `entries` as its entries."""
        assert self.finished, "head() before the items were read"
        feed = self.reader.feed
        return ParsedFeed(
            title=self.title,
            site_url=feed_link_url(feed.get("link"), self.url),
            entries=entries,
            warning=None,
            poll_seconds=feed_interval(
                feed.get("ttl"), feed.get("sy_updateperiod"), feed.get("sy_updatefrequency")
            ),
        )


def _may_need_repairs(body: bytes) -> bool:
    """Whether any text may hold a character U+0080..U+00BF, raw or as a reference: without
    one, feedparser's repairs (feedparser_repair) leave every text as it is."""
    if b"\xc2" in body:  # a raw one in UTF-8; memchr-fast, unlike a regex over the body
        return True
    return b"#" in body and _HIGH_REFERENCE.search(body) is not None


def _xml_parser() -> etree.XMLParser:
    # lxml parsers must not be shared between threads.
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(**_PARSER_OPTIONS)
        _local.parser = parser
    return parser


def _end_events(body: bytes) -> Iterator[Any]:
    """Each element as it ends; a feed lxml notes anything wrong with is declined."""
    parser = etree.XMLPullParser(events=("end",), **_PARSER_OPTIONS)
    try:
        for start in range(0, len(body), _SLICE):
            parser.feed(body[start : start + _SLICE])
            for _, element in parser.read_events():
                yield element
        parser.close()
        for _, element in parser.read_events():
            yield element
    except (etree.LxmlError, ValueError) as exc:
        raise _Decline("not well-formed") from exc
    if len(parser.error_log):  # lxml raises on errors; anything it noted is reason enough
        raise _Decline("lxml noted an error")


class _FeedReader(ElementReader):
    """The document: the container, the feed's own elements, the items in order."""

    def __init__(self, base: str, *, repairs: bool) -> None:
        super().__init__(base, repairs=repairs)
        self.feed: Raw = {}
        self.titles = 0
        self.has_summary = False

    def stream(self, body: bytes) -> Iterator[Raw]:
        """The items in document order; the feed's own elements go to `self.feed`."""
        children = self._children(body) if len(body) < _STREAM_FROM else self._streamed(body)
        for child in children:
            name = _name(child)
            if name is None:
                continue
            if name == ("entry" if self.atom else "item"):
                if child.items():  # most items have no attributes
                    _check_item_attrs(child)
                yield self._read_item(child)
            else:
                self._channel_child(child, name)

    def _children(self, body: bytes) -> Iterator[Any]:
        """The container's children from a whole tree: cheaper for a feed of usual size."""
        parser = _xml_parser()
        if (lifted := lift(body)) is not None:
            body, self.lifted = lifted
        try:
            root = etree.fromstring(body, parser)
        except (etree.LxmlError, ValueError) as exc:
            raise _Decline("not well-formed") from exc
        if len(parser.error_log):  # lxml raises on errors; anything it noted is reason enough
            raise _Decline("lxml noted an error")
        yield from self._container(root)[:]  # a list: cheaper than the children's iterator

    def _streamed(self, body: bytes) -> Iterator[Any]:
        """The container's children as each ends, dropped from the tree once read."""
        root = container = None
        for element in _end_events(body):
            parent = element.getparent()
            if parent is None:  # the root closed: the document is complete
                if container is None:
                    self._container(element)  # an empty feed; still an rss or Atom one?
            elif container is None or parent is container:
                if container is None:
                    root = element.getroottree().getroot()
                    container = self._container(root)
                    if parent is not container:
                        continue
                yield element
                element.clear()  # read: let it and anything before it (comments) go
                while element.getprevious() is not None:
                    del container[0]
            elif parent is root and element is not container and _name(element) is not None:
                raise _Decline("rss without exactly one channel")

    def _container(self, root: Any) -> Any:
        """The element whose children are the items: <channel> in RSS, the root in Atom."""
        if root.getroottree().docinfo.doctype:
            raise _Decline("DOCTYPE")  # a DTD can declare entities; feedparser rewrites those
        _attrs(root)
        if root.tag == _ATOM_FEED:
            self.atom = True
            channel = root
        elif root.tag == "rss":
            channels = [child for child in root if _name(child) is not None]
            if len(channels) != 1 or _name(channels[0]) != "channel":
                raise _Decline("rss without exactly one channel")
            channel = channels[0]
        else:
            raise _Decline("neither rss nor atom")
        _check_item_attrs(channel)
        return channel

    # --- feed level ---------------------------------------------------------------------

    def _channel_child(self, child: Any, name: str) -> None:
        feed = self.feed
        if name == "title":
            self.titles += 1
            if self.titles > 1:
                raise _Decline("two feed titles")
            feed["title"], feed["title_detail"] = self._title_text(child)
        elif name == "link":
            self._link(feed, child, False)
        elif name in ("guid", "id"):
            self._guid(feed, child, None)
        elif name in ("summary", "itunes_summary", "description", "dc_description"):
            # a second summary, or a description after one, becomes content in feedparser
            if self.has_summary:
                raise _Decline("feed summary and description")
            self.has_summary = name in ("summary", "itunes_summary")
            _check_subtree_children(child)
        elif name in ("ttl", "sy_updateperiod", "sy_updatefrequency"):
            feed[name] = self._value(child, False)
        elif name in ("image", "textinput"):
            parts = _IMAGE_PARTS if name == "image" else _TEXTINPUT_PARTS
            for part in child:
                part_name = _name(part)
                if part_name is not None and (part_name not in parts or len(part)):
                    raise _Decline(f"{name} with {part_name}")
        else:
            _check_subtree(child, _FEED_HARMLESS)
