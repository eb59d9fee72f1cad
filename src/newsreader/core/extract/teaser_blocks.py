"""Story lists on a page, found by structure: a label, then a run of sibling story cards.

Every link to a story of the same site (an id, a dated path or a slug) that sits outside page
chrome is a candidate. Its card is the largest element around it that holds no other story;
cards that share a parent form a block; the block's label is the short heading just before or
at the top of it. Groups follow TEASERS.md: a block about this article's topic, or inside it,
is "related"; most-read, latest and the site's other lists are "more".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import lxml.etree

from newsreader.core.extract.render import http_url
from newsreader.core.extract.teaser_filters import (
    is_boilerplate_link,
    looks_like_story,
    url_identity,
)
from newsreader.core.extract.teaser_text import is_hidden, visible_text
from newsreader.core.models import TeaserGroup

_CARD_TEXT_LIMIT = 700  # a card with more text than this is a page region, not a teaser
_LABEL_LIMIT = 80

RELATED_LABEL = re.compile(
    r"^(?:mehr zum thema|zum thema|passend zum thema|mehr dazu|mehr zu\b|lesen sie (?:auch|mehr|"
    r"dazu|hier)|auch interessant|ebenfalls interessant|das (?:könnte|dürfte) (?:sie|dich) "
    r"(?:auch |ebenfalls )?interessieren|(?:sie|dich) könnte auch interessieren|"
    r"verwandte|ähnliche|weitere (?:artikel|beiträge|meldungen|berichte|texte|nachrichten|"
    r"news|themen|stories|geschichten)|mehr (?:aus|von|über|nachrichten|artikel|beiträge|"
    r"zu)\b|erfahren sie mehr|hintergrund|related|more on|more about|read more|see also|"
    r"siehe auch|empfehlungen zum|highlights)",
    re.IGNORECASE,
)
MORE_LABEL = re.compile(
    r"(?:meist(?:gelesen|kommentiert|diskutiert|geteilt|gesehen|geklickt)|am meisten|"
    r"meistgelesene|beliebt|populär|top[- ]?(?:themen|news|artikel|beiträge|meldungen|"
    r"stories|nachrichten|\d+)|^top\b|neueste|neuste|aktuell|neu in|neu auf|zuletzt|"
    r"letzte (?:meldungen|artikel|nachrichten)|latest|most (?:read|popular|viewed)|trending|"
    r"leser empfehlen|empfehlungen der redaktion|redaktion empfiehlt|breaking|eilmeldung|"
    r"ticker|nächste[rn]? (?:artikel|beitrag)|vorherige[rn]? (?:artikel|beitrag)|"
    r"^(?:weiter|zurück)$|schlagzeilen|nachrichten aus)",
    re.IGNORECASE,
)
NOT_TEASER_LABEL = re.compile(
    r"anzeige|werbung|sponsored|gesponsert|promoted|partner|mehr aus dem (?:web|netz)|"
    r"aus dem (?:web|netz)|rund ums web|newsletter|podcast|jobs?\b|stellen|immobilien|"
    r"kleinanzeigen|shop|angebot|gutschein|abo\b|abonnement|e-?paper|app\b|apps\b|"
    r"service|kontakt|impressum|folgen sie|social|teilen|kommentare|wetter|verkehr(?:slage)?$",
    re.IGNORECASE,
)
_SIDEBAR = re.compile(r"sidebar|side-?bar|aside|rail|marginal|sidecol|col-?right|widget")
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_LABEL_TAGS = frozenset({"div", "p", "span", "strong", "b", "header", "label", "legend", "dt"})
_LABEL_CLASS = re.compile(r"head|title|label|caption|heading|ueberschrift|rubric")


@dataclass
class Card:
    link: lxml.etree._Element
    url: str
    element: lxml.etree._Element


@dataclass
class Block:
    container: lxml.etree._Element
    cards: list[Card] = field(default_factory=list)
    label: str = ""
    group: TeaserGroup = "more"


def story_links(
    tree: lxml.etree._Element,
    *,
    base: str,
    sites: frozenset[str],
    own: frozenset[str],
    in_chrome: Callable[[lxml.etree._Element], bool],
    limit: int = 300,
) -> list[tuple[lxml.etree._Element, str]]:
    """(link, absolute URL) of every story link outside chrome, in page order."""
    found = []
    for a in tree.iter("a"):
        href = a.get("href")
        if not href or href.startswith("#") or in_chrome(a):
            continue
        url = http_url(href, base)
        if url is None or not looks_like_story(url):
            continue  # other sites' stories count only in a block with the site's own
        text = " ".join("".join(str(t) for t in a.itertext()).split())
        if url_identity(url) in own or is_boilerplate_link(url, text):
            continue
        found.append((a, url))
        if len(found) >= limit:
            break  # enough for any reader; a page with more is a front page or an archive
    return found


def _is_prose_link(a: lxml.etree._Element) -> bool:
    """A link inside running text: the paragraph says much more than the link."""
    parent = a.getparent()
    while parent is not None and parent.tag in ("strong", "b", "em", "i", "span", "u"):
        parent = parent.getparent()
    if parent is None or parent.tag not in ("p", "li", "td", "dd", "blockquote"):
        return False
    text = visible_text(parent)
    return len(text) > 160 and len(visible_text(a)) < 0.5 * len(text)


def group_cards(links: list[tuple[lxml.etree._Element, str]]) -> list[Block]:
    """Cards (largest element around one story) grouped by their parent, in page order."""
    targets: dict[lxml.etree._Element, set[str]] = {}
    chains: list[list[lxml.etree._Element]] = []
    for a, url in links:
        chain = list(a.iterancestors())
        chains.append(chain)
        key = url_identity(url)
        for el in chain:
            targets.setdefault(el, set()).add(key)
    key_of = {id(a): url_identity(url) for a, url in links}
    blocks: dict[lxml.etree._Element, Block] = {}
    seen: set[lxml.etree._Element] = set()
    for (a, url), chain in zip(links, chains, strict=True):
        if _is_prose_link(a):
            continue
        card = a
        for el in chain:
            if len(targets[el]) > 1 or el.tag in ("body", "html", "main"):
                break
            if _has_own_heading(el, card):
                break  # a heading beside the card labels its block (a block of one)
            if len(visible_text(el)) > _CARD_TEXT_LIMIT:
                break
            if card is not a and _linked_peers(el, card, key_of[id(a)]):
                break  # one item of a list whose other items link elsewhere
            card = el
        if card in seen:
            continue
        seen.add(card)
        parent = card.getparent()
        if parent is None:
            continue
        block = blocks.setdefault(parent, Block(container=parent))
        block.cards.append(Card(link=a, url=url, element=card))
    return list(blocks.values())


def _linked_peers(el: lxml.etree._Element, card: lxml.etree._Element, key: str) -> bool:
    """Does `el` hold, beside `card`, an element of card's kind that links to another page?
    Then `card` is an item of a list, though no other item's link passed as a story (a
    one-word path, say), and the card ends at it: grown to the list, it took the first
    item's kicker and summary for its own, and the items themselves were lost."""
    for peer in el:
        if peer is card or peer.tag != card.tag:
            continue
        for link in peer.iter("a"):
            href = link.get("href")
            if href and not href.startswith("#") and url_identity(href) != key:
                return True
    return False


