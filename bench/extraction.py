"""Score the article extractor on the dev corpus, next to trafilatura's defaults.

Run: .venv/bin/python bench/extraction.py [-v] [CORPUS_DIR]   (-v: each teaser miss)

Snippet matching: whitespace is collapsed and quotes/dashes are left alone; our Markdown is
turned back into plain text (no link URLs, no escapes, no markers) before matching, so a
snippet counts when a reader would see it in the article text.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import trafilatura

from newsreader.core.extract.links import canonical_url
from newsreader.core.extract.metadata import parse_html
from newsreader.core.extract.page import extract_article
from newsreader.core.extract.render import markdown_to_text
from newsreader.core.extract.teasers import is_boilerplate_link
from teaser_gold import print_table as print_teaser_gold

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev"


def norm(text: str) -> str:
    return " ".join(text.split())


def ours(html: bytes, url: str) -> str:
    page = extract_article(html, url=url)
    return norm(markdown_to_text(page.text or ""))


def trafilatura_default(html: bytes, url: str) -> str:
    return norm(trafilatura.extract(html, url=url) or "")


EXTRACTORS: dict[str, Callable[[bytes, str], str]] = {
    "ours": ours,
    "trafilatura": trafilatura_default,
}


def gold_pages(corpus: Path) -> list[tuple[str, bytes, str, list[str], list[str]]]:
    """(name, html, url, with, without) for every German gold page."""
    out = []
    for gold_file in sorted((corpus / "pages" / "german-news-gold").glob("*.gold.json")):
        entry = json.loads(gold_file.read_text("utf-8"))["entries"][0]
        html = gold_file.with_name(gold_file.name.replace(".gold.json", ".html")).read_bytes()
        out.append(
            (gold_file.name.split(".gold")[0], html, entry["url"], entry["with"], entry["without"])
        )
    return out


def paragraph_gold(corpus: Path) -> list[tuple[str, bytes, str, list[str]]]:
    """Full-text gold (zeeguu .txt, Readability expected.html) cut into paragraph snippets."""
    out = []
    german = corpus / "pages" / "german-news-gold"
    for txt in sorted(german.glob("*.txt")):
        paras = [norm(p) for p in txt.read_text("utf-8").split("\n") if len(norm(p)) >= 40]
        out.append(
            (
                txt.stem,
                txt.with_suffix(".html").read_bytes(),
                f"https://www.spiegel.de/{txt.stem}",
                paras,
            )
        )
    for folder in sorted((corpus / "pages" / "readability-gold").iterdir()):
        expected = lxml.html.fromstring((folder / "expected.html").read_text("utf-8"))
        paras = [norm(p.text_content()) for p in expected.iter("p")]
        paras = [p for p in paras if len(p) >= 40]
        meta = json.loads((folder / "expected-metadata.json").read_text("utf-8"))
        url = meta.get("url") or f"http://fakehost/test/{folder.name}"
        out.append(
            (f"readability/{folder.name}", (folder / "source.html").read_bytes(), url, paras)
        )
    return out


CHROME_XPATH = (
    "//nav//a | //footer//a | //header//a[not(ancestor::article) and not(ancestor::main)]"
    " | //*[@role='navigation' or @role='contentinfo' or @role='banner']//a"
)


def chrome_links(html: bytes, url: str) -> set[str]:
    """Links a person would call navigation/footer/social: an independent check on teasers."""
    tree = parse_html(html)
    if tree is None:
        return set()
    found = set()
    for a in tree.xpath(CHROME_XPATH):
        href = a.get("href")
        if href:
            found.add(canonical_url(lxml.html.urljoin(url, href)))
    return found


ARTICLE_PATH = re.compile(r"\d{5,}|[a-z0-9äöü]+(?:-[a-z0-9äöü]+){3,}")


def is_article_link(teaser_url: str, page_url: str) -> bool:
    parts = urlsplit(teaser_url)
    site = ".".join((urlsplit(page_url).hostname or "").split(".")[-2:])
    return (parts.hostname or "").endswith(site) and bool(ARTICLE_PATH.search(parts.path.lower()))


def synthetic_page(size: int = 300_000) -> str:
    """A German local-news page of about `size` bytes: big nav, long text, many teasers."""
    nav = "".join(f'<li><a href="/ressort/{i}">Ressort {i}</a></li>' for i in range(150))
    paras = "".join(
        f"<p>Der Stadtrat hat am Dienstag in seiner {i}. Sitzung über den Haushalt beraten, "
        "und die Fraktionen stritten lange über die Sanierung der Schulen und Brücken.</p>"
        for i in range(60)
    )
    cards = []
    for i in range(400):
        cards.append(
            f'<article class="teaser"><a href="/lokales/meldung-nummer-{i}-aus-der-stadt-{i}.html">'
            f'<span class="kicker">Lokales</span><h3>Meldung Nummer {i} aus der Stadt</h3></a>'
            f"<p>Eine kurze Zusammenfassung der Meldung {i} mit einigen Worten.</p></article>"
        )
    html = (
        "<html lang='de'><head><title>Haushalt</title></head><body>"
        f"<nav><ul>{nav}</ul></nav><main><article><h1>Stadtrat streitet über Haushalt</h1>"
        f"{paras}</article><section><h2>Mehr zum Thema</h2>{''.join(cards)}</section></main>"
        "<footer><a href='/impressum'>Impressum</a></footer></body></html>"
    )
    while len(html.encode()) < size:
        html = html.replace("</footer>", "<p>" + "Fußzeile " * 200 + "</p></footer>", 1)
    return html


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "-v"]
    corpus = Path(args[0]) if args else DEFAULT_CORPUS
    if not corpus.is_dir():
        print(f"corpus not found: {corpus}")
        return
    golds = gold_pages(corpus)
    print("German gold pages: must-include found / must-exclude absent")
    print(f"{'page':34} {'ours in':>8} {'ours ex':>8} {'traf in':>8} {'traf ex':>8}")
    totals = {name: [0, 0, 0, 0] for name in EXTRACTORS}
    misses: list[str] = []
    for name, html, url, with_, without in golds:
        row = []
        for ex_name, extractor in EXTRACTORS.items():
            text = extractor(html, url)
            found = [s for s in with_ if norm(s) in text]
            absent = [s for s in without if norm(s) not in text]
            t = totals[ex_name]
            t[0] += len(found)
            t[1] += len(with_)
            t[2] += len(absent)
            t[3] += len(without)
            row += [f"{len(found)}/{len(with_)}", f"{len(absent)}/{len(without)}"]
            if ex_name == "ours":
                misses += [f"  {name}: missing {s!r}" for s in with_ if s not in found]
                misses += [f"  {name}: leaked {s!r}" for s in without if s not in absent]
        print(f"{name:34} " + " ".join(f"{c:>8}" for c in row))
    cells = []
    for t in totals.values():
        cells += [f"{100 * t[0] / t[1]:.1f}%", f"{100 * t[2] / t[3]:.1f}%"]
    print(f"{'TOTAL':34} " + " ".join(f"{c:>8}" for c in cells))
    print("\n".join(misses) or "  (ours: no miss, no leak)")

    print("\nFull-text gold: share of gold paragraphs (>= 40 chars) found")
    print(f"{'page':34} {'ours':>8} {'traf':>8}")
    for name, html, url, paras in paragraph_gold(corpus):
        cells = []
        for extractor in EXTRACTORS.values():
            text = extractor(html, url)
            hit = sum(norm(p)[:80] in text for p in paras)
            cells.append(f"{hit}/{len(paras)}")
        print(f"{name:34} " + " ".join(f"{c:>8}" for c in cells))

    print("\nTeasers: count, article-like links, boilerplate (nav/footer/social) links")
    print(f"{'page':34} {'teasers':>8} {'article':>8} {'chrome':>8} {'boiler':>8}")
    all_pages: list[tuple[str, bytes, str]] = [(n, h, u) for n, h, u, _w, _o in golds]
    all_pages += [(n, h, u) for n, h, u, _p in paragraph_gold(corpus)]
    for html_file in sorted((corpus / "pages" / "frontpages").glob("*.html")):
        meta = json.loads(html_file.with_name(html_file.stem + ".meta.json").read_text("utf-8"))
        all_pages.append((f"front/{html_file.stem}", html_file.read_bytes(), meta["url"]))
    bad_total = 0
    timings: list[float] = []
    for name, html, url in all_pages:
        start = time.perf_counter()
        page = extract_article(html, url=url)
        if not name.startswith("front/"):
            timings.append(time.perf_counter() - start)
        chrome = chrome_links(html, url)
        in_chrome = [t for t in page.teasers if canonical_url(t.url) in chrome]
        boiler = [t for t in page.teasers if is_boilerplate_link(t.url, t.title)]
        articles = sum(is_article_link(t.url, url) for t in page.teasers)
        bad_total += len(in_chrome) + len(boiler)
        print(
            f"{name:34} {len(page.teasers):>8} {articles:>8} {len(in_chrome):>8} {len(boiler):>8}"
        )
        for t in in_chrome[:3] + boiler[:3]:
            print(f"    chrome/boilerplate: {t.url} {t.title!r}")
    print(f"boilerplate teasers on all dev pages: {bad_total}")

    big = synthetic_page()
    big_times = []
    for _ in range(5):
        start = time.perf_counter()
        extract_article(big, url="https://www.example-zeitung.de/lokales/haushalt-123456.html")
        big_times.append(time.perf_counter() - start)
    print_teaser_gold(corpus, verbose="-v" in sys.argv)
    print("\nTiming (text + teasers)")
    print(f"median on {len(timings)} dev article pages: {1000 * statistics.median(timings):.0f} ms")
    big_ms = 1000 * statistics.median(big_times)
    print(f"median on a {len(big.encode()) // 1000} KB synthetic page: {big_ms:.0f} ms")


if __name__ == "__main__":
    main()
