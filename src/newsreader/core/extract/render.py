"""Untrusted text and HTML -> safe text and Markdown for the terminal.

Everything a feed or page says is hostile: escape sequences could drive the terminal, bidi
controls could disguise text, and raw HTML or Markdown syntax could forge links. So text is
scrubbed here once, and HTML is rebuilt from scratch as a small Markdown subset.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote, urljoin, urlsplit

if TYPE_CHECKING:  # lxml loads only when HTML is rendered: the reader starts without it
    import lxml.etree

# ESC-introduced sequences: OSC/DCS/SOS/PM/APC strings (to BEL or ST), CSI, then two-byte escapes.
_ESCAPES = re.compile(
    r"\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b[ -/]*[0-~]?"
)
# C0 (except \t \n), DEL, C1, and format characters that reorder or hide text: bidi embeddings,
# overrides and isolates, marks, invisible operators, the BOM, interlinear annotations and tags.
# ZWNJ/ZWJ (U+200C/D) stay: scripts and emoji need them.
_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f\ud800-\udfff]"
)
_WS = re.compile(r"\s+")


def safe_text(s: str) -> str:
    """Text that can be printed to a terminal without changing how anything else displays."""
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", _ESCAPES.sub("", s))


def one_line(s: str, limit: int = 300) -> str:
    """A title or description line: safe, single-spaced, at most `limit` characters."""
    s = _WS.sub(" ", safe_text(s)).strip()
    if len(s) <= limit:
        return s
    cut = s[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


# --- Markdown building ------------------------------------------------------------------------

_MD_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])", re.MULTILINE)


def http_url(href: str | None, base_url: str | None = None) -> str | None:
    """The absolute http(s) URL a link points to, or None for every other scheme."""
    if not href:
        return None
    href = _CONTROLS.sub("", href).strip()
    try:
        url = urljoin(base_url, href) if base_url else href
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def _md_destination(url: str) -> str:
    return quote(url, safe=":/?#[]@!$&'*+,;=%~")


def element_text(el: lxml.etree._Element) -> str:
    """All text inside an element, whitespace collapsed."""
    return " ".join("".join(str(t) for t in el.itertext()).split())


def xpath_list(el: lxml.etree._Element, expr: str) -> list[Any]:
    """lxml's xpath() with the one result shape we ask it for: a list."""
    result = el.xpath(expr)
    return list(result) if isinstance(result, list) else []


def word_set(words: str) -> frozenset[str]:
    """A set of words written as one space-separated string (long lists stay readable)."""
    return frozenset(words.split())


_DROP = word_set(
    "script style iframe object embed noscript template svg math form input button select "
    "textarea head title meta link canvas audio video source track frame frameset dialog"
)
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCKS = word_set(
    "p div section article main header footer aside nav figure figcaption address details "
    "summary dl dt dd center body html hr pre table thead tbody tfoot tr caption"
)
# trafilatura's output XML, mapped onto the HTML tags the walker knows.
_TRAFILATURA_TAGS = {
    "head": "h2",
    "list": "ul",
    "item": "li",
    "quote": "blockquote",
    "lb": "br",
    "ref": "a",
    "row": "tr",
    "cell": "td",
    "graphic": "img",
    "del": "s",
}


class _Writer:
    """Collects finished blocks and the inline text of the block being built."""

    def __init__(self, markdown: bool, base_url: str | None) -> None:
        self.markdown = markdown
        self.base_url = base_url
        self.blocks: list[str] = []
        self.inline: list[str] = []
        self.links: list[tuple[str, str]] = []  # (url, text) of every kept link

    def escape(self, text: str) -> str:
        return _MD_INLINE_SPECIAL.sub(r"\\\1", text) if self.markdown else text

    def flush(self, prefix: str = "") -> None:
        text = "".join(self.inline)
        self.inline = []
        lines = [_WS.sub(" ", line).strip() for line in text.split("\n")]
        body = "\n".join(line for line in lines if line)
        if not body:
            return
        if self.markdown:
            body = _MD_LINE_START.sub(r"\1\\\2", body)
        self.blocks.append(prefix + body)


def _tag(el: lxml.etree._Element) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    tag = tag.rsplit("}", 1)[-1].lower()
    if tag == "head" and el.get("rend", "").startswith("h"):
        return el.get("rend", "h2")
    if tag == "list" and el.get("rend") == "ol":
        return "ol"
    if tag == "hi":
        return {"#b": "strong", "#i": "em"}.get(el.get("rend", ""), "span")
    return _TRAFILATURA_TAGS.get(tag, tag)


def _walk_children(el: lxml.etree._Element, w: _Writer, depth: int) -> None:
    if el.text:
        w.inline.append(w.escape(el.text))
    for child in el:
        _walk(child, w, depth)
        if child.tail:
            w.inline.append(w.escape(child.tail))


def _inline_of(el: lxml.etree._Element, w: _Writer, depth: int) -> str:
    """Render an element's content as one inline string (a link label, an emphasis)."""
    saved, w.inline = w.inline, []
    _walk_children(el, w, depth)
    text = _WS.sub(" ", "".join(w.inline)).strip()
    w.inline = saved
    return text


