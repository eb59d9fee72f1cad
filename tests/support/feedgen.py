"""Small feeds written for the tests (RSS 2.0 and Atom), with German text on purpose."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

BASE_TIME = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@dataclass
class Item:
    title: str
    link: str
    guid: str | None = None
    description: str = ""
    content: str = ""
    published: datetime | None = None
    categories: list[str] = field(default_factory=list)
    extra: str = ""


def items(n: int, *, base: str = "http://example.org", prefix: str = "Meldung") -> list[Item]:
    return [
        Item(
            title=f"{prefix} {i}: Straßenfest in Münster",
            link=f"{base}/artikel/{i}",
            guid=f"{base}/artikel/{i}",
            description=(
                f"<p>Kurzfassung {i} über Ägypten und <a href='{base}/mehr/{i}'>mehr</a>.</p>"
            ),
            published=BASE_TIME - timedelta(hours=i),
        )
        for i in range(n)
    ]


def rss(entries: list[Item], *, title: str = "Stadt Musterstadt", encoding: str = "utf-8") -> bytes:
    parts = [
        f'<?xml version="1.0" encoding="{encoding}"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
        f"<channel><title>{escape(title)}</title><link>http://example.org/</link>",
        "<description>Nachrichten</description>",
    ]
    for item in entries:
        parts.append("<item>")
        parts.append(f"<title>{escape(item.title)}</title><link>{escape(item.link)}</link>")
        if item.guid:
            parts.append(f"<guid>{escape(item.guid)}</guid>")
        if item.description:
            parts.append(f"<description>{escape(item.description)}</description>")
        if item.content:
            parts.append(f"<content:encoded>{escape(item.content)}</content:encoded>")
        if item.published:
            parts.append(f"<pubDate>{format_datetime(item.published)}</pubDate>")
        for cat in item.categories:
            parts.append(f"<category>{escape(cat)}</category>")
        parts.append(item.extra)
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode(encoding, "xmlcharrefreplace")
