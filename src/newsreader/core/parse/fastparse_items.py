"""How the fast path reads each element as feedparser does: one method per kind of element.

`ElementReader` holds the per-feed state feedparser's handlers keep (base URL, Atom or RSS,
whether texts need its repairs, the CDATA lifted out of the bytes, the summary/content and
title hand-offs within an item) and fills an item's feedparser-shaped mapping, element by
element; fastparse.py walks the document and hands it the elements.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from newsreader.core.parse.cdata import MARK, LiftedText
from newsreader.core.parse.fastparse_rules import (
    _AUTHOR_PARTS,
    _ENTITY_LIKE,
    _ENTRY_HARMLESS,
    _HTML_TYPES,
    _ITUNES,
    _MEDIA_SCHEME,
    _attrs,
    _check_subtree,
    _check_subtree_children,
    _content_type,
    _Decline,
    _enforce_href,
    _name,
    _prefix_plays_no_part,
    utc_fields,
)
from newsreader.core.parse.feedparser_facts import looks_like_html
from newsreader.core.parse.feedtext import feedparser_repair, feedparser_resolve

__all__ = ["ElementReader", "Raw"]

Raw = dict[str, Any]


# An email address in an author's text as feedparser finds one: a local part, "@", a domain
# or the first three numbers of a bracketed IPv4 address, a "?subject=" if there is one.
_EMAIL = re.compile(
    r"[A-Za-z0-9_.+-]+@(?:\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.|(?:[A-Za-z0-9-]+\.)+)"
    r"(?:[A-Za-z]{2,4}|[0-9]{1,3})\]?(?:\?subject=\S+)?"
)


def _save_author_part(item: Raw, key: str, value: str) -> None:
    """An <author>'s name, email or link kept as feedparser keeps it: in author_detail and in
    the item's last author, the one-line author made again on the way."""
    item.setdefault("author_detail", {})[key] = value
    _sync_author(item)
    item.setdefault("authors", [{}])[-1][key] = value


def _sync_author(item: Raw) -> None:
    """feedparser's author line made from the last author's parts ("Name (email)"); when that
    author has none yet, its parts found in the author line instead."""
    detail: Raw = item.get("authors", [{}])[-1]
    if detail:
        name, email = detail.get("name"), detail.get("email")
        if name and email:
            item["author"] = f"{name} ({email})"
        elif name or email:
            item["author"] = name or email
        return
    author = item.get("author")
    if not author:
        return
    email = None
    if found := _EMAIL.search(author):
        email = found.group(0)
        for wrapping in (email, "()", "<>", "&lt;&gt;"):
            author = author.replace(wrapping, "")
        author = author.strip()
        author = author[1:] if author.startswith("(") else author
        author = (author[:-1] if author.endswith(")") else author).strip()
    if author or email:
        item.setdefault("author_detail", detail)
    if author:
        detail["name"] = author
    if email:
        detail["email"] = email


