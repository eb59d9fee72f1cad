"""HTML pages the loopback server serves to the reader tests."""

from __future__ import annotations


def article_html(
    title: str, paragraphs: list[str], related: tuple[tuple[str, str], ...] = ()
) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    links = "".join(f'<li><a href="{u}">{t}</a></li>' for u, t in related)
    aside = (
        f'<aside class="related"><h2>Mehr zum Thema</h2><ul>{links}</ul></aside>' if links else ""
    )
    return f"""<!doctype html><html lang="de"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:title" content="{title}"><meta name="description" content="{paragraphs[0][:80]}">
</head><body><header><nav><a href="/">Start</a></nav></header>
<main><article><h1>{title}</h1>{body}</article>{aside}</main>
<footer>Impressum</footer></body></html>"""


LONG_PARAGRAPHS = [
    f"Absatz {n}: Die Stadtverwaltung hat am Dienstag mitgeteilt, dass die Bauarbeiten an der "
    f"Promenade planmäßig voranschreiten und der Abschnitt {n} bis zum Sommer fertig sein soll. "
    "Anwohnerinnen und Anwohner werden gebeten, die ausgeschilderten Umleitungen zu nutzen."
    for n in range(1, 9)
]
