"""Teaser links: the stories a page offers to read next, each with headline, kicker, summary.

Order is meaning: links inside the article text first ("inline"), then the page's story
blocks ("related" kind: found in a page block), the blocks about this article before the
page's other lists (group "related", then "more"); the feed's own links are merged by the
caller. Block finding lives in teaser_blocks, headline cleaning in teaser_text, and the
rules for what is never a teaser in teaser_filters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

import lxml.etree

from newsreader.core.article_records import Teaser
from newsreader.core.extract.links import canonical_url, merge_teasers
from newsreader.core.extract.render import http_url, one_line
from newsreader.core.extract.teaser_blocks import (
    MORE_LABEL,
    NOT_TEASER_LABEL,
    RELATED_LABEL,
    Block,
    block_group,
    block_label,
    group_cards,
    is_topical,
    story_links,
)
from newsreader.core.extract.teaser_filters import (
    chrome_cache,
    is_boilerplate_link,
    same_site,
    site_of,
    url_identity,
)
from newsreader.core.extract.teaser_text import card_words, clean_line
from newsreader.core.models import TeaserKind

__all__ = [
    "chrome_link_urls",
    "is_boilerplate_link",
    "link_teasers",
    "own_urls",
    "page_teasers",
    "with_block_headlines",
]

_AD_TITLE = re.compile(r"^(?:anzeige|werbung|sponsored|advertorial|promotion)\b", re.IGNORECASE)


def own_urls(tree: lxml.etree._Element, url: str) -> list[str]:
    """The page's own address in every form it gives: the URL, canonical and og:url."""
    found = [url]
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower() and link.get("href"):
            found.append(http_url(link.get("href"), url) or url)
    for meta in tree.iter("meta"):
        if (meta.get("property") or meta.get("name")) == "og:url" and meta.get("content"):
            found.append(http_url(meta.get("content"), url) or url)
    return found


def _block_teasers(block: Block, main: lxml.etree._Element | None) -> list[Teaser]:
    label = block.label
    if label and NOT_TEASER_LABEL.search(label) and not is_topical(label):
        return []  # "Anzeige", "Mehr aus dem Web", "Newsletter"; "Mehr zum Thema Jobs" stays
    out: list[Teaser] = []
    short = 0
    for card in block.cards:
        words = card_words(card.element, card.link)
        title = one_line(words.title, 200)
        if len(title.split()) <= 2:
            short += 1
        if len(title) < 10 or " " not in title or _AD_TITLE.match(title):
            continue
        if is_boilerplate_link(card.url, title):
            continue
        out.append(
            Teaser(
                url=canonical_url(card.url),
                title=title,
                description=one_line(words.description, 300),
                kind="related",
                kicker=one_line(words.kicker, 80),
                block=one_line(label, 80),
                group=block.group,
            )
        )
    if short > len(block.cards) / 2 and not label:
        return []  # a run of one- and two-word links is a menu, not a story list
    if len(out) == 1 and not (label and (RELATED_LABEL.match(label) or MORE_LABEL.search(label))):
        in_main = main is not None and (
            block.container is main or any(a is main for a in block.container.iterancestors())
        )
        if not (in_main and len(out[0].title.split()) >= 4):
            return []
    return out


def page_teasers(
    tree: lxml.etree._Element,
    *,
    url: str,
    article_text_links: Iterable[str] = (),
    main: lxml.etree._Element | None = None,
    limit: int = 60,
) -> tuple[Teaser, ...]:
    """The page's story blocks as teasers (kind "related"): group "related" first, then "more".

    `main` is the article's own element: blocks inside it are about this article.
    """
    own = own_urls(tree, url)
    own_ids = frozenset(url_identity(u) for u in own)
    sites = frozenset(site_of(h) for u in own if (h := _host(u)))
    chrome = chrome_cache()
    links = story_links(tree, base=url, sites=sites, own=own_ids, in_chrome=chrome.inside)
    related: list[Teaser] = []
    more: list[Teaser] = []
    for block in group_cards(links):
        if len(related) + len(more) >= 2 * limit:
            break
        block.cards = block.cards[:limit]  # a reader looks at no more; reading them all is slow
        if not any(same_site(card.url, sites) for card in block.cards):
            continue  # a list of only other sites' stories: an ad or recommendation widget
        block.label = block_label(block)
        block.group = block_group(block, main)
        (related if block.group == "related" else more).extend(_block_teasers(block, main))
    del article_text_links  # kept for callers; page.py gives their anchors the block headlines
    kept = [t for t in (*related, *more) if url_identity(t.url) not in own_ids]
    return _without_card_headlines(merge_teasers(kept)[:limit])


def _without_card_headlines(teasers: Sequence[Teaser]) -> tuple[Teaser, ...]:
    """No block labelled by a card's own headline: on mopo.de the headline inside the card
    before a block (<a><h3>) was taken for its label, and the reader headed the block with a
    story's title, three times on one page (a helper's tour). The block stays as found (its
    label also decided its group); only the label goes."""
    headlines = [h for t in teasers if len(h := " ".join(t.title.split()).casefold()) >= 20]
    out = []
    for teaser in teasers:
        label = " ".join(teaser.block.split()).rstrip("…").casefold()
        if len(label) >= 20 and any(h.startswith(label) or label.startswith(h) for h in headlines):
            teaser = replace(teaser, block="")
        out.append(teaser)
    return tuple(out)


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0]


def chrome_link_urls(tree: lxml.etree._Element, *, url: str) -> set[str]:
    """Canonical URLs the page links from its chrome (menus, header, footer, tag lists)."""
    chrome = chrome_cache()
    found: set[str] = set()
    for a in tree.iter("a"):
        href = a.get("href")
        if href and chrome.inside(a):
            target = http_url(href, url)
            if target:
                found.add(canonical_url(target))
    return found


def with_block_headlines(inline: Iterable[Teaser], blocks: Iterable[Teaser]) -> tuple[Teaser, ...]:
    """Links in the text titled by the related card for the same story: a card's headline,
    kicker and summary say more than a link's anchor words."""
    cards = {url_identity(t.url): t for t in blocks if t.group == "related"}
    out = []
    for teaser in inline:
        card = cards.get(url_identity(teaser.url))
        if card is not None:
            teaser = replace(
                teaser,
                title=card.title,
                kicker=card.kicker,
                description=card.description or teaser.description,
            )
        out.append(teaser)
    return tuple(out)


def link_teasers(
    links: Iterable[tuple[str, str]],
    *,
    page_url: str,
    kind: TeaserKind = "inline",
    own: Iterable[str] = (),
) -> tuple[Teaser, ...]:
    """Teasers from (url, text) links found in article text; boilerplate and self-links go.

    `own` holds the page's other addresses (canonical, og:url)."""
    own_ids = {url_identity(u) for u in (page_url, *own)}
    out: list[Teaser] = []
    for href, text in links:
        url = http_url(href, page_url)
        title = one_line(text, 200)
        if url is None or len(title) < 3 or is_boilerplate_link(url, title):
            continue
        if url_identity(url) in own_ids:
            continue
        out.append(Teaser(url=canonical_url(url), title=clean_line(title) or title, kind=kind))
    return merge_teasers(out)