class ElementReader:
    def __init__(self, base: str, *, repairs: bool) -> None:
        self.base = base
        self.atom = False
        self.repairs = repairs  # False: no text can change under feedparser_repair
        self.lifted: LiftedText | None = None  # CDATA texts taken out before lxml read it
        self.has_content = self.title_locked = False  # per item, as in feedparser
        self.last_resolved = ("", "")  # an item's guid most often repeats its link

    def _resolve(self, value: str) -> str:
        if value != self.last_resolved[0]:
            self.last_resolved = (value, feedparser_resolve(self.base, value))
        return self.last_resolved[1]

    def _repair(self, text: str) -> str:
        return feedparser_repair(text) if self.repairs else text

    def _value(self, el: Any, repair: bool = True) -> str:
        """An element's text (no child elements, comments or PIs), stripped and repaired as
        feedparser keeps it; `repair` False for a text repaired later (after resolving) or
        never. One call for the handlers' most frequent question (six an item in a usual
        feed), not one a step; the flag goes by position, as a keyword costs ~500
        instructions a call."""
        if len(el):  # child elements, comments or PIs: feedparser's text would differ
            raise _Decline("mixed content")
        text = el.text
        if text is None:
            return ""
        if self.lifted is not None and MARK in text:
            lifted = self.lifted.sections.get(text)  # the whole text one section: the usual
            text = self.lifted.restore(text) if lifted is None else lifted
        text = text.strip()
        return feedparser_repair(text) if repair and self.repairs else text

    def _restored(self, text: str | None) -> str:
        """Text (or a tail) as lxml would read it from the feed's own bytes."""
        text = text or ""
        return text if self.lifted is None else self.lifted.restore(text)

    # --- items: one method per kind of element, called as (raw, element, argument) -------

    def _read_item(self, item: Any) -> Raw:
        raw: Raw = {}
        self.has_content = self.title_locked = False
        for child in item[:]:  # a list of the children costs a third less than their iterator
            method, argument = _HANDLER_BY_TAG.get(child.tag) or _item_handler(child)
            method(self, raw, child, argument)
        return raw

    def _title_text(self, el: Any) -> tuple[str, dict[str, str]]:
        kind = _content_type(el, "text/plain") if el.items() else "text/plain"
        value = self._value(el, False)
        if (
            not self.atom
            and kind == "text/plain"
            and ("<" in value or "&" in value)  # looks_like_html wants a close tag or an entity
            and looks_like_html(value)
        ):
            kind = "text/html"
        return self._repair(value), {"type": kind}

    def _title(self, raw: Raw, el: Any, _: object) -> None:
        value, detail = self._title_text(el)
        if not self.title_locked:  # feedparser keeps the first non-empty title
            raw["title"], raw["title_detail"] = value, detail
            self.title_locked = bool(value)

    def _link(self, context: Raw, el: Any, in_entry: bool) -> None:
        if el.items():
            attrs = _attrs(el)
            attrs.setdefault("rel", "alternate")
            kind = "application/atom+xml" if attrs["rel"] == "self" else "text/html"
            attrs.setdefault("type", kind)
            _enforce_href(attrs)
            if in_entry and attrs["rel"] == "enclosure":  # feedparser's enclosures: such links
                context.setdefault("enclosures", []).append(attrs)
        else:  # RSS's plain <link>URL</link>: what the defaults above come to
            attrs = {"rel": "alternate", "type": "text/html"}
        context.setdefault("links", []).append(attrs)
        if "href" in attrs:
            attrs["href"] = feedparser_resolve(self.base, attrs["href"])
            _check_subtree_children(el)
            if attrs["rel"] == "alternate" and attrs["type"] in _HTML_TYPES:
                context["link"] = attrs["href"]
            return
        value = self._value(el, False)
        value = self._repair(self._resolve(value) if value else value)
        if "&" in value:
            if in_entry:
                value = value.replace("&amp;", "&")
            value = _ENTITY_LIKE.sub(r"&\g<1>", value)
        context["link"] = value
        if value:
            attrs["href"] = value

    def _guid(self, context: Raw, el: Any, _: object) -> None:
        attributes = el.items()
        if not attributes or attributes == _PERMALINK:
            is_link = True  # what _attrs would give: no attributes or isPermaLink="true"
        else:
            is_link = _attrs(el).get("ispermalink", "true") == "true"
        value = self._value(el, False)
        if value and is_link:
            value = self._resolve(value)
        context["id"] = value = self._repair(value)
        if is_link:
            context.setdefault("link", value)

    def _summary(self, raw: Raw, el: Any, default: str) -> None:
        if "summary" in raw and not self.has_content:
            self._content(raw, el, "text/plain")  # feedparser's second summary is content
            return
        if el.items():  # most have no attributes
            _content_type(el, default)
        raw["summary"] = self._value(el)
        raw["summary_detail"] = {"base": self.base}

    def _content(self, raw: Raw, el: Any, default: str) -> None:
        if el.items():
            _content_type(el, default)
        value = self._value(el)
        self.has_content = True
        raw.setdefault("content", []).append({"value": value, "base": self.base})
        raw.setdefault("summary", value)

    def _date(self, raw: Raw, el: Any, fields: tuple[str, str]) -> None:
        field, parsed = fields  # "published", "published_parsed"
        raw[field] = value = self._value(el)
        raw[parsed] = utc_fields(value)

    def _category(self, raw: Raw, el: Any, scheme: str | None) -> None:
        tags = raw.setdefault("tags", [])
        if el.items() and (attrs := _attrs(el)):  # most categories have no attributes
            if scheme == _ITUNES:
                _add_tag(tags, attrs.get("text"), scheme, None)
            else:  # media:category's scheme default wins over a domain attribute, as feedparser
                scheme = attrs.get("scheme", scheme or attrs.get("domain"))
                _add_tag(tags, attrs.get("term"), scheme, attrs.get("label"))
        elif scheme is not None:
            _add_tag(tags, None, scheme, None)
        if value := self._value(el):
            if not tags:  # the usual first category: no tag to fill or to compare with
                tags.append({"term": value, "scheme": None, "label": None})
            elif not tags[-1]["term"]:
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
        own = [self._restored(el.text)]
        for part in el:
            own.append(self._restored(part.tail))
            name = _name(part)
            if name in ("name", "itunes_name", "email", "itunes_email"):
                key = "email" if name.endswith("email") else "name"
                # feedparser does not repair these
                _save_author_part(raw, key, self._value(part, False))
            elif name in ("uri", "url", "homepage"):
                value = self._value(part, False)
                _save_author_part(
                    raw, "href", self._repair(feedparser_resolve(self.base, value) if value else "")
                )
            elif name is not None:
                _check_subtree(part, _ENTRY_HARMLESS - _AUTHOR_PARTS)
        raw["author"] = self._repair("".join(own).strip())
        _sync_author(raw)

    def _enclosure(self, raw: Raw, el: Any, _: object) -> None:
        attrs = _attrs(el)
        _enforce_href(attrs)
        attrs["rel"] = "enclosure"
        raw.setdefault("links", []).append(attrs)
        raw.setdefault("enclosures", []).append(attrs)
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


