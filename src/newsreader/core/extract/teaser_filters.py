"""Which links are never teasers: page chrome, services, adverts, other sites, section pages.

Rules go by structure (tags, roles, class-name words every CMS uses) and by generic German and
English vocabulary, never by a publisher's name.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import lxml.etree

from newsreader.core.extract.links import canonical_url
from newsreader.core.extract.render import http_url, word_set

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
    r"jetzt (?:\w+ )?(?:testen|bestellen|sichern|herunterladen|downloaden|abonnieren)|"
    r"\bteilen auf\b|\bshare on\b|cookie|datenschutz|impressum|^©|\(c\)|vervielfältigung|"
    r"alle rechte vorbehalten|\bwochen (?:lang|gratis|kostenlos|testen)|digitale? ausgabe|"
    r"probe-?abo|\bepaper\b|e-paper|\bapp\b.{0,30}(?:laden|herunter|download|installieren)|"
    r"(?:app store|google play)|^(?:jetzt|hier) (?:abonnieren|bestellen|anmelden)|"
    r"\bgutschein|\brabatt|\bangebot des tages",
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
    "tags taglist topics keywords dirlink megamenu mega dropdown flyout burger hamburger "
    "outbrain taboola plista ligatus adsense adslot adition werbung sponsoring partner "
    "partners affiliate commercial marketing traffic weather wetter copylink clipboard "
    "pagination pager"
)
_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "menu", "menubar"})
_SPLIT = re.compile(r"[\s_-]+")


def _is_chrome(el: lxml.etree._Element) -> bool:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in ("nav", "form", "menu", "dialog"):
        return True
    names = f"{el.get('class', '')} {el.get('id', '')}".lower()
    if tag == "footer" and "article" not in names and not _in_content(el):
        return True
    if el.get("role") in _ROLES:
        return True
    if tag in ("article", "main", "body", "html"):
        return False  # their classes name the story ("tag-politik"), not a widget
    if "ob-widget" in names or "trc_" in names or "OUTBRAIN" in el.get("class", ""):
        return True
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


def chrome_cache() -> _ChromeCache:
    return _ChromeCache()


# A story's address: an id (5+ digits, "!5655255", ";art114,3177663"), a dated path, or a
# slug of at least three words. Section and topic pages have none of these.
_STORY_PATH = re.compile(
    r"\d{5,}|/\d{4}/\d{1,2}/|(?:[^\W_]+[-_]){2,}[^\W_]+|![0-9]{4,}|;art\d+",
)


_ID_SEGMENT = re.compile(r"/[^/]+/(?:\d{1,4}|[a-z]?\d+[a-z]?)(?:\.\w{2,5})?/?$", re.IGNORECASE)
_DEEP_SLUG = re.compile(
    r"^/[^/]+/[^/]+/[^/]*[^\W_]-[^\W_][^/]*/?$"
)  # /nrw/radverkehr/foerder-radwege
_PAGER_SEGMENT = re.compile(r"/(?:page|seite|p|s|tag|jahr|year|archiv|archive)/\d+/?$", re.I)


def looks_like_story(url: str) -> bool:
    """A slug, an id or a dated path; also a short numeric id below a section ("/artikel/7")."""
    path = urlsplit(url).path
    if _STORY_PATH.search(path) or _DEEP_SLUG.search(path):
        return True
    return bool(_ID_SEGMENT.search(path)) and not _PAGER_SEGMENT.search(path)


def site_of(host: str) -> str:
    """The registrable part of a host: "www.heise.de" -> "heise.de" (an IP stays whole)."""
    host = host.lower().split(":")[0]
    if host.replace(".", "").isdigit() or host == "localhost":
        return host
    labels = host.split(".")
    if (
        len(labels) > 2
        and len(labels[-2]) <= 3
        and labels[-2] in ("co", "com", "or", "org", "gv", "ac", "net")
    ):
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def same_site(url: str, sites: frozenset[str]) -> bool:
    return site_of(urlsplit(url).hostname or "") in sites


def url_identity(url: str) -> str:
    """Path and query without tracking or trailing slash: one story under any host or scheme."""
    parts = urlsplit(canonical_url(url))
    path = parts.path.rstrip("/") or "/"
    return f"{path}?{parts.query}" if parts.query else path
