"""The edition's feeds and OPML, written as the four kinds of publisher write them.

Each feed is a different real-world shape on purpose: the press office's ISO-8859-1 RSS with
only a lead, the paper's teaser-only Atom, the broadcaster's full-text `content:encoded`, the
police's whole report in the description.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

from newsreader.demo.audio import audio_path, wav_size
from newsreader.demo.edition import Article, Edition, FeedSpec
from newsreader.demo.pages import Link, article_path, feed_path, feed_type

_RSS_NS = (
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:atom="http://www.w3.org/2005/Atom" '
    'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
)


def _html_paragraphs(paragraphs: tuple[str, ...]) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in paragraphs)


def _rss_item(edition: Edition, spec: FeedSpec, article: Article, link: Link) -> str:
    url = link(article_path(article.slug))
    title = f"{spec.title_prefix}{article.title}"
    parts = [
        f"<title>{escape(title)}</title>",
        f"<link>{escape(url)}</link>",
        f'<guid isPermaLink="true">{escape(url)}</guid>',
        f"<pubDate>{format_datetime(article.published)}</pubDate>",
        f"<dc:creator>{escape(article.author)}</dc:creator>",
        f"<category>{escape(article.kicker)}</category>",
    ]
    if article.audio_seconds:
        audio = link(audio_path(article.slug))
        size = wav_size(article.audio_seconds)
        parts.append(f'<enclosure url={quoteattr(audio)} length="{size}" type="audio/wav"/>')
        minutes, seconds = divmod(article.audio_seconds, 60)
        parts.append(f"<itunes:duration>00:{minutes:02}:{seconds:02}</itunes:duration>")
    if spec.style == "report":
        report = (article.lead, *article.paragraphs, f"Rückfragen bitte an: {article.author}")
        parts.append(f"<description>{escape(_html_paragraphs(report))}</description>")
    else:
        parts.append(f"<description>{escape(article.lead)}</description>")
    if spec.style == "full":
        body = _html_paragraphs((article.lead, *article.paragraphs))
        first = next((a for a in map(edition.article, article.related) if a is not None), None)
        if first is not None:
            href = escape(link(article_path(first.slug)), {'"': "&quot;"})
            body += f'<p>Mehr zum Thema: <a href="{href}">{escape(first.title)}</a></p>'
        parts.append(f"<content:encoded>{escape(body)}</content:encoded>")
    return "<item>\n  " + "\n  ".join(parts) + "\n</item>"


def _newest(items: tuple[Article, ...]) -> datetime | None:
    return max((a.published for a in items), default=None)


def render_rss(edition: Edition, spec: FeedSpec, link: Link) -> bytes:
    items = edition.in_feed(spec.name)
    newest = _newest(items)
    channel = [
        f"<title>{escape(spec.title)}</title>",
        f"<link>{escape(link('/'))}</link>",
        f"<description>{escape(spec.description)}</description>",
        "<language>de-de</language>",
        f'<atom:link href={quoteattr(link(feed_path(spec.name)))} rel="self" '
        f'type="{feed_type(spec)}"/>',
    ]
    if newest is not None:
        channel.append(f"<lastBuildDate>{format_datetime(newest)}</lastBuildDate>")
    channel.extend(_rss_item(edition, spec, a, link) for a in items)
    text = (
        f'<?xml version="1.0" encoding="{spec.encoding.upper()}"?>\n'
        f'<rss version="2.0" {_RSS_NS}>\n<channel>\n'
        + "\n".join(channel)
        + "\n</channel>\n</rss>\n"
    )
    # Characters the encoding lacks („“ – in ISO-8859-1) become character references, as
    # real publishing systems write them.
    return text.encode(spec.encoding, errors="xmlcharrefreplace")


def _atom_entry(spec: FeedSpec, article: Article, link: Link) -> str:
    url = link(article_path(article.slug))
    stamp = article.published.isoformat()
    return (
        "<entry>\n"
        f"  <title>{escape(spec.title_prefix + article.title)}</title>\n"
        f'  <link rel="alternate" type="text/html" href={quoteattr(url)}/>\n'
        f"  <id>tag:demo.newsreader,2024:{spec.name}/{article.slug}</id>\n"
        f"  <published>{stamp}</published>\n"
        f"  <updated>{stamp}</updated>\n"
        f"  <author><name>{escape(article.author)}</name></author>\n"
        f"  <category term={quoteattr(article.kicker)}/>\n"
        f'  <summary type="text">{escape(article.lead)}</summary>\n'
        "</entry>"
    )


def render_atom(edition: Edition, spec: FeedSpec, link: Link) -> bytes:
    items = edition.in_feed(spec.name)
    newest = _newest(items)
    self_url = quoteattr(link(feed_path(spec.name)))
    head = [
        f"<title>{escape(spec.title)}</title>",
        f"<subtitle>{escape(spec.description)}</subtitle>",
        f'<link rel="self" type="application/atom+xml" href={self_url}/>',
        f'<link rel="alternate" type="text/html" href={quoteattr(link("/"))}/>',
        f"<id>tag:demo.newsreader,2024:{spec.name}</id>",
        f"<author><name>{escape(spec.site)}</name></author>",
    ]
    if newest is not None:
        head.append(f"<updated>{newest.isoformat()}</updated>")
    head.extend(_atom_entry(spec, a, link) for a in items)
    text = (
        f'<?xml version="1.0" encoding="{spec.encoding}"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de">\n'
        + "\n".join(head)
        + "\n</feed>\n"
    )
    return text.encode(spec.encoding, errors="xmlcharrefreplace")


def render_feed(edition: Edition, spec: FeedSpec, link: Link) -> bytes:
    return (render_atom if spec.format == "atom" else render_rss)(edition, spec, link)


def render_opml(edition: Edition, link: Link) -> bytes:
    """OPML 2.0: one folder per first tag, every tag also in `category`."""
    folders: dict[str, list[str]] = {}
    for spec in edition.feeds:
        kind = "rss"  # OPML says "rss" for any feed, Atom included
        outline = (
            f"<outline type={quoteattr(kind)} text={quoteattr(spec.title)} "
            f"title={quoteattr(spec.title)} xmlUrl={quoteattr(link(feed_path(spec.name)))} "
            f"htmlUrl={quoteattr(link('/'))} category={quoteattr(','.join(spec.tags))}/>"
        )
        folders.setdefault(spec.tags[0] if spec.tags else "", []).append(outline)
    body: list[str] = []
    for folder, outlines in folders.items():
        inner = "\n    ".join(outlines)
        if folder:
            body.append(f"  <outline text={quoteattr(folder)}>\n    {inner}\n  </outline>")
        else:
            body.append(f"  {inner}")
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n<head>\n'
        f"  <title>{escape(edition.title)}</title>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</opml>\n"
    )
    return text.encode("utf-8")
