"""The core's sanitized Markdown subset -> one styled Content, for the article body.

The core writes a small, known subset (headings, paragraphs, lists, quotes, emphasis, links,
backslash escapes), so a direct conversion is enough and far cheaper than a general Markdown
engine: a 20 KB article becomes one Content that Textual wraps itself, instead of a tree of
widgets or a Rich Markdown render per width. Text only ever enters as plain strings with
styles; nothing here is interpreted as markup.
"""

from __future__ import annotations

import re

from textual.content import Content

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+")
# One inline token: an escape, a link, strong, emphasis, or a run of ordinary characters.
_INLINE = re.compile(
    r"\\(?P<escaped>.)"
    r"|\[(?P<link>(?:\\.|[^\]\\])*)\]\((?P<url>[^)\s]*)\)"
    r"|\*\*(?P<strong>(?:\\.|[^*\\])+)\*\*"
    r"|\*(?P<em>(?:\\.|[^*\\])+)\*"
    r"|(?P<text>[^\\\[*]+|.)",
    re.DOTALL,
)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def _plain(text: str) -> str:
    return _ESCAPE.sub(r"\1", text)


def _inline(text: str, base_style: str = "") -> list[tuple[str, str]]:
    parts: list[tuple[str, str]] = []
    for match in _INLINE.finditer(text):
        # lastgroup names the last group *closed*: for a link that is "url", so map it back.
        kind = "link" if match.lastgroup == "url" else match.lastgroup
        if kind == "escaped" or kind == "text":
            parts.append((match.group(0) if kind == "text" else match.group("escaped"), base_style))
        elif kind == "link":
            parts.append((_plain(match.group("link")), f"{base_style} underline".strip()))
        elif kind == "strong":
            parts.append((_plain(match.group("strong")), f"{base_style} bold".strip()))
        elif kind == "em":
            parts.append((_plain(match.group("em")), f"{base_style} italic".strip()))
    return parts


def markdown_to_content(markdown: str) -> Content:
    pieces: list[tuple[str, str]] = []
    previous_was_item = False
    for block in re.split(r"\n\s*\n", markdown.strip()):
        if not block.strip():
            continue
        is_item = _LIST_ITEM.match(block) is not None
        if pieces:
            # The core writes each list item as its own block; a list still reads as one.
            pieces.append(("\n" if is_item and previous_was_item else "\n\n", ""))
        previous_was_item = is_item
        heading = _HEADING.match(block)
        if heading:
            pieces.extend(_inline(heading.group(2).replace("\n", " "), "bold"))
            continue
        lines = block.split("\n")
        if all(line.startswith(">") for line in lines):
            quoted = "\n".join(line[1:].lstrip() for line in lines)
            pieces.append(("▌ ", "dim"))
            pieces.extend(_inline(quoted.replace("\n", "\n▌ "), "italic"))
            continue
        for n, line in enumerate(lines):
            if n:
                pieces.append(("\n", ""))
            item = _LIST_ITEM.match(line)
            if item:
                marker = item.group(2)
                bullet = "  " * (len(item.group(1)) // 2) + (marker if marker[0].isdigit() else "•")
                bullet += " "
                pieces.append((bullet, "bold"))
                line = line[item.end() :]
            pieces.extend(_inline(line))
    return Content.assemble(*pieces)
