"""The fast path: well-formed RSS 2.0 / 0.9x and Atom 1.0 read with lxml instead of feedparser.

feedparser stays the parser of record. This module builds, per item, the mapping feedparser
would build (the part of it feedtext reads), replaying feedparser's rules in document order:
which element fills which key, whitespace stripping, relative links, guid-as-link, the
summary/content hand-off, authors, tags, its encoding repairs. Where a feed uses something
whose feedparser reading is not replayed here, `fast_parse` returns None and the caller runs
feedparser. tests/unit/test_fastparse.py holds the two to the same ParsedFeed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

from feedparser.mixin import _FeedParserMixin
from feedparser.urls import make_safe_absolute_uri
from lxml import etree

from newsreader.core.models import ParsedEntry, ParsedFeed
from newsreader.core.parse.cdata import MARK, LiftedText, lift
from newsreader.core.parse.fastparse_rules import (
    _ATOM_FEED,
    _AUTHOR_PARTS,
    _ENTITY_LIKE,
    _ENTRY_HARMLESS,
    _FEED_HARMLESS,
    _HTML_TYPES,
    _IMAGE_PARTS,
    _ITUNES,
    _MEDIA_SCHEME,
    _TEXTINPUT_PARTS,
    _attrs,
    _check_item_attrs,
    _check_subtree,
    _check_subtree_children,
    _content_type,
    _Decline,
    _enforce_href,
    _name,
    _prefix_plays_no_part,
    _text,
    parse_date,
)
from newsreader.core.parse.feedtext import (
    entry_from_raw,
    feed_link_url,
    feedparser_repair,
    feedparser_resolve,
    one_line_title,
    unique_keys,
)
from newsreader.core.parse.polling import feed_interval

__all__ = ["FastStream", "NotFast", "fast_parse"]

Raw = dict[str, Any]


class _AuthorContext:
    """Lets feedparser's own author bookkeeping ("name (email)", emails in RSS authors) run
    on our item mapping."""

    _save_author = _FeedParserMixin._save_author
    _sync_author_detail = _FeedParserMixin._sync_author_detail

    def __init__(self, context: Raw) -> None:
        self.context = context

    def _get_context(self) -> Raw:
        return self.context


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
        base = make_safe_absolute_uri(url, url) or url
        if (make_safe_absolute_uri(base, base) or base) != base:
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


class _FeedReader:
    def __init__(self, base: str, *, repairs: bool) -> None:
        self.base = base
        self.atom = False
        self.repairs = repairs  # False: no text can change under feedparser_repair
        self.lifted: LiftedText | None = None  # CDATA texts taken out before lxml read it
        self.feed: Raw = {}
        self.titles = 0
        self.has_summary = False
        self.has_content = self.title_locked = False  # per item, as in feedparser

    def stream(self, body: bytes) -> Iterator[Raw]:
        """The items in document order; the feed's own elements go to `self.feed`."""
        children = self._children(body) if len(body) < _STREAM_FROM else self._streamed(body)
        for child in children:
            name = _name(child)
            if name is None:
                continue
            if name == ("entry" if self.atom else "item"):
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
        yield from self._container(root)

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
            feed[name] = self._text(child).strip()
        elif name in ("image", "textinput"):
            parts = _IMAGE_PARTS if name == "image" else _TEXTINPUT_PARTS
            for part in child:
                part_name = _name(part)
                if part_name is not None and (part_name not in parts or len(part)):
                    raise _Decline(f"{name} with {part_name}")
        else:
            _check_subtree(child, _FEED_HARMLESS)

    def _repair(self, text: str) -> str:
        return feedparser_repair(text) if self.repairs else text

    def _text(self, el: Any) -> str:
        """An element's text (no child elements, comments or PIs)."""
        text = _text(el)
        return text if self.lifted is None or MARK not in text else self.lifted.restore(text)

    def _restored(self, text: str | None) -> str:
        """Text (or a tail) as lxml would read it from the feed's own bytes."""
        text = text or ""
        return text if self.lifted is None else self.lifted.restore(text)

    def _value(self, el: Any) -> str:
        """An element's text as feedparser keeps it: stripped, repaired."""
        if len(el):  # child elements, comments or PIs: feedparser's text would differ
            raise _Decline("mixed content")
        text = el.text
        if text is None:
            return ""
        if self.lifted is not None and MARK in text:
            text = self.lifted.restore(text)
        text = text.strip()
        return feedparser_repair(text) if self.repairs else text

    # --- items: one method per kind of element, called as (raw, element, argument) -------

    def _read_item(self, item: Any) -> Raw:
        raw: Raw = {}
        self.has_content = self.title_locked = False
        for child in item:
            handler = _HANDLER_BY_TAG.get(child.tag) or _item_handler(child)
            handler[0](self, raw, child, handler[1])
        if links := raw.get("links"):
            raw["enclosures"] = [link for link in links if link.get("rel") == "enclosure"]
        return raw

    def _title_text(self, el: Any) -> tuple[str, dict[str, str]]:
        kind = _content_type(_attrs(el), "text/plain")
        value = self._text(el).strip()
        if (
            not self.atom
            and kind == "text/plain"
            and ("<" in value or "&" in value)  # looks_like_html wants a close tag or an entity
            and _FeedParserMixin.looks_like_html(value)
        ):
            kind = "text/html"
        return self._repair(value), {"type": kind}

    def _title(self, raw: Raw, el: Any, _: object) -> None:
        value, detail = self._title_text(el)
        if not self.title_locked:  # feedparser keeps the first non-empty title
            raw["title"], raw["title_detail"] = value, detail
            self.title_locked = bool(value)

    def _link(self, context: Raw, el: Any, in_entry: bool) -> None:
        attrs = _attrs(el)
        attrs.setdefault("rel", "alternate")
        attrs.setdefault("type", "application/atom+xml" if attrs["rel"] == "self" else "text/html")
        _enforce_href(attrs)
        context.setdefault("links", []).append(attrs)
        if "href" in attrs:
            attrs["href"] = feedparser_resolve(self.base, attrs["href"])
            _check_subtree_children(el)
            if attrs["rel"] == "alternate" and attrs["type"] in _HTML_TYPES:
                context["link"] = attrs["href"]
            return
        value = self._text(el).strip()
        value = self._repair(feedparser_resolve(self.base, value) if value else value)
        if "&" in value:
            if in_entry:
                value = value.replace("&amp;", "&")
            value = _ENTITY_LIKE.sub(r"&\g<1>", value)
        context["link"] = value
        if value:
            attrs["href"] = value

    def _guid(self, context: Raw, el: Any, _: object) -> None:
        is_link = _attrs(el).get("ispermalink", "true") == "true"
        value = self._text(el).strip()
        context["id"] = value = self._repair(
            feedparser_resolve(self.base, value) if value and is_link else value
        )
        if is_link:
            context.setdefault("link", value)

    def _summary(self, raw: Raw, el: Any, default: str) -> None:
        if "summary" in raw and not self.has_content:
            self._content(raw, el, "text/plain")  # feedparser's second summary is content
            return
        _content_type(_attrs(el), default)
        raw["summary"] = self._value(el)
        raw["summary_detail"] = {"base": self.base}

    def _content(self, raw: Raw, el: Any, default: str) -> None:
        _content_type(_attrs(el), default)
        value = self._value(el)
        self.has_content = True
        raw.setdefault("content", []).append({"value": value, "base": self.base})
        raw.setdefault("summary", value)

    def _date(self, raw: Raw, el: Any, field: str) -> None:
        raw[field] = value = self._value(el)
        raw[_PARSED[field]] = parse_date(value)

    def _category(self, raw: Raw, el: Any, scheme: str | None) -> None:
        tags = raw.setdefault("tags", [])
        if attrs := _attrs(el):
            if scheme == _ITUNES:
                _add_tag(tags, attrs.get("text"), scheme, None)
            else:  # media:category's scheme default wins over a domain attribute, as feedparser
                scheme = attrs.get("scheme", scheme or attrs.get("domain"))
                _add_tag(tags, attrs.get("term"), scheme, attrs.get("label"))
        elif scheme is not None:
            _add_tag(tags, None, scheme, None)
        if value := self._value(el):
            if tags and not tags[-1]["term"]:
                tags[-1]["term"] = value
            else:
                _add_tag(tags, value, None, None)

    def _keywords(self, raw: Raw, el: Any, scheme: str | None) -> None:
        if el.attrib:
            raise _Decline("keywords with attributes")
        for term in self._value(el).split(","):
            if term.strip():
                _add_tag(raw.setdefault("tags", []), term.strip(), scheme, None)

    def _author(self, raw: Raw, el: Any, _: object) -> None:
        detail: Raw = {}
        raw.setdefault("authors", []).append(detail)
        if not len(el):
            raw["author"] = author = self._value(el)
            if "@" not in author:  # feedparser's _sync_author_detail, without an email to find
                if author:
                    raw.setdefault("author_detail", detail)
                    detail["name"] = author
                return
        sync = _AuthorContext(raw)
        own = [self._restored(el.text)]
        for part in el:
            own.append(self._restored(part.tail))
            name = _name(part)
            if name in ("name", "itunes_name", "email", "itunes_email"):
                key = "email" if name.endswith("email") else "name"
                sync._save_author(key, self._text(part).strip())  # feedparser does not repair these
            elif name in ("uri", "url", "homepage"):
                value = self._text(part).strip()
                sync._save_author(
                    "href", self._repair(feedparser_resolve(self.base, value) if value else "")
                )
            elif name is not None:
                _check_subtree(part, _ENTRY_HARMLESS - _AUTHOR_PARTS)
        raw["author"] = self._repair("".join(own).strip())
        sync._sync_author_detail()

    def _enclosure(self, raw: Raw, el: Any, _: object) -> None:
        attrs = _attrs(el)
        _enforce_href(attrs)
        attrs["rel"] = "enclosure"
        raw.setdefault("links", []).append(attrs)
        _check_subtree_children(el)

    def _media_content(self, raw: Raw, el: Any, _: object) -> None:
        # feedparser keeps the attributes as given (no href, no resolving); feedtext reads
        # url, type, medium and duration from them
        raw.setdefault("media_content", []).append(_attrs(el))
        _check_subtree_children(el)

    def _media_group(self, raw: Raw, el: Any, _: object) -> None:
        _attrs(el)
        for child in el:
            name = _name(child)
            if name == "media_content":
                self._media_content(raw, child, None)
            elif name is not None:
                _check_subtree(child, _ENTRY_HARMLESS)

    def _itunes_duration(self, raw: Raw, el: Any, _: object) -> None:
        _attrs(el)
        raw["itunes_duration"] = self._value(el)

    def _other(self, raw: Raw, el: Any, _: object) -> None:
        _check_subtree(el, _ENTRY_HARMLESS)

    def _skip(self, raw: Raw, el: Any, _: object) -> None:
        """Comments and processing instructions."""

    def _content_tier(self, raw: Raw, el: Any, _: object) -> None:
        if el.attrib:
            raise _Decline("content_tier with attributes")
        raw["content_tier"] = self._value(el)


