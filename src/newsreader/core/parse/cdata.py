"""CDATA sections read without libxml2's character-by-character loop.

libxml2 reads a CDATA section one character at a time (xmlParseCDSect): for a feed whose items
carry their HTML in <![CDATA[...]]>, that was three quarters of lxml's parse. `lift` takes
each section's text out of the bytes, decoded at C speed, and leaves a short section in its
place holding a token; `LiftedText.restore` puts the text back into what lxml reads.

Only what lxml would read the same way is lifted; otherwise `lift` gives None and the feed is
parsed as it came:
- no comment and no processing instruction (but the XML declaration), in which a "<![CDATA["
  would not start a section; an attribute value cannot hold one (a "<" there is an error,
  and the token's section keeps it one);
- every section ends; its text is well-formed UTF-8 with XML characters only (no C0 controls
  but tab, line feed and carriage return, no U+FFFE or U+FFFF), as libxml2 demands;
- line ends become line feeds, as libxml2 makes them;
- DEL (U+007F), the token's mark, occurs nowhere in the feed, not even as a character
  reference (which lxml reads as DEL: a feed could forge a token).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MARK", "LiftedText", "lift"]

_OPEN = b"<![CDATA["
_CLOSE = b"]]>"
MARK = "\x7f"  # a token's ends; DEL, which the feed must not hold
# The C0 controls XML does not allow (tab, LF and CR it does), each a memchr away; U+FFFE
# and U+FFFF in UTF-8.
_CONTROLS = tuple(bytes([c]) for c in range(32) if c not in (9, 10, 13))
_NONCHARACTER = re.compile(rb"\xef\xbf[\xbe\xbf]")
_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml[ \t\r\n]")
_MARK_REFERENCE = re.compile(rb"&#(?:0*127|x0*7[fF]);")


@dataclass(frozen=True, slots=True)
class LiftedText:
    """The texts of the lifted sections, by their token ("\x7f12\x7f")."""

    sections: dict[str, str]

    def restore(self, text: str) -> str:
        """`text` as lxml would have read it from the original bytes."""
        if MARK not in text:
            return text
        if (whole := self.sections.get(text)) is not None:
            return whole  # the whole text is one section (the usual case): no copy
        parts = text.split(MARK)  # text, number, text, number, ..., text
        for index in range(1, len(parts), 2):
            parts[index] = self.sections[f"{MARK}{parts[index]}{MARK}"]
        return "".join(parts)


def lift(body: bytes) -> tuple[bytes, LiftedText] | None:
    """The bytes with each CDATA section's text replaced by a token, and those texts; None
    when there is nothing to lift or lifting might change what lxml reads."""
    start = body.find(_OPEN)
    if start < 0 or b"\x7f" in body:
        return None
    # "#" is a memchr away, where "&#" would be a byte-by-byte search of the whole body
    if b"#" in body and _MARK_REFERENCE.search(body):
        return None
    # What a section's text must not hold, looked for once in the whole body: libxml2 turns
    # such a feed down wherever it is.
    if any(control in body for control in _CONTROLS) or (
        b"\xef" in body and _NONCHARACTER.search(body)
    ):
        return None
    # The XML declaration (after a byte-order mark at most) is the one "<?" allowed; "<?xml"
    # and a space, not a processing instruction such as <?xml-stylesheet ...?>.
    declaration = _DECLARATION.match(body)
    seen = declaration.end() if declaration else 0
    done = 0
    out: list[bytes] = []
    sections: dict[str, str] = {}
    while start >= 0:
        # A comment or processing instruction opened before this section (and after the
        # last) might hold it: lxml would read it otherwise. Each is looked for from its
        # second byte on, which markup seldom holds: a memchr, where a search for "<!--"
        # or "<?" looks at nearly every byte of the markup ("<" is everywhere).
        if (bang := body.find(b"!", seen + 1, start)) >= 0 and body.find(
            b"<!--", bang - 1, start
        ) >= 0:
            return None
        if (ask := body.find(b"?", seen + 1, start)) >= 0 and body.find(b"<?", ask - 1, start) >= 0:
            return None
        begin = start + len(_OPEN)
        end = _section_end(body, begin)
        if end < 0:
            return None
        raw = body[begin:end]
        if b"\r" in raw:
            raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        token = f"{MARK}{len(sections)}{MARK}"  # its number in the bytes, its key here
        try:
            sections[token] = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
        out += (body[done:begin], token.encode())
        done = end
        seen = end + len(_CLOSE)
        start = body.find(_OPEN, seen)
    out.append(body[done:])
    return b"".join(out), LiftedText(sections)


def _section_end(body: bytes, begin: int) -> int:
    """body.find(b"]]>", begin), from one "]" to the next: memchr skips the HTML in between,
    where a three-byte search would look at nearly every byte (HTML is full of ">")."""
    end = body.find(b"]", begin)
    while end >= 0 and not body.startswith(_CLOSE, end):
        end = body.find(b"]", end + 1)
    return end
