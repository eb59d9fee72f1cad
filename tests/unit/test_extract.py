# ruff: noqa: E501  (hand-written HTML pages read best unwrapped)
"""Article extraction on pages we wrote, and on the dev corpus gold pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsreader.core.extract.metadata import decode_html, page_preview
from newsreader.core.extract.page import extract_article
from newsreader.core.extract.paywall import (
    is_subscription_notice,
    looks_obfuscated,
    page_is_paywalled,
    title_marks_paywall,
)
from newsreader.core.extract.render import markdown_to_text
from newsreader.core.extract.teasers import is_boilerplate_link

# --- pages we wrote ---------------------------------------------------------------------------

ARTICLE_URL = "https://www.lokalblatt.de/lokales/neue-ruhrbruecke-mai-2024-99.html"

_CARDS = "".join(
    f"""<article class="teaser-card"><a href="{href}">
      <span class="teaser-kicker">{kicker}</span><h3 class="teaser-title">{title}</h3></a>
      <p class="teaser-summary">{summary}</p></article>"""
    for href, kicker, title, summary in [
        (
            "/lokales/baustelle-ruhrbruecke-staus-2024-102.html?utm_source=site&utm_medium=teaser",
            "Verkehr",
            "Baustelle an der Ruhrbrücke sorgt für Staus",
            "Pendler brauchen seit Montag deutlich länger in die Innenstadt.",
        ),
        (
            "/lokales/stadtwerke-neue-buslinie-2024-103.html",
            "Nahverkehr",
            "Stadtwerke planen neue Buslinie über die Brücke",
            "Ab Sommer soll ein Schnellbus Nord und Süd verbinden.",
        ),
        (
            "https://www.lokalblatt.de/lokales/umleitung-innenstadt-2024-101.html",
            "Umleitung",
            "Was Autofahrer zur Umleitung wissen müssen",
            "Die wichtigsten Fragen und Antworten zur Sperrung im Überblick.",
        ),
        (
            "/lokales/brueckenfest-programm-2024-104.html",
            "Freizeit",
            "Brückenfest: Das ist das Programm zur Eröffnung",
            "Musik, Essen und ein Lauf über die neue Brücke am ersten Maiwochenende.",
        ),
        (
            "/lokales/ratsbeschluss-bruecke-2023-105.html",
            "Rückblick",
            "So hat der Rat vor drei Jahren den Neubau beschlossen",
            "Ein Blick zurück auf die lange Debatte um die marode alte Brücke.",
        ),
    ]
)

LOCAL_ARTICLE = f"""<!DOCTYPE html>
<html lang="de-DE"><head><meta charset="utf-8">
<title>Neue Brücke über die Ruhr wird im Mai eröffnet | Lokalblatt</title>
<meta property="og:title" content="Neue Brücke über die Ruhr wird im Mai eröffnet">
<meta property="og:description" content="Nach drei Jahren Bauzeit ist die neue Ruhrbrücke fast fertig. Im Mai sollen die ersten Autos rollen.">
<meta property="og:image" content="/bilder/bruecke.jpg">
<meta property="article:published_time" content="2024-03-05T08:30:00+01:00">
<meta name="author" content="Anna Beispiel">
</head><body>
<div id="cookie-banner" class="cookie-consent"><p>Wir verwenden Cookies, um unsere Website zu verbessern.
<a href="/datenschutz">Datenschutz</a> <button>Alle akzeptieren</button></p></div>
<header class="site-header"><a href="/">Lokalblatt</a>
<nav class="main-nav"><ul><li><a href="/lokales/">Lokales</a></li><li><a href="/sport/">Sport</a></li>
<li><a href="/politik/">Politik</a></li><li><a href="/login">Login</a></li>
<li><a href="/lokales/stadtwerke-neue-buslinie-2024-103.html">Top: Neue Buslinie über die Brücke geplant</a></li></ul></nav></header>
<main><article class="article">
<div class="article-header"><span class="kicker">Verkehr</span>
<h1>Neue Brücke über die Ruhr wird im Mai eröffnet</h1>
<div class="article-intro">Nach drei Jahren Bauzeit ist die neue Ruhrbrücke fast fertig. Im Mai sollen die ersten Autos rollen.</div>
<div class="byline">Von Anna Beispiel</div></div>
<div class="share-buttons"><a href="https://www.facebook.com/sharer/sharer.php?u=x">Teilen</a>
<a href="https://twitter.com/intent/tweet?url=x">Twittern</a><a href="https://wa.me/?text=x">WhatsApp</a></div>
<figure><img src="/bilder/bruecke.jpg" alt="Die neue Brücke"><figcaption>Foto: Stadt Musterstadt</figcaption></figure>
<div class="article-body">
<p>Die Arbeiten an der neuen Brücke über die Ruhr liegen im Zeitplan. Das sagte Baudezernent Karl Muster
am Dienstag im Bauausschuss. Die alte Brücke aus dem Jahr 1962 war marode und musste abgerissen werden.
Bereits in der <a href="/lokales/ratssitzung-februar-2024-100.html">Ratssitzung vom Februar</a> hatte die Verwaltung
den Zeitplan bestätigt.</p>
<p>Lesen Sie auch: <a href="/lokales/umleitung-innenstadt-2024-101.html?utm_campaign=inline">Umleitung in der Innenstadt bis Ende April</a></p>
<p>Der Neubau kostet nach aktuellen Zahlen rund 48 Millionen Euro, etwa vier Millionen mehr als geplant.
Bund und Land tragen den größten Teil der Kosten, die Stadt zahlt etwa ein Fünftel. Die Mehrkosten
begründet die Verwaltung mit gestiegenen Preisen für Stahl und Beton.</p>
<p>Die Stadtwerke rechnen mit weniger Staus im Berufsverkehr, sobald beide Fahrspuren in jede Richtung
frei sind. Auch Radfahrer bekommen einen eigenen, zwei Meter breiten Weg auf der Ostseite der Brücke.</p>
<p>Anzeige</p>
<div class="newsletter-box"><p>Abonnieren Sie unseren kostenlosen Newsletter für Musterstadt!
<a href="/newsletter">Jetzt anmelden</a></p></div>
<p>Zur Eröffnung plant die Stadt ein Fest mit Musik und einem Lauf über die Brücke. Die genauen Termine
will die Verwaltung in den kommenden Wochen bekanntgeben.</p>
</div>
<section class="related"><h2>Mehr zum Thema</h2>{_CARDS}</section>
</article>
<section id="comments" class="comments"><h2>Kommentare</h2>
<div class="comment"><p class="comment-author">Leserkommentar von Hans</p>
<p>Endlich! Ich fahre jeden Tag über die Ruhr und stehe seit Monaten im Stau, das wurde auch Zeit.</p></div>
<div class="comment"><p>Viel zu teuer, das Geld hätte man besser in die Schulen der Stadt gesteckt.</p></div>
</section></main>
<footer class="site-footer"><ul><li><a href="/impressum">Impressum</a></li>
<li><a href="/datenschutz">Datenschutz</a></li><li><a href="/kontakt">Kontakt</a></li>
<li><a href="https://www.instagram.com/lokalblatt">Instagram</a></li></ul></footer>
</body></html>"""


def shift(text: str, by: int) -> str:
    """Letter-shift text the way some publishers scramble paid paragraphs."""
    out = []
    for ch in text:
        if "a" <= ch <= "z":
            out.append(chr((ord(ch) - 97 + by) % 26 + 97))
        elif "A" <= ch <= "Z":
            out.append(chr((ord(ch) - 65 + by) % 26 + 65))
        else:
            out.append(ch)
    return "".join(out)


_PAID = " ".join(
    shift(s, 1)
    for s in [
        "Die Kosten liegen bei zwölf Millionen Euro und werden von der Stadt und dem Land getragen.",
        "Der Bau soll im Herbst beginnen und zwei Jahre dauern, sagte der Bürgermeister am Abend.",
        "Die Opposition kritisiert, dass die Betriebskosten in den Plänen nicht enthalten sind.",
    ]
)

PAYWALLED_PAGE = f"""<html lang="de"><head><meta charset="utf-8"><title>Hallenbad kommt</title>
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "Hallenbad kommt", "isAccessibleForFree": false,
"hasPart": {{"@type": "WebPageElement", "isAccessibleForFree": false, "cssSelector": ".paywall"}}}}</script>
</head><body><article><h1>Hallenbad kommt</h1>
<p class="intro">Der Gemeinderat hat den Bau eines Hallenbads beschlossen. Die Entscheidung fiel nach langer Debatte einstimmig.</p>
<div class="article-body">
<p>Nach mehr als zwei Stunden Diskussion stimmten alle Fraktionen für das Projekt am Stadtpark.</p>
<p class="obfuscated">{_PAID}</p>
<p class="obfuscated">{_PAID}</p>
<div class="offer"><p>Jetzt weiterlesen mit unserem Digital-Abo. Sie haben bereits ein Abo? Hier anmelden.</p></div>
</div></article></body></html>"""

EMPTY_PAGE = """<html lang="de"><head><meta charset="utf-8"><title>Bildergalerie: Stadtfest</title></head>
<body><nav><a href="/">Start</a> <a href="/lokales/">Lokales</a></nav>
<div class="gallery"><img src="1.jpg" alt=""><img src="2.jpg" alt=""><p>Bild 1 von 24</p></div>
<footer><a href="/impressum">Impressum</a></footer></body></html>"""


def plain(text: str | None) -> str:
    return " ".join(markdown_to_text(text or "").split())


def test_local_article_text_metadata_and_lead() -> None:
    page = extract_article(LOCAL_ARTICLE.encode("utf-8"), url=ARTICLE_URL)
    text = plain(page.text)
    assert page.title == "Neue Brücke über die Ruhr wird im Mai eröffnet"
    assert page.author == "Anna Beispiel"
    assert page.published == datetime(2024, 3, 5, 7, 30, tzinfo=UTC)
    assert page.language == "de"
    assert page.image == "https://www.lokalblatt.de/bilder/bruecke.jpg"
    assert not page.paywalled
    # The lead sits in its own block beside the h1: it must open the text.
    assert text.startswith("Nach drei Jahren Bauzeit ist die neue Ruhrbrücke fast fertig.")
    assert "Die Stadtwerke rechnen mit weniger Staus" in text
    assert "Baudezernent Karl Muster" in text


def test_local_article_drops_boxes_comments_and_chrome() -> None:
    page = extract_article(LOCAL_ARTICLE.encode("utf-8"), url=ARTICLE_URL)
    text = plain(page.text)
    for leak in (
        "Lesen Sie auch",
        "Mehr zum Thema",
        "Impressum",
        "Cookies",
        "Teilen",
        "Leserkommentar",
        "Foto: Stadt",
        "Newsletter",
    ):
        assert leak not in text, leak


def test_local_article_keeps_links_in_markdown() -> None:
    page = extract_article(LOCAL_ARTICLE.encode("utf-8"), url=ARTICLE_URL)
    assert (
        "[Ratssitzung vom Februar](https://www.lokalblatt.de/lokales/ratssitzung-februar-2024-100.html)"
        in (page.text or "")
    )


def test_local_article_teasers_inline_then_related() -> None:
    page = extract_article(LOCAL_ARTICLE.encode("utf-8"), url=ARTICLE_URL)
    urls = [t.url for t in page.teasers]
    kinds = [t.kind for t in page.teasers]
    assert kinds == sorted(kinds, key=["inline", "related"].index)
    inline = [t for t in page.teasers if t.kind == "inline"]
    related = [t for t in page.teasers if t.kind == "related"]
    assert {t.url for t in inline} >= {
        "https://www.lokalblatt.de/lokales/ratssitzung-februar-2024-100.html",
        "https://www.lokalblatt.de/lokales/umleitung-innenstadt-2024-101.html",
    }
    assert len(related) == 4
    first = next(t for t in related if "baustelle-ruhrbruecke" in t.url)
    assert first.title == "Baustelle an der Ruhrbrücke sorgt für Staus"
    assert first.kicker == "Verkehr"
    assert first.description.startswith("Pendler brauchen seit Montag")
    # utm_* is gone and the card that repeats an inline link is not listed twice.
    assert all("utm_" not in u for u in urls)
    assert len(urls) == len(set(urls))
    for t in page.teasers:
        assert not is_boilerplate_link(t.url, t.title)
        for word in ("impressum", "datenschutz", "facebook", "login", "cookie", "teilen"):
            assert word not in t.url.lower() + t.title.lower()


def test_paywalled_page_keeps_only_the_free_teaser() -> None:
    page = extract_article(PAYWALLED_PAGE.encode("utf-8"), url="https://www.zeitung.de/a-1.html")
    assert page.paywalled
    text = plain(page.text)
    assert "Der Gemeinderat hat den Bau eines Hallenbads beschlossen." in text
    assert shift("Die Kosten liegen bei zwölf Millionen Euro", 1)[:20] not in text
    assert "Jetzt weiterlesen" not in text
    assert "Abo" not in text


def test_feed_title_marker_flags_paywall() -> None:
    page = extract_article(
        LOCAL_ARTICLE.encode("utf-8"), url=ARTICLE_URL, feed_title="WAZ+ Neue Brücke"
    )
    assert page.paywalled


def test_page_without_article_text_gives_none() -> None:
    page = extract_article(EMPTY_PAGE.encode("utf-8"), url="https://www.lokalblatt.de/x.html")
    assert page.text is None
    assert page.title == "Bildergalerie: Stadtfest"
    assert extract_article(b"", url="https://www.lokalblatt.de/y.html").text is None


def test_decodes_cp1252_and_meta_charset() -> None:
    html = LOCAL_ARTICLE.replace('<meta charset="utf-8">', '<meta charset="windows-1252">')
    page = extract_article(html.encode("cp1252"), url=ARTICLE_URL)
    assert "Brücke" in (page.title or "")
    no_charset = LOCAL_ARTICLE.replace('<meta charset="utf-8">', "").encode("cp1252")
    assert "Brücke" in (extract_article(no_charset, url=ARTICLE_URL).title or "")


def test_utf8_bytes_are_utf8_whatever_a_stale_meta_says() -> None:
    """A page's <meta> that says iso-8859-1 over UTF-8 bytes read "Brücke" as "BrÃ¼cke"
    (a helper's review); bytes in another charset still follow their <meta>."""
    stale = LOCAL_ARTICLE.replace('<meta charset="utf-8">', '<meta charset="iso-8859-1">')
    assert "Brücke" in (extract_article(stale.encode("utf-8"), url=ARTICLE_URL).title or "")
    cyrillic = '<html><head><meta charset="windows-1251"><title>Новости</title></head></html>'
    assert decode_html(cyrillic.encode("cp1251")) == cyrillic


def test_page_preview_on_truncated_head() -> None:
    head = LOCAL_ARTICLE.encode("utf-8")[: LOCAL_ARTICLE.index("</head>") - 40]
    title, description = page_preview(head, url=ARTICLE_URL)
    assert title == "Neue Brücke über die Ruhr wird im Mai eröffnet"
    assert description is not None and description.startswith("Nach drei Jahren Bauzeit")
    assert page_preview(b"<html><head><title>Nur Titel\x1b[31m</title>", url="https://a.de/") == (
        "Nur Titel",
        None,
    )


def test_title_markers() -> None:
    for marked in (
        "F+ Streit um Brücke",
        "RP+: Neue Kita",
        "Kita-Neubau (WAZ+)",
        "SZ Plus: Test",
        "Neue Wache | SPIEGEL+",
        "Z+ Hallenbad",
    ):
        assert title_marks_paywall(marked), marked
    for plain_title in (
        "Pluspunkt für die Stadt",
        "Plus 3 Grad am Wochenende",
        "C++ lernen",
        "Umsatzplus bei VW",
        "Ein Abo für alle",
        "Deutschlandticket Plus",
        "",
    ):
        assert not title_marks_paywall(plain_title), plain_title


def test_obfuscation_and_notices() -> None:
    clear = "Der Gemeinderat hat am Dienstag in der Stadthalle über den Bau des neuen Hallenbads beraten und ihn beschlossen."
    assert not looks_obfuscated(clear)
    assert looks_obfuscated(shift(clear, 1))
    assert looks_obfuscated(shift(clear, -1))
    assert is_subscription_notice(
        "Jetzt weiterlesen mit SZ Plus. Sie sind bereits Abonnent? Hier anmelden."
    )
    assert not is_subscription_notice(
        "Die Stadtwerke bieten ihren Kunden ab Mai einen neuen Tarif an."
    )


def test_json_ld_nested_not_free(tmp_path: Path) -> None:
    from newsreader.core.extract.metadata import parse_html

    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage"},
            {
                "@type": "NewsArticle",
                "hasPart": [
                    {
                        "@type": "WebPageElement",
                        "isAccessibleForFree": "False",
                        "cssSelector": ".paid",
                    }
                ],
            },
        ],
    }
    tree = parse_html(
        f'<html><head><script type="application/ld+json">{json.dumps(graph)}</script>'
        "</head><body><p>x</p></body></html>"
    )
    assert tree is not None
    assert page_is_paywalled(tree, "x")
    free = parse_html(
        "<html><body><p>Ein ganz normaler Artikel über den Stadtrat.</p></body></html>"
    )
    assert free is not None
    assert not page_is_paywalled(free, "Ein ganz normaler Artikel über den Stadtrat.")


GOLD_PAGES = [
    "tagesspiegel.de_abstandsregeln",
    "taz.de_siemens-adani",
    "stern.de_brexit",
    "spiegel.de_print-albtraum",
    "zeit.de_klimaschutz-banken",
]


@pytest.mark.corpus
@pytest.mark.parametrize("name", GOLD_PAGES)
def test_gold_snippets(corpus: Path, name: str) -> None:
    folder = corpus / "pages" / "german-news-gold"
    gold = json.loads((folder / f"{name}.gold.json").read_text("utf-8"))["entries"][0]
    page = extract_article((folder / f"{name}.html").read_bytes(), url=gold["url"])
    text = plain(page.text)
    for snippet in gold["with"]:
        assert " ".join(snippet.split()) in text, snippet
    for snippet in gold["without"]:
        assert " ".join(snippet.split()) not in text, snippet