def _walk(el: lxml.etree._Element, w: _Writer, depth: int = 0) -> None:
    tag = _tag(el)
    if not tag or tag in _DROP or depth > 60:
        return
    depth += 1
    if tag == "br":
        w.inline.append("\n")
    elif tag == "img":
        alt = _WS.sub(" ", el.get("alt") or "").strip()
        if alt:
            w.inline.append(w.escape(alt))
    elif tag == "a":
        label = _inline_of(el, w, depth)
        url = http_url(el.get("href") or el.get("target"), w.base_url)
        if label and url:
            w.links.append((url, element_text(el)))
            w.inline.append(f"[{label}]({_md_destination(url)})" if w.markdown else label)
        else:
            w.inline.append(label)
    elif tag in ("strong", "b", "em", "i") and w.markdown:
        label = _inline_of(el, w, depth)
        mark = "**" if tag in ("strong", "b") else "*"
        w.inline.append(f" {mark}{label}{mark} " if label else "")
    elif tag in _HEADINGS:
        w.flush()
        _walk_children(el, w, depth)
        w.flush("#" * _HEADINGS[tag] + " " if w.markdown else "")
    elif tag in ("ul", "ol"):
        w.flush()
        for n, item in enumerate((c for c in el if _tag(c) == "li"), start=1):
            marker = f"{n}. " if tag == "ol" else "- "
            sub = _Writer(w.markdown, w.base_url)
            _walk_children(item, sub, depth)
            sub.flush()
            w.links.extend(sub.links)
            text = "\n".join(sub.blocks)
            if text:
                w.blocks.append(marker + text.replace("\n", "\n   "))
    elif tag == "blockquote":
        w.flush()
        sub = _Writer(w.markdown, w.base_url)
        _walk_children(el, sub, depth)
        sub.flush()
        w.links.extend(sub.links)
        if sub.blocks:
            text = "\n\n".join(sub.blocks)
            w.blocks.append("\n".join("> " + line for line in text.split("\n")))
    elif tag == "td" or tag == "th":
        _walk_children(el, w, depth)
        w.inline.append(" | " if w.markdown else "  ")
    elif tag in _BLOCKS or tag == "li":
        w.flush()
        _walk_children(el, w, depth)
        w.flush()
    else:
        _walk_children(el, w, depth)


def _truncate(blocks: list[str], max_chars: int | None) -> str:
    if max_chars is None:
        return "\n\n".join(blocks)
    out: list[str] = []
    used = 0
    for block in blocks:
        if used + len(block) > max_chars:
            room = max_chars - used
            if room > 40:
                out.append(block[:room].rsplit(" ", 1)[0].rstrip("\\") + " …")
            elif out:
                out[-1] += " …"
            break
        out.append(block)
        used += len(block) + 2
    return "\n\n".join(out)


def _parse_fragment(html: str) -> lxml.etree._Element | None:
    if not html.strip():
        return None
    import lxml.etree
    import lxml.html

    try:
        return cast(lxml.etree._Element, lxml.html.fragment_fromstring(html, create_parent="div"))
    except (lxml.etree.ParserError, ValueError):
        return None


def render_tree(
    root: lxml.etree._Element, *, markdown: bool = True, base_url: str | None = None
) -> tuple[str, list[tuple[str, str]]]:
    """Render an HTML or trafilatura-XML tree; also return the (url, text) of its links."""
    w = _Writer(markdown, base_url)
    _walk(root, w)
    w.flush()
    return safe_text("\n\n".join(w.blocks)), w.links


def html_to_markdown(
    html: str, *, base_url: str | None = None, max_chars: int | None = None
) -> str:
    """Untrusted feed HTML -> Markdown that holds no raw HTML and only http(s) links."""
    root = _parse_fragment(safe_text(html))
    if root is None:
        return ""
    w = _Writer(True, base_url)
    _walk(root, w)
    w.flush()
    return safe_text(_truncate(w.blocks, max_chars))


def html_to_text(html: str) -> str:
    """Untrusted HTML -> plain text, paragraphs separated by blank lines."""
    root = _parse_fragment(safe_text(html))
    if root is None:
        return ""
    return render_tree(root, markdown=False)[0]


_MD_LINK = re.compile(r"(?<!\\)\[((?:\\.|[^\\\]])*)\]\([^)\s]*\)")
_MD_PREFIX = re.compile(r"^(?:#{1,6} |> ?|\s*(?:- |\d+\. ))+", re.MULTILINE)
_MD_UNESCAPE = re.compile(r"\\(.)|\*+")


_MD_HEADING = re.compile(r"^#{1,6} ", re.MULTILINE)


def markdown_to_reading(md: str) -> str:
    """Markdown this module wrote, as text for a terminal (`show`): links by their labels,
    no escapes ("Konsument\\*innen") or emphasis markers, no heading marks; paragraphs,
    list items and quotes as they are."""
    text = _MD_HEADING.sub("", _MD_LINK.sub(r"\1", md))
    replace: Callable[[re.Match[str]], str] = lambda m: m.group(1) or ""  # noqa: E731
    return _MD_UNESCAPE.sub(replace, text)


def markdown_to_text(md: str) -> str:
    """Plain text of Markdown that this module wrote: labels without URLs, no markers."""
    text = _MD_LINK.sub(r"\1", md)
    text = _MD_PREFIX.sub("", text)
    replace: Callable[[re.Match[str]], str] = lambda m: m.group(1) or ""  # noqa: E731
    return _MD_UNESCAPE.sub(replace, text)
