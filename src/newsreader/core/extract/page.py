"""Article page -> main text (Markdown), metadata, paywall flag and teaser links.

trafilatura finds the main text; we parse the page once with lxml, hand it the tree, then fix
what it gets wrong on German news pages: the lead paragraph beside the headline that it drops,
and "Lesen Sie auch" lines, info boxes, credits and subscription notices that it keeps.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from copy import copy
from datetime import UTC, datetime

import lxml.etree
import lxml.html
import trafilatura

from newsreader.core.article_records import Page, Teaser
from newsreader.core.extract.links import canonical_url, merge_teasers
from newsreader.core.extract.metadata import (
    json_ld_objects,
    metadata,
    parse_html,
)
from newsreader.core.extract.paywall import (
    is_paywall_notice,
    is_subscription_notice,
    looks_obfuscated,
    page_is_paywalled,
    title_marks_paywall,
)
from newsreader.core.extract.render import (
    element_text,
    markdown_to_text,
    render_tree,
    safe_text,
    xpath_list,
)
from newsreader.core.extract.teasers import (
    chrome_link_urls,
    link_teasers,
    own_urls,
    page_teasers,
    with_block_headlines,
)

# trafilatura logs every page it finds too short at WARNING; for us that is an ordinary outcome.
logging.getLogger("trafilatura").setLevel(logging.ERROR)

MIN_TEXT_CHARS = 200  # less than this is no better than the feed's own teaser
FAST_ENOUGH = 1500  # chars of fast-mode text that we trust without the full cascade


def _text_of(el: lxml.etree._Element) -> str:
    return element_text(el)


def _link_share(el: lxml.etree._Element, text: str) -> float:
    linked = sum(len(_text_of(a)) for a in el.iter("ref", "a"))
    return linked / max(len(text), 1)


_BOX_START = re.compile(
    r"^(?:lesen sie (?:auch|mehr|hier|dazu|weiter)|mehr zum thema|mehr dazu|mehr zu[mr]? |"
    r"weitere informationen|weiterführende (?:links|informationen)|auch interessant|"
    r"das (?:könnte|dürfte) sie (?:auch )?interessieren|zum thema|passend zum thema|"
    r"hier (?:geht(?:'s| es)|gelangen sie|finden sie|lesen sie)|anzeige\b|werbung\b|"
    r"(?:jetzt |zum |unser(?:en)? )?newsletter|folgen sie uns|diskutieren sie mit|"
    r"diskussion zu diesem artikel|\d+ kommentare?|kommentare?\b|kommentieren\b|"
    r"themen in diesem artikel|zur startseite|artikel teilen|teilen\b|drucken\b|verschickt\b|"
    r"mehr aus\b|mehr nachrichten|weitere (?:nachrichten|artikel|meldungen)|"
    r"(?:©|\(c\)|copyright\b)|alle rechte vorbehalten|vervielfältigung)",
    re.IGNORECASE,
)
_CREDIT = re.compile(
    r"^(?:(?:foto|fotos|bild|bilder|bildquelle|grafik|illustration|credit|quelle)s?\s*:"
    r"|.{0,80}\b(?:dpa|afp|reuters|epd|kna|imago(?: images)?|getty images|picture alliance|"
    r"istock|shutterstock)\b.{0,40}$)",
    re.IGNORECASE,
)
_LEAD_CLASS = re.compile(
    r"intro|lead|teaser|standfirst|summary|description|abstract|excerpt|subline|subtitle|"
    r"vorspann|einleitung|article-header|deck\b|dek\b|kurztext",
)
_PROMO_BOX = re.compile(r"newsletter|podcast|push-nachricht|whatsapp-kanal|app herunter", re.I)


def _is_promo_box(el: lxml.etree._Element, text: str) -> bool:
    """An editor's bracketed aside ("[Alle Updates finden Sie hier]") or a newsletter plug."""
    has_link = next(el.iter("ref", "a"), None) is not None
    if has_link and text.startswith(("[", "(")) and text.endswith(("]", ")")) and len(text) < 500:
        return True
    return (
        len(text) < 400
        and bool(_PROMO_BOX.search(text))
        and (has_link or re.search(r"anmeld|abonnier|kostenlos", text, re.I) is not None)
    )


