"""Teaser links: the related stories a page points to, without its navigation and clutter.

Order is meaning: links inside the article text first ("inline"), then the page's related
blocks ("related"), then the feed's own related links ("feed", merged by the caller).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

import lxml.etree

from newsreader.core.extract.links import canonical_url, merge_teasers
from newsreader.core.extract.render import element_text, http_url, one_line, word_set
from newsreader.core.models import Teaser, TeaserKind

_SOCIAL_HOSTS = re.compile(
    r"(?:^|\.)(?:facebook|fb|twitter|x|t|instagram|whatsapp|wa|linkedin|xing|pinterest|tiktok|"
    r"telegram|reddit|flipboard|threads|mastodon\.social|bsky|tumblr|vk|pocket|getpocket|"
    r"doubleclick|googleadservices|googlesyndication|outbrain|taboola|plista|adform|"
    r"play\.google|apps\.apple|itunes\.apple)\.(?:com|net|me|de|org|app|social|co)$"
)
# Whole path segments (extension dropped) that name site service pages, not articles.
_BOILERPLATE_SEGMENT = re.compile(
    r"(?:impressum|imprint|datenschutz(?:-?[a-z]+)?|privacy(?:-?[a-z]+)?|cookies?(?:-?[a-z]+)?|consent|agb|"
    r"nutzungsbedingungen|terms(?:-?[a-z]+)?|kontakt|contact|login|logout|anmelden|anmeldung|"
    r"registrier[a-z]*|register|signin|sign-in|signup|account|konto|mein-[a-z]+|abo|abos|"
    r"abonnement[a-z]*|aboshop|shop|newsletter[a-z]*|mediadaten|werben|advertising|anzeigen|jobs|"
    r"karriere|sitemap|rss|feeds?|barrierefreiheit|hilfe|help|faq|share|sharer|teilen|drucken|"
    r"print|intent|epaper|e-paper|apps?|suche|search|tags?|thema|themen|autor|autoren|author|"
    r"authors|profile?)",
    re.IGNORECASE,
)
_BOILERPLATE_TEXT = re.compile(
    r"^(?:impressum|datenschutz\w*|privacy|cookie\w*|agb|kontakt|login|log ?in|anmelden|"
    r"registrieren|abmelden|mein konto|konto|teilen|share|drucken|print|e-?mail|mail|facebook|"
    r"twitter|x|instagram|whatsapp|linkedin|xing|pinterest|telegram|newsletter|abo\w*|"
    r"anzeige|werbung|mediadaten|jobs|karriere|startseite|home|mehr|weiter|zurück|nach oben|"
    r"alle artikel|alle meldungen|mehr anzeigen|mehr laden|weitere artikel|archiv|rss|"
    r"kommentare?|\d+ kommentare?|zu den kommentaren|hilfe|faq|suche|menü|menu|"
    r"barrierefreiheit|nutzungsbedingungen|cookie-einstellungen|privatsphäre\w*)$",
    re.IGNORECASE,
)


_SERVICE_HOSTS = (
    "ads.",
    "ad.",
    "adserver.",
    "track.",
    "abo.",
    "aboshop.",
    "shop.",
    "login.",
    "account.",
    "konto.",
    "mein.",
    "my.",
    "epaper.",
    "e-paper.",
    "newsletter.",
    "nl.",
    "jobs.",
    "static.",
)
# Words that make any link label a service link: "Zur Anmeldung", "Jetzt gratis testen".
_SERVICE_TEXT = re.compile(
    r"^anzeige\b|newsletter|\banmeld|\babonnier|\bregistrier|\blogin\b|\blog in\b|"
    r"jetzt (?:\w+ )?(?:testen|bestellen|sichern)|\bteilen auf\b|\bshare on\b|"
    r"cookie|datenschutz|impressum",
    re.IGNORECASE,
)


def is_boilerplate_link(url: str, text: str) -> bool:
    """Navigation, footer, share, login, imprint, privacy, cookie, advert and social links."""
    target = http_url(url)
    if target is None:
        return True
    parts = urlsplit(target)
    host = (parts.hostname or "").lower()
    if _SOCIAL_HOSTS.search(host) or host.startswith(_SERVICE_HOSTS):
        return True
    for segment in parts.path.lower().split("/"):
        if _BOILERPLATE_SEGMENT.fullmatch(segment.rsplit(".", 1)[0]):
            return True
    label = " ".join(text.split()).strip(" :»›>→")
    return bool(_BOILERPLATE_TEXT.match(label) or _SERVICE_TEXT.search(label))


# Parts of class/id names (split at spaces, '-', '_') that mark page chrome, not content.
_CHROME_PARTS = word_set(
    "nav navi navbar navigation menu menue mainmenu submenu footer breadcrumb breadcrumbs "
    "share sharing social socials shariff cookie cookies consent cmp gdpr login signin "
    "account newsletter paywall subscribe subscription abo ad ads advert adverts "
    "advertisement anzeige sponsor sponsored banner promo commerce shop comment comments "
    "kommentar kommentare disqus skiplink skiplinks toolbar masthead sitemap offcanvas tag "
    "tags taglist topics keywords dirlink"
)
_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "menu", "menubar"})
_SPLIT = re.compile(r"[\s_-]+")


def _is_chrome(el: lxml.etree._Element) -> bool:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in ("nav", "footer", "form", "menu", "dialog"):
        return True
    if el.get("role") in _ROLES:
        return True
    names = f"{el.get('class', '')} {el.get('id', '')}".lower()
    return bool(names.strip()) and not _CHROME_PARTS.isdisjoint(_SPLIT.split(names))


class _ChromeCache:
    """Answers "is this element inside page chrome?" walking each ancestor once."""

    def __init__(self) -> None:
        self.memo: dict[lxml.etree._Element, bool] = {}

    def inside(self, el: lxml.etree._Element) -> bool:
        path: list[lxml.etree._Element] = []
        node: lxml.etree._Element | None = el
        result = False
        while node is not None:
            known = self.memo.get(node)
            if known is not None:
                result = known
                break
            path.append(node)
            if _is_chrome(node) or (node.tag == "header" and not _in_content(node)):
                result = True
                break
            node = node.getparent()
        for seen in path:
            self.memo[seen] = result
        return result


def _in_content(el: lxml.etree._Element) -> bool:
    return any(a.tag in ("article", "main") for a in el.iterancestors())


def _text(el: lxml.etree._Element) -> str:
    return element_text(el)


_KICKER = re.compile(
    r"kicker|label|subject|dachzeile|overline|topline|roofline|eyebrow|spitzmarke|subtitle"
)
_SUMMARY = re.compile(r"summary|teaser-?text|excerpt|description|intro|lead|abstract|text|body")
_RELATED_HEADING = re.compile(
    r"^(?:mehr zum thema|zum thema|mehr dazu|das könnte sie (?:auch )?interessieren|"
    r"(?:das )?(?:könnte|dürfte) sie auch interessieren|auch interessant|lesen sie auch|"
    r"lesen sie mehr|weitere (?:nachrichten|artikel|meldungen|themen)\b|mehr (?:aus|von|zu)\b|"
    r"mehr nachrichten|ähnliche artikel|verwandte artikel|empfehlungen|unsere empfehlungen|"
    r"related|more on this|more from|top[- ]?themen|meistgelesen|am meisten gelesen|"
    r"aktuelle nachrichten|neueste artikel)",
    re.IGNORECASE,
)


def _short_text(el: lxml.etree._Element, limit: int) -> str | None:
    """The element's text, or None as soon as it is longer than `limit` (cheap on big nodes)."""
    parts: list[str] = []
    size = 0
    for piece in map(str, el.itertext()):
        size += len(piece)
        if size > limit * 3:
            return None
        parts.append(piece)
    text = " ".join("".join(parts).split())
    return text if len(text) < limit else None


