"""Article pages written for the tests: a German local-news page with teaser blocks."""

from __future__ import annotations


def article_page(n: int, *, base: str, related: list[int], paywalled: bool = False) -> bytes:
    cards = "".join(
        f"""<article class="teaser"><a href="{base}/artikel/{r}">
        <span class="kicker">Lokales</span><h3>Bericht Nummer {r} aus Musterstadt</h3></a>
        <p class="teaser-text">Worum es in Bericht {r} geht, in einem Satz.</p></article>"""
        for r in related
    )
    paragraphs = "".join(
        f"<p>Absatz {k} des Berichts {n}: Der Stadtrat von Münster hat am Dienstag über die "
        f"Sanierung der Hauptstraße beraten. Die Arbeiten sollen im Frühjahr beginnen und "
        f"rund zwei Jahre dauern, sagte die Baudezernentin.</p>"
        for k in range(6)
    )
    ld = (
        '<script type="application/ld+json">{"@type":"NewsArticle",'
        '"isAccessibleForFree":false}</script>'
        if paywalled
        else ""
    )
    return f"""<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<title>Bericht {n} | Musterstadt Zeitung</title>
<meta property="og:title" content="Bericht {n}: Sanierung der Hauptstraße">
<meta property="og:description" content="Der Stadtrat berät über die Hauptstraße ({n}).">
{ld}</head><body>
<nav><a href="{base}/">Startseite</a><a href="{base}/impressum">Impressum</a></nav>
<main><article><h1>Bericht {n}: Sanierung der Hauptstraße</h1>
<p class="intro">Der Vorspann von Bericht {n} steht für sich neben der Überschrift.</p>
{paragraphs}
<p>Mehr dazu im <a href="{base}/dossier">Dossier Verkehr</a>.</p>
</article>
<section class="related"><h2>Mehr zum Thema</h2>{cards}</section></main>
<footer><a href="{base}/datenschutz">Datenschutz</a>
<a href="https://twitter.com/share?url={base}">Teilen</a></footer>
</body></html>""".encode()