def _not_free_selectors(tree: lxml.etree._Element) -> list[str]:
    """CSS selectors that schema.org hasPart marks as paid: their content is not for us."""
    found: list[str] = []
    for obj in json_ld_objects(tree):
        parts = obj.get("hasPart")
        for part in parts if isinstance(parts, list) else [parts]:
            if isinstance(part, dict) and str(part.get("isAccessibleForFree")).lower() == "false":
                selector = part.get("cssSelector")
                if isinstance(selector, str):
                    found.extend(s.strip() for s in selector.split(","))
    return found


def _prune_selectors(tree: lxml.html.HtmlElement, selectors: list[str]) -> lxml.html.HtmlElement:
    pruned = copy(tree)
    for selector in selectors:
        match = re.fullmatch(r"([a-z0-9]*)([.#])([\w-]+)", selector)
        if not match:
            continue
        tag, kind, name = match.groups()
        attr = "class" if kind == "." else "id"
        test = (
            f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"
            if attr == "class"
            else f"@id='{name}'"
        )
        for el in xpath_list(pruned, f"//{tag or '*'}[{test}]"):
            if el.getparent() is not None:
                el.getparent().remove(el)
    return pruned


def _run_trafilatura(tree: lxml.html.HtmlElement, url: str) -> lxml.etree._Element | None:
    """trafilatura's body XML, trying cheap settings first.

    Its fast mode (no readability/justext comparison) is right on ordinary article pages and
    several times quicker on big ones; a short result means it may have missed the article,
    so the full cascade runs. Rich mode (links, emphasis) can lose a page's text where plain
    mode keeps it, so plain mode is the last resort.
    """
    best: lxml.etree._Element | None = None
    best_len = 0
    for rich, fast, enough in ((True, True, FAST_ENOUGH), (True, False, 400), (False, False, 0)):
        doc = trafilatura.bare_extraction(
            tree,
            url=url,
            include_comments=False,
            include_links=rich,
            include_formatting=rich,
            include_tables=True,
            include_images=False,
            output_format="txt",
            with_metadata=False,
            fast=fast,
        )
        body = getattr(doc, "body", None)
        size = len(getattr(doc, "raw_text", "") or "")
        if body is not None and size > best_len * 1.2:
            best, best_len = body, size
        if best_len >= enough:
            break
    return best


_LEAD_TAGS = frozenset({"p", "div", "span", "h2", "strong", "section"})


def _find_lead(tree: lxml.etree._Element, description: str | None) -> str | None:
    """The lead paragraph beside the headline, by class name or by matching og:description."""
    h1 = next(tree.iter("h1"), None)
    region: lxml.etree._Element = tree
    if h1 is not None:
        region = h1
        for _ in range(3):
            parent = region.getparent()
            if parent is None or parent.tag in ("body", "html"):
                break
            region = parent
            if region.tag in ("article", "main"):
                break
    desc = " ".join(description.split()) if description else ""
    passed = h1 is None
    for count, el in enumerate(region.iter()):
        if count > 600:
            break
        if el is h1:
            passed = True
            continue
        if not passed or el.tag not in _LEAD_TAGS:
            continue
        if h1 is not None and any(a is h1 for a in el.iterancestors()):
            continue
        text = _text_of(el)
        if not 40 <= len(text) <= 1000 or _link_share(el, text) > 0.5:
            continue
        names = f"{el.get('class', '')} {el.get('itemprop', '')} {el.get('id', '')}".lower()
        if _LEAD_CLASS.search(names) or (desc and (text == desc or desc.startswith(text[:80]))):
            return text
    return None


