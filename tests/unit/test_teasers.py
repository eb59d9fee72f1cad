# ruff: noqa: E501  (hand-written HTML pages read best unwrapped)
"""Teaser links: canonical URLs, merging, boilerplate filtering, page blocks."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from newsreader.core.article_records import Teaser
from newsreader.core.extract.links import canonical_url, merge_teasers
from newsreader.core.extract.metadata import parse_html
from newsreader.core.extract.page import extract_article
from newsreader.core.extract.teasers import is_boilerplate_link, page_teasers


def test_canonical_url_strips_tracking_and_fragment() -> None:
    assert (
        canonical_url("HTTPS://WWW.Zeitung.de:443/a/b.html?utm_source=rss&id=7&fbclid=x#ref=rss")
        == "https://www.zeitung.de/a/b.html?id=7"
    )
    assert canonical_url("http://zeitung.de") == "http://zeitung.de/"
    assert canonical_url("https://zeitung.de:8443/x") == "https://zeitung.de:8443/x"


def test_merge_teasers_keeps_first_and_borrows_description() -> None:
    inline = [Teaser(url="https://z.de/a.html?utm_medium=x", title="A inline", kind="inline")]
    related = [
        Teaser(
            url="https://z.de/a.html", title="A card", description="Worum es geht", kind="related"
        ),
        Teaser(url="https://z.de/b.html", title="B card", kind="related"),
    ]
    feed = [
        Teaser(url="https://z.de/b.html#top", title="B feed", kind="feed"),
        Teaser(url="https://z.de/c.html", title="C feed", kind="feed"),
    ]
    merged = merge_teasers(inline, related, feed)
    assert [t.title for t in merged] == ["A inline", "B card", "C feed"]
    assert merged[0].kind == "inline"
    assert merged[0].description == "Worum es geht"


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("https://www.zeitung.de/impressum", "Impressum"),
        ("https://www.zeitung.de/service/datenschutz.html", "Datenschutzerklärung"),
        ("https://www.facebook.com/sharer/sharer.php?u=x", "Teilen"),
        ("https://twitter.com/intent/tweet", "Twittern"),
        ("https://wa.me/?text=x", "WhatsApp"),
        ("https://www.zeitung.de/login", "Anmelden"),
        ("https://www.zeitung.de/cookies", "Cookie-Einstellungen"),
        ("https://ads.zeitung.de/click?id=1", "Ein toller Artikel über Häuser"),
        ("https://www.zeitung.de/a.html", "Anzeige: Jetzt Kredit sichern"),
        ("javascript:void(0)", "Mehr"),
        ("mailto:redaktion@zeitung.de", "Redaktion"),
        ("https://abo.zeitung.de/plus", "Tagesspiegel Plus jetzt gratis testen"),
    ],
)
def test_boilerplate_links(url: str, text: str) -> None:
    assert is_boilerplate_link(url, text)


@pytest.mark.parametrize(
    ("url", "text"),
    [
        (
            "https://www.zeitung.de/lokales/stadtrat-beschliesst-neues-hallenbad-100.html",
            "Stadtrat beschließt neues Hallenbad",
        ),
        (
            "https://www.zeitung.de/lokales/app-fuer-buerger-startet-101.html",
            "Neue App für Bürger startet",
        ),
        (
            "https://www.zeitung.de/politik/datenschutz-debatte-im-landtag-102.html",
            "Debatte im Landtag über Videoüberwachung",
        ),
    ],
)
def test_article_links_are_not_boilerplate(url: str, text: str) -> None:
    assert not is_boilerplate_link(url, text)


def test_page_teasers_from_cards_and_related_block() -> None:
    html = """<html><body><nav><a href="/a/nav-link-im-menue-der-seite-1.html">Ein Link im Menü der Seite</a></nav>
    <article><h1>Hauptartikel</h1><p>Text.</p></article>
    <div class="teaser-list">
      <div class="teaser"><a href="/lokales/feuerwehr-loescht-brand-in-lagerhalle-1.html">
        <span class="kicker">Blaulicht</span><h3>Feuerwehr löscht Brand in Lagerhalle</h3></a>
        <p>Der Schaden wird auf mehrere Hunderttausend Euro geschätzt.</p></div>
      <div class="teaser"><a href="/lokales/markt-zieht-um-2.html"><h3>Wochenmarkt zieht auf den Rathausplatz</h3></a></div>
    </div>
    <aside><h2>Das könnte Sie auch interessieren</h2><ul>
      <li><a href="/lokales/schule-wird-saniert-3.html">Grundschule am Park wird saniert</a></li>
      <li><a href="/impressum">Impressum</a></li>
      <li><a href="https://www.facebook.com/zeitung">Folgen Sie uns auf Facebook</a></li></ul></aside>
    <footer><a href="/lokales/footer-artikel-link-4.html">Ein Artikel im Footer der Seite</a></footer>
    </body></html>"""
    tree = parse_html(html)
    assert tree is not None
    teasers = page_teasers(tree, url="https://www.zeitung.de/lokales/haupt.html")
    # the labelled topic block first (related), then the unlabelled card row (more)
    assert [(t.title, t.group) for t in teasers] == [
        ("Grundschule am Park wird saniert", "related"),
        ("Feuerwehr löscht Brand in Lagerhalle", "more"),
        ("Wochenmarkt zieht auf den Rathausplatz", "more"),
    ]
    assert teasers[0].block == "Das könnte Sie auch interessieren"
    assert (teasers[1].kicker, teasers[1].block) == ("Blaulicht", "")
    assert teasers[1].description == "Der Schaden wird auf mehrere Hunderttausend Euro geschätzt."
    assert (
        teasers[1].url
        == "https://www.zeitung.de/lokales/feuerwehr-loescht-brand-in-lagerhalle-1.html"
    )
    assert all(t.kind == "related" for t in teasers)


def _dev_pages(corpus: Path) -> list[tuple[Path, str]]:
    pages: list[tuple[Path, str]] = []
    gold = corpus / "pages" / "german-news-gold"
    for html in sorted(gold.glob("*.html")):
        gold_file = html.with_suffix(".gold.json")
        url = (
            json.loads(gold_file.read_text("utf-8"))["entries"][0]["url"]
            if gold_file.exists()
            else f"https://www.spiegel.de/{html.stem}"
        )
        pages.append((html, url))
    for html in sorted((corpus / "pages" / "readability-gold").glob("*/source.html")):
        pages.append((html, f"http://fakehost/test/{html.parent.name}"))
    for html in sorted((corpus / "pages" / "frontpages").glob("*.html")):
        meta = json.loads(html.with_name(html.stem + ".meta.json").read_text("utf-8"))
        pages.append((html, meta["url"]))
    return pages


@pytest.mark.slow
@pytest.mark.corpus
def test_no_boilerplate_teaser_on_any_dev_page(corpus: Path) -> None:
    checked = 0
    for html, url in _dev_pages(corpus):
        data = html.read_bytes()
        tree = parse_html(data)
        assert tree is not None
        chrome = {
            canonical_url(lxml_url)
            for lxml_url in (
                str(a.get("href")) for a in tree.xpath("//nav//a[@href] | //footer//a[@href]")
            )
            if lxml_url.startswith("http")
        }
        page = extract_article(data, url=url)
        for teaser in page.teasers:
            checked += 1
            assert not is_boilerplate_link(teaser.url, teaser.title), (html.name, teaser)
            assert teaser.url not in chrome or len(teaser.title.split()) >= 4, (html.name, teaser)
            assert teaser.url.startswith(("http://", "https://"))
    assert checked > 50


@pytest.mark.corpus
def test_front_page_teasers_are_articles(corpus: Path) -> None:
    html = corpus / "pages" / "frontpages" / "heise.de_newsticker.html"
    page = extract_article(html.read_bytes(), url="https://www.heise.de/newsticker/")
    assert len(page.teasers) >= 30
    # stories (news, tests, guides, opinion) of the site: an id or a slug of 4+ words
    articles = [
        t
        for t in page.teasers
        if urlsplit(t.url).hostname in ("www.heise.de", "heise.de")
        and re.search(r"\d{5,}|[a-z0-9]+(?:-[a-z0-9]+){3,}", urlsplit(t.url).path.lower())
    ]
    assert len(articles) >= 0.95 * len(page.teasers)


def test_kicker_repeating_the_first_word_keeps_the_title() -> None:
    html = """<html><body><main><article><h1>Hauptartikel mit langem Titel</h1>
    <p>Text des Artikels, der lang genug ist, um als Artikel zu gelten.</p></article>
    <section><h2>Mehr zum Thema</h2>
    <article class="teaser"><span class="kicker">Verkehrsunfall</span>
    <h3><a href="/a/1">Verkehrsunfall auf der Weseler Straße</a></h3></article>
    <article class="teaser"><h3><a href="/a/2"><span class="kicker">Polizei</span>
    Einbruch in Kiosk am Hafen</a></h3></article></section></main></body></html>"""
    teasers = {
        t.url.rsplit("/", 1)[1]: t
        for t in extract_article(html, url="http://example.org/a/0").teasers
    }
    assert teasers["1"].title == "Verkehrsunfall auf der Weseler Straße"
    assert (teasers["1"].kicker, teasers["1"].block) == ("Verkehrsunfall", "Mehr zum Thema")
    assert (teasers["2"].title, teasers["2"].kicker) == ("Einbruch in Kiosk am Hafen", "Polizei")
