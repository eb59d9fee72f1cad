"""Page metadata and decoding: charset sniffing, one lxml parse, og/meta/JSON-LD fields.

Shared by full extraction and by link previews, which see only the head of a page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import lxml.etree
import lxml.html

from newsreader.core.extract.render import element_text, http_url, one_line, xpath_list

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def decode_html(data: bytes | str) -> str:
    """Bytes -> str: BOM, then UTF-8 if the bytes are that, then <meta charset>, then cp1252
    (never fails). Bytes that decode as UTF-8 are UTF-8, whatever a stale <meta> says: a
    page's "iso-8859-1" read "Straßenbahn" as "StraÃŸenbahn" (a helper's review); text in
    another charset is hardly ever valid UTF-8."""
    if isinstance(data, str):
        return data
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _CHARSET.search(data[:4096])
    if match:
        name = match.group(1).decode("ascii", "ignore").lower()
        name = (
            "cp1252" if name in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii") else name
        )
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    return data.decode("cp1252", errors="replace")


def parse_html(html: bytes | str) -> lxml.html.HtmlElement | None:
    text = _XML_DECL.sub("", decode_html(html)).replace("\x00", "")
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError):
        return None


def _meta(tree: lxml.etree._Element, *names: str) -> str | None:
    for name in names:
        for value in xpath_list(tree, f"//meta[@property='{name}' or @name='{name}']/@content"):
            text = " ".join(str(value).split())
            if text:
                return text
    return None


def page_preview(html: bytes | str, *, url: str) -> tuple[str | None, str | None]:
    """(title, description) from a page's head; works on a truncated document."""
    tree = parse_html(html)
    if tree is None:
        return None, None
    title = _meta(tree, "og:title", "twitter:title")
    if title is None:
        node = next(tree.iter("title"), None)
        title = (element_text(node) if node is not None else "") or None
    description = _meta(tree, "og:description", "description", "twitter:description")
    return (one_line(title) if title else None), (one_line(description) if description else None)


# --- metadata --------------------------------------------------------------------------------


def json_ld_objects(tree: lxml.etree._Element) -> Iterator[dict[str, Any]]:
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        try:
            data = json.loads((script.text or "").strip().rstrip(";"))
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                if isinstance(item.get("@graph"), list):
                    stack.extend(item["@graph"])


def _ld_article(tree: lxml.etree._Element) -> dict[str, Any]:
    for obj in json_ld_objects(tree):
        kind = obj.get("@type", "")
        kinds = kind if isinstance(kind, list) else [kind]
        if any(isinstance(k, str) and ("Article" in k or k == "BlogPosting") for k in kinds):
            return obj
    return {}


def _names(value: Any) -> str | None:
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip() and not name.strip().startswith("http"):
            names.append(" ".join(name.split()))
    return ", ".join(dict.fromkeys(names)) or None


def parse_datetime(value: str | None) -> datetime | None:
    """An ISO 8601 date or datetime as aware UTC (naive times are taken as UTC)."""
    if not value:
        return None
    value = value.strip().replace("Z", "+00:00")
    value = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _first_url(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return value if isinstance(value, str) else None


def metadata(tree: lxml.etree._Element, url: str) -> dict[str, Any]:
    ld = _ld_article(tree)
    h1 = next(tree.iter("h1"), None)
    title = (
        (ld.get("headline") if isinstance(ld.get("headline"), str) else None)
        or _meta(tree, "og:title", "twitter:title")
        or (element_text(h1) if h1 is not None else None)
    )
    if not title:
        node = next(tree.iter("title"), None)
        title = element_text(node) if node is not None else None
    author = _names(ld.get("author")) or _meta(tree, "author", "article:author", "dc.creator")
    if author and author.startswith("http"):
        author = None
    published = parse_datetime(
        (ld.get("datePublished") if isinstance(ld.get("datePublished"), str) else None)
        or _meta(
            tree,
            "article:published_time",
            "og:article:published_time",
            "date",
            "pubdate",
            "dc.date",
            "dcterms.date",
            "publishdate",
        )
        or next((str(t) for t in xpath_list(tree, "//time/@datetime")), None)
    )
    description = _meta(tree, "og:description", "description", "twitter:description") or (
        ld.get("description") if isinstance(ld.get("description"), str) else None
    )
    image = http_url(_meta(tree, "og:image", "twitter:image") or _first_url(ld.get("image")), url)
    lang = (
        tree.get("lang")
        or _meta(tree, "og:locale", "content-language", "language")
        or (ld.get("inLanguage") if isinstance(ld.get("inLanguage"), str) else None)
    )
    language = re.split(r"[-_]", lang.strip())[0].lower()[:8] if lang and lang.strip() else None
    return {
        "title": one_line(title) if title else None,
        "author": one_line(author, 200) if author else None,
        "published": published,
        "description": one_line(description, 600) if description else None,
        "image": image,
        "language": language or None,
    }


# --- main text -------------------------------------------------------------------------------
