# ruff: noqa: E501  (hand-written HTML reads best unwrapped)
"""Article pages for teaser tests: one article, a menu, a footer, and the blocks a test adds."""

from __future__ import annotations

SITE = "https://www.lokalblatt-test.de"
ARTICLE_URL = f"{SITE}/lokales/stadtrat-beschliesst-haushalt-100200.html"


def story(n: int, words: str = "Meldung aus der Stadt") -> str:
    """A story path of the site: a slug and an id."""
    slug = "-".join(words.lower().split())
    return f"/lokales/{slug}-{n}-{100300 + n}.html"


def article_page(*blocks: str, inside: str = "", head: str = "") -> str:
    """The article (with `inside` in its body), then `blocks` after it."""
    return f"""<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<title>Stadtrat beschließt Haushalt</title>
<link rel="canonical" href="{ARTICLE_URL}">{head}</head><body>
<header><a href="/">Lokalblatt</a><a href="/abo">Abo</a></header>
<nav class="main-nav"><ul><li><a href="/lokales/">Lokales</a></li><li><a href="/sport/">Sport</a></li></ul></nav>
<main><article><h1>Stadtrat beschließt den Haushalt für das kommende Jahr</h1>
<p class="intro">Nach langer Debatte hat der Stadtrat am Dienstagabend den Haushalt beschlossen.</p>
<p>Die Fraktionen stritten lange über die Sanierung der Schulen, die Brücken und die Busse; am Ende stimmte eine breite Mehrheit zu, und die Verwaltung kann planen.</p>
{inside}
<p>Der Kämmerer rechnet mit höheren Einnahmen aus der Gewerbesteuer, warnt aber vor steigenden Kosten für Personal und Energie in den kommenden Jahren.</p>
</article>
{"".join(blocks)}
</main>
<footer><a href="/impressum">Impressum</a><a href="{story(99, "footer link zu einer meldung")}">Eine Meldung im Footer der Seite</a></footer>
</body></html>"""