def _clean_body(
    body: lxml.etree._Element,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], bool]:
    """Drop boxes, credits and notices from trafilatura's body, in place.

    Returns the links of dropped "Lesen Sie auch" lines (inline), of dropped related boxes
    (related), and whether a subscription notice or scrambled text was seen.
    """
    inline: list[tuple[str, str]] = []
    related: list[tuple[str, str]] = []
    walled = False
    in_box = False
    for el in list(body):
        text = _text_of(el)
        links = [(a.get("target") or "", _text_of(a)) for a in el.iter("ref")]
        if walled:
            body.remove(el)
            continue
        if in_box and text and _link_share(el, text) >= 0.5:
            related.extend(links)
            body.remove(el)
            continue
        in_box = False
        if not text:
            continue
        if is_paywall_notice(text) or looks_obfuscated(text):
            walled = True
            body.remove(el)
        elif is_subscription_notice(text) or _is_promo_box(el, text):
            body.remove(el)
        elif _BOX_START.match(text) and (len(text) < 300 or _link_share(el, text) >= 0.5):
            (inline if el.tag != "head" else related).extend(links)
            in_box = el.tag == "head" or len(text) < 40
            body.remove(el)
        elif len(text) < 160 and _CREDIT.match(text) and not text.endswith((".", "!", "?", '"')):
            body.remove(el)
    return inline, related, walled


def extract_article(html: bytes | str, *, url: str, feed_title: str | None = None) -> Page:
    """Extract an article page; text is None when the page holds nothing better than a feed."""
    now = datetime.now(UTC)
    tree = parse_html(html)
    if tree is None:
        return Page(url=url, final_url=url, fetched_at=now)
    meta = metadata(tree, url)
    selectors = _not_free_selectors(tree)
    body = _run_trafilatura(_prune_selectors(tree, selectors) if selectors else tree, url)
    inline_links: list[tuple[str, str]] = []
    box_links: list[tuple[str, str]] = []
    walled = bool(selectors)
    text = ""
    if body is not None:
        inline_links, box_links, notice = _clean_body(body)
        walled = walled or notice
        markdown, links = render_tree(body, base_url=url)
        inline_links = links + inline_links
        text = markdown
    plain = markdown_to_text(text)
    lead = _find_lead(tree, meta["description"])
    if lead and _norm(lead[:120]) not in _norm(plain):
        text = f"{safe_text(lead)}\n\n{text}".strip()
        plain = f"{lead}\n\n{plain}"
    paywalled = (
        walled
        or (feed_title is not None and title_marks_paywall(feed_title))
        or page_is_paywalled(tree, plain)
        or bool(meta["title"] and title_marks_paywall(meta["title"]))
    )
    if paywalled and len(plain) < 40:
        text = meta["description"] or ""
    elif not paywalled and len(plain.strip()) < MIN_TEXT_CHARS:
        text = ""
    chrome = chrome_link_urls(tree, url=url)
    own = own_urls(tree, url)
    main = _main_element(tree)
    related = page_teasers(tree, url=url, main=main)
    inline = with_block_headlines(link_teasers(inline_links, page_url=url, own=own), related)
    boxed = link_teasers(box_links, page_url=url, kind="related", own=own)
    # A link the page also has in its menus or tag lists is navigation, unless it is a headline.
    teasers: tuple[Teaser, ...] = tuple(
        t
        for t in merge_teasers(inline, with_block_headlines(boxed, related), related)
        if canonical_url(t.url) not in chrome or len(t.title.split()) >= 4
    )
    return Page(
        url=url,
        final_url=url,
        fetched_at=now,
        text=text.strip() or None,
        paywalled=paywalled,
        teasers=teasers,
        **meta,
    )


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def _main_element(tree: lxml.etree._Element) -> lxml.etree._Element | None:
    anchors = xpath_list(tree, "//*[@itemprop='articleBody']")
    anchor: lxml.etree._Element | None = anchors[0] if anchors else None
    if anchor is None:
        anchor = next(tree.iter("h1"), None)
    if anchor is None:
        return None
    return next(anchor.iterancestors("article", "main"), anchor)


def extract_fetched_page(html: bytes | str, *, url: str, final_url: str) -> Page:
    """The page as cached under the URL we asked for; its links resolve against where the
    redirects ended."""
    page = extract_article(html, url=final_url)
    return dataclasses.replace(page, url=url, final_url=final_url)