def _classes(el: lxml.etree._Element) -> str:
    return f"{el.get('class', '')} {el.get('itemprop', '')}".lower()


_CARD_CLASS = re.compile(r"\b(?:teaser|card|story)\b")


def _is_card_list(el: lxml.etree._Element) -> bool:
    """A block holding several cards: nested <article>s or several headline links."""
    if next(el.iterdescendants("article"), None) is not None:
        return True
    targets = {a.get("href") for a in el.iter("a") if a.get("href") and len(_text(a)) >= 15}
    return len(targets) > 1


def _card_teaser(card: lxml.etree._Element, base: str) -> Teaser | None:
    headings = [h for h in card.iter("h2", "h3", "h4", "h5") if not _KICKER.search(_classes(h))]
    heading = max(headings, key=lambda h: len(_text(h))) if headings else None
    links = [a for a in card.iter("a") if a.get("href")]
    if not links:
        return None
    link = None
    if heading is not None:
        link = next(heading.iterancestors("a"), None)
        if link is None:
            link = next((a for a in heading.iter("a") if a.get("href")), None)
    if link is None or not link.get("href"):
        link = max(links, key=lambda a: len(_text(a)))
    kicker_el = next((e for e in card.iter() if _KICKER.search(_classes(e))), None)
    kicker = _text(kicker_el) if kicker_el is not None else ""
    title = _text(heading) if heading is not None else _text(link)
    inside = heading is not None and kicker_el is not None and kicker_el in heading.iter()
    if kicker and inside and title.startswith(kicker):
        # <h3><span class="kicker">Verkehr</span> Headline</h3>: the kicker is not the title
        title = title[len(kicker) :].strip(" :–-")
    if kicker and not title.startswith(kicker) and len(kicker) < 60:
        title = f"{kicker.rstrip(':')}: {title}"
    summary = ""
    for el in card.iter("p", "div", "span"):
        text = _text(el)
        if (
            el is not kicker_el
            and len(text) >= 30
            and title not in text
            and (el.tag == "p" or _SUMMARY.search(_classes(el)))
        ):
            summary = text
            break
    return _make_teaser(link.get("href"), title, summary, base)