def _has_own_heading(el: lxml.etree._Element, card: lxml.etree._Element) -> bool:
    """Does `el` hold a heading outside `card` (the label of a block of one)?"""
    for heading in el.iter():
        tag = heading.tag if isinstance(heading.tag, str) else ""
        if tag not in _HEADING_TAGS and not (
            tag in _LABEL_TAGS
            and _LABEL_CLASS.search(heading.get("class", "").lower())
            and _short_label(heading)
        ):
            continue
        inside_card = heading is card or any(x is card for x in heading.iterancestors())
        if not inside_card and not any(x is heading for x in card.iterancestors()):
            return True
    return False


def _short_label(el: lxml.etree._Element) -> str | None:
    if is_hidden(el) or (next(el.iter("a"), None) is not None and el.tag not in _HEADING_TAGS):
        return None
    text = " ".join("".join(str(t) for t in el.itertext()).split())
    if not 2 < len(text) <= _LABEL_LIMIT:
        return None
    return text.strip(" :»›")


def _heading_in(el: lxml.etree._Element, stop: lxml.etree._Element | None) -> str | None:
    """The first heading-like element in `el` (before `stop`, when given)."""
    for node in el.iter():
        if node is stop:
            return None
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _HEADING_TAGS or (
            tag in ("div", "span", "p", "strong", "b", "header", "legend", "caption")
            and _LABEL_CLASS.search(node.get("class", "").lower())
        ):
            label = _short_label(node)
            if label:
                return label
    return None


def block_label(block: Block) -> str:
    """The label just before the block's first card, inside it or before it (3 levels up)."""
    first = block.cards[0].element
    node = block.container
    label = _heading_in(node, first)
    for _ in range(3):
        if label:
            return label
        for sibling in node.itersiblings(preceding=True):
            if not isinstance(sibling.tag, str):
                continue
            if sibling.tag in _HEADING_TAGS or (sibling.tag in _LABEL_TAGS and len(sibling) <= 2):
                label = _short_label(sibling)  # a short element alone: a heading or a label
            break
        if label:
            return label
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        if sum(1 for _ in parent.iter("a")) > 4 * max(1, sum(1 for _ in node.iter("a"))):
            break  # the parent holds much more than this block: its heading is not ours
        label = _heading_in(parent, node)
        node = parent
    # "Lesen Sie auch: <a>Headline</a>": the card names its block itself
    text = visible_text(first)
    link = visible_text(block.cards[0].link)
    if link and text.startswith(link) is False and text.find(link) > 0:
        prefix = text[: text.find(link)].strip(" :»›")
        if prefix and len(prefix) <= _LABEL_LIMIT and RELATED_LABEL.match(prefix):
            return prefix
    return label or ""


def in_sidebar(el: lxml.etree._Element) -> bool:
    for node in (el, *el.iterancestors()):
        if node.tag == "aside" and _SIDEBAR.search(f"{node.get('class', '')} {node.get('id', '')}"):
            return True
        names = f"{node.get('class', '')} {node.get('id', '')}".lower()
        if names.strip() and _SIDEBAR.search(names) and node.tag != "aside":
            return True
    return False


def block_group(block: Block, main: lxml.etree._Element | None) -> TeaserGroup:
    label = block.label
    if (
        label
        and MORE_LABEL.search(label)
        and not is_topical(label)
        and (not RELATED_LABEL.match(label) or in_sidebar(block.container))
    ):
        return "more"
    if label and RELATED_LABEL.match(label):
        return "more" if in_sidebar(block.container) and not is_topical(label) else "related"
    if main is not None and (
        block.container is main or any(a is main for a in block.container.iterancestors())
    ):
        return "related"
    return "more"


def is_topical(label: str) -> bool:
    return bool(
        re.match(
            r"^(?:mehr zum thema|zum thema|passend|lesen sie|verwandte|ähnliche|auch interessant|"
            r"das (?:könnte|dürfte))",
            label,
            re.IGNORECASE,
        )
    )