_PUBLISHED = ("published", "published_parsed")
_UPDATED = ("updated", "updated_parsed")
Handler = tuple[Callable[[ElementReader, Raw, Any, Any], None], Any]
_ITEM_HANDLERS: dict[str, Handler] = {
    name: (method, argument)
    for method, argument, names in (
        (ElementReader._title, None, "title"),
        (ElementReader._link, True, "link"),
        (ElementReader._guid, None, "guid id"),
        (ElementReader._summary, "text/html", "description dc_description media_description"),
        (ElementReader._summary, "text/plain", "summary itunes_summary"),
        (ElementReader._content, "text/plain", "content"),
        (ElementReader._content, "text/html", "content_encoded fullitem"),
        (ElementReader._date, _PUBLISHED, "pubdate published issued dcterms_issued"),
        (ElementReader._date, _UPDATED, "updated modified lastbuilddate dc_date dcterms_modified"),
        (ElementReader._category, None, "category keywords dc_subject"),
        (ElementReader._category, _MEDIA_SCHEME, "media_category"),
        (ElementReader._category, _ITUNES, "itunes_category"),
        (ElementReader._keywords, _ITUNES, "itunes_keywords"),
        (ElementReader._keywords, None, "media_keywords"),
        (ElementReader._author, None, "author managingeditor dc_creator dc_author itunes_author"),
        (ElementReader._enclosure, None, "enclosure"),
        (ElementReader._content_tier, None, "content_tier"),
        (ElementReader._media_content, None, "media_content"),
        (ElementReader._media_group, None, "media_group"),
        (ElementReader._itunes_duration, None, "itunes_duration"),
    )
    for name in names.split()
}
_PERMALINK = [("isPermaLink", "true")]
_OTHER: Handler = (ElementReader._other, None)
_SKIP: Handler = (ElementReader._skip, None)
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