def _make_teaser(href: str | None, title: str, description: str, base: str) -> Teaser | None:
    url = http_url(href, base)
    title = one_line(title, 200)
    if url is None or len(title) < 12 or " " not in title or is_boilerplate_link(url, title):
        return None
    if re.search(r"^(?:anzeige|werbung|sponsored|advertorial)\b", title, re.IGNORECASE):
        return None
    return Teaser(
        url=canonical_url(url), title=title, description=one_line(description, 300), kind="related"
    )


def _related_containers(root: lxml.etree._Element) -> list[lxml.etree._Element]:
    found: list[lxml.etree._Element] = []
    for el in root.iter("h2", "h3", "h4", "h5", "h6", "span", "div", "p", "strong"):
        if len(el) > 3:
            continue
        label = _short_text(el, 70)
        if not (label and len(label) > 3 and _RELATED_HEADING.match(label)):
            continue
        container = el.getparent()
        for _ in range(4):
            if container is None:
                break
            if sum(1 for a in container.iter("a") if len(_text(a)) >= 15) >= 2:
                found.append(container)
                break
            container = container.getparent()
    return found


def page_teasers(
    tree: lxml.etree._Element,
    *,
    url: str,
    article_text_links: Iterable[str] = (),
    main: lxml.etree._Element | None = None,
    limit: int = 60,
) -> tuple[Teaser, ...]:
    """Related-article teasers of a page (kind "related"), in document order.

    `main` is the article's own element: its text links are inline teasers, not related.
    """
    chrome = _ChromeCache()
    skip = {canonical_url(u) for u in article_text_links} | {canonical_url(url)}
    found: list[Teaser] = []
    seen_links: set[lxml.etree._Element] = set()
    for el in tree.iter("article", "li", "div"):
        if len(found) >= limit * 2:
            break
        if el.tag != "article" and not _CARD_CLASS.search(_classes(el)):
            continue
        if main is not None and (
            el is main or any(a is main for a in el.iterdescendants("article", "main"))
        ):
            continue
        if el in seen_links or chrome.inside(el) or _is_card_list(el):
            continue
        teaser = _card_teaser(el, url)
        if teaser is not None:
            found.append(teaser)
            seen_links.update(el.iter())
    for container in _related_containers(tree):
        if chrome.inside(container):
            continue
        for a in container.iter("a"):
            if len(found) >= limit * 2:
                break
            if a in seen_links or not a.get("href") or chrome.inside(a):
                continue
            teaser = _make_teaser(a.get("href"), _text(a), a.get("title") or "", url)
            if teaser is not None:
                found.append(teaser)
    kept = [t for t in found if canonical_url(t.url) not in skip]
    return merge_teasers(kept)[:limit]


def chrome_link_urls(tree: lxml.etree._Element, *, url: str) -> set[str]:
    """Canonical URLs the page links from its chrome (menus, header, footer, tag lists)."""
    chrome = _ChromeCache()
    found: set[str] = set()
    for a in tree.iter("a"):
        href = a.get("href")
        if href and chrome.inside(a):
            target = http_url(href, url)
            if target:
                found.add(canonical_url(target))
    return found


def link_teasers(
    links: Iterable[tuple[str, str]], *, page_url: str, kind: TeaserKind = "inline"
) -> tuple[Teaser, ...]:
    """Teasers from (url, text) links found in article text; boilerplate and self-links go."""
    own = canonical_url(page_url)
    out: list[Teaser] = []
    for href, text in links:
        url = http_url(href, page_url)
        title = one_line(text, 200)
        if url is None or len(title) < 3 or is_boilerplate_link(url, title):
            continue
        if canonical_url(url) == own:
            continue
        out.append(Teaser(url=canonical_url(url), title=title, kind=kind))
    return merge_teasers(out)
