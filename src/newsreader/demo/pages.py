"""The edition's web pages: article pages shaped like a German local news site, and the index.

The article pages carry what real ones carry — navigation, breadcrumb, lead, share links,
"Mehr zum Thema" and "Weitere Nachrichten aus …" teaser cards, footer — so the demo exercises
the real extractor and teaser finder rather than a friendly special case.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from html import escape
from string import Template
from urllib.parse import quote

from newsreader.demo.edition import Article, Edition, Extern, FeedSpec, data_file

MORE_NEWS = 4  # cards in the "Weitere Nachrichten aus <Stadt>" block
PAYWALL_BADGE = "DK Plus"

_WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
_MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)  # fmt: skip

Link = Callable[[str], str]  # path -> absolute URL on the demo server


def _template(name: str) -> Template:
    return Template(data_file(name).read_text(encoding="utf-8"))


def article_path(slug: str) -> str:
    return f"/artikel/{slug}"


def feed_path(name: str) -> str:
    return f"/feeds/{name}.xml"


def feed_type(spec: FeedSpec) -> str:
    return "application/atom+xml" if spec.format == "atom" else "application/rss+xml"


def german_date(article: Article) -> str:
    when = article.published
    return (
        f"{_WEEKDAYS[when.weekday()]}, {when.day}. {_MONTHS[when.month - 1]} {when.year}, "
        f"{when:%H:%M} Uhr"
    )


def _card(href: str, kicker: str, title: str, summary: str) -> str:
    return (
        '    <article class="teaser-card">\n'
        f'      <a href="{escape(href)}">\n'
        f'        <span class="teaser-kicker">{escape(kicker)}</span>\n'
        f'        <h3 class="teaser-headline">{escape(title)}</h3>\n'
        "      </a>\n"
        f'      <p class="teaser-text">{escape(summary)}</p>\n'
        "    </article>"
    )


def _article_card(article: Article) -> str:
    kicker = f"{PAYWALL_BADGE} · {article.kicker}" if article.plus else article.kicker
    return _card(article_path(article.slug), kicker, article.title, article.lead)


def _extern_card(extern: Extern) -> str:
    return _card(extern.url, extern.kicker, extern.title, extern.summary)


def related_cards(edition: Edition, article: Article) -> list[str]:
    cards: list[str] = []
    for ref in article.related:
        target = edition.article(ref)
        if target is not None:
            cards.append(_article_card(target))
            continue
        extern = edition.extern(ref)
        if extern is None:
            raise ValueError(f"{article.slug}: related {ref!r} is neither an article nor extern")
        cards.append(_extern_card(extern))
    return cards


def more_news(edition: Edition, article: Article) -> list[Article]:
    """The next articles of the edition after this one, skipping those already related."""
    order = list(edition.articles)
    start = order.index(article)
    skip = {article.slug, *article.related}
    rotated = order[start + 1 :] + order[:start]
    return [a for a in rotated if a.slug not in skip][:MORE_NEWS]


def _nav(edition: Edition) -> str:
    return "\n".join(
        f'      <li><a href="/#{f.name}">{escape(_section(f))}</a></li>' for f in edition.feeds
    )


def _section(spec: FeedSpec) -> str:
    return spec.title.split(" – ")[-1]


def _json_ld(article: Article, spec: FeedSpec, url: str) -> str:
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.lead,
        "datePublished": article.published.isoformat(),
        "dateModified": article.published.isoformat(),
        "inLanguage": "de-DE",
        "author": {"@type": "Person" if "," not in article.author else "Organization",
                   "name": article.author},
        "publisher": {"@type": "Organization", "name": spec.site},
        "mainEntityOfPage": url,
        "articleSection": article.kicker,
    }  # fmt: skip
    if article.plus:
        data["isAccessibleForFree"] = False
    # "</" must not end the script element early.
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def _paragraphs(paragraphs: Iterable[str]) -> str:
    return "\n".join(f"      <p>{escape(p)}</p>" for p in paragraphs)


_PAYWALL_BOX = f"""    <div class="paywall-box">
      <p class="paywall-title">Weiterlesen mit {PAYWALL_BADGE}</p>
      <p>Dieser Artikel ist exklusiv für Abonnentinnen und Abonnenten. Jetzt 4 Wochen für
      0,99 € testen, danach 9,99 € im Monat, jederzeit kündbar.</p>
      <p>Sie sind bereits Abonnent? <a href="/abo/login">Anmelden</a></p>
    </div>"""


def render_article(edition: Edition, article: Article, link: Link) -> str:
    spec = edition.feed(article.feed)
    url = link(article_path(article.slug))
    badge = f'<span class="badge-plus">{PAYWALL_BADGE}</span> ' if article.plus else ""
    og_title = f"{PAYWALL_BADGE}: {article.title}" if article.plus else article.title
    lead = f'    <p class="lead article-intro">{escape(article.lead)}</p>'
    if article.plus:
        # Only the lead and one teaser paragraph are free; the rest is never sent. Both sit in
        # the body, as paywalled pages put them, so the short free text is found as a whole.
        intro, body = "", lead + "\n" + _paragraphs(article.paragraphs[:1])
    else:
        intro, body = lead, _paragraphs(article.paragraphs)
    more = more_news(edition, article)
    return _template("article.html").substitute(
        title=escape(article.title),
        og_title=escape(og_title),
        title_q=quote(article.title),
        site=escape(spec.site),
        town=escape(edition.town),
        section=escape(_section(spec)),
        feed_name=spec.name,
        feed_type=feed_type(spec),
        feed_title=escape(spec.title),
        feed_url=escape(link(feed_path(spec.name))),
        description=escape(article.lead),
        author=escape(article.author),
        kicker=escape(article.kicker),
        badge=badge,
        url=escape(url),
        url_q=quote(url, safe=""),
        iso=article.published.isoformat(),
        date_de=german_date(article),
        json_ld=_json_ld(article, spec, url),
        nav=_nav(edition),
        intro=intro,
        paragraphs=body,
        paywall=_PAYWALL_BOX if article.plus else "",
        related="\n".join(related_cards(edition, article)),
        more="\n".join(_article_card(a) for a in more),
        note=escape(edition.note),
        year=article.published.year,
    )


def render_index(edition: Edition, link: Link) -> str:
    alternates = "\n".join(
        f'<link rel="alternate" type="{feed_type(f)}" title="{escape(f.title)}" '
        f'href="{escape(link(feed_path(f.name)))}">'
        for f in edition.feeds
    )
    sections = []
    for spec in edition.feeds:
        cards = "\n".join(_article_card(a) for a in edition.in_feed(spec.name)[:6])
        sections.append(
            f'  <section class="section" id="{spec.name}">\n'
            f"    <h2>{escape(spec.title)}</h2>\n"
            f'    <p><a href="{escape(feed_path(spec.name))}">Feed abonnieren</a></p>\n'
            f"{cards}\n  </section>"
        )
    return _template("index.html").substitute(
        title=escape(edition.title),
        description=escape(edition.description),
        alternates=alternates,
        nav=_nav(edition),
        sections="\n".join(sections),
        note=escape(edition.note),
    )


def render_service_page(edition: Edition, title: str) -> str:
    """Impressum and Datenschutz: the footer links must lead somewhere."""
    return (
        '<!DOCTYPE html>\n<html lang="de">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)} – {escape(edition.title)}</title>\n</head>\n<body>\n"
        f"<h1>{escape(title)}</h1>\n<p>{escape(edition.note)}</p>\n"
        '<p><a href="/">Zur Startseite</a></p>\n</body>\n</html>\n'
    )