def _add_tag(tags: list[Raw], term: str | None, scheme: str | None, label: str | None) -> None:
    if not term and not scheme and not label:
        return
    tag = {"term": term, "scheme": scheme, "label": label}
    if tag not in tags:
        tags.append(tag)


Handler = tuple[Callable[[_FeedReader, Raw, Any, Any], None], Any]
_ITEM_HANDLERS: dict[str, Handler] = {
    name: (method, argument)
    for method, argument, names in (
        (_FeedReader._title, None, "title"),
        (_FeedReader._link, True, "link"),
        (_FeedReader._guid, None, "guid id"),
        (_FeedReader._summary, "text/html", "description dc_description media_description"),
        (_FeedReader._summary, "text/plain", "summary itunes_summary"),
        (_FeedReader._content, "text/plain", "content"),
        (_FeedReader._content, "text/html", "content_encoded fullitem"),
        (_FeedReader._date, "published", "pubdate published issued dcterms_issued"),
        (_FeedReader._date, "updated", "updated modified lastbuilddate dc_date dcterms_modified"),
        (_FeedReader._category, None, "category keywords dc_subject"),
        (_FeedReader._category, _MEDIA_SCHEME, "media_category"),
        (_FeedReader._category, _ITUNES, "itunes_category"),
        (_FeedReader._keywords, _ITUNES, "itunes_keywords"),
        (_FeedReader._keywords, None, "media_keywords"),
        (_FeedReader._author, None, "author managingeditor dc_creator dc_author itunes_author"),
        (_FeedReader._enclosure, None, "enclosure"),
        (_FeedReader._content_tier, None, "content_tier"),
        (_FeedReader._media_content, None, "media_content"),
        (_FeedReader._media_group, None, "media_group"),
        (_FeedReader._itunes_duration, None, "itunes_duration"),
    )
    for name in names.split()
}
_PARSED = {"published": "published_parsed", "updated": "updated_parsed"}
_OTHER: Handler = (_FeedReader._other, None)
_SKIP: Handler = (_FeedReader._skip, None)
# Handlers by lxml tag, for the tags whose feedparser name does not depend on the prefix.
_HANDLER_BY_TAG: dict[str, Handler] = {}


def _item_handler(el: Any) -> Handler:
    """The handler for an item's child element (kept by tag where the tag alone decides)."""
    name = _name(el)
    if name is None:
        return _SKIP
    handler = _ITEM_HANDLERS.get(name, _OTHER)
    tag = el.tag
    if len(_HANDLER_BY_TAG) < 2048 and _prefix_plays_no_part(tag):
        _HANDLER_BY_TAG[tag] = handler
    return handler
