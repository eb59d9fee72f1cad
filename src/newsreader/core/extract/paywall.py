"""Recognise paywalled articles, so we show the free teaser and never the payment wall.

We only *detect* paywalls: nothing here tries to get around one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import lxml.etree

from newsreader.core.extract.render import word_set, xpath_list

# "Plus"-style markers as publishers put them into titles and categories: "SZ Plus", "F+",
# "RP+", "WAZ+", "SPIEGEL+", "(Abo)", "Innenstadt | Plus". A "plus" inside a word
# (Pluspunkt), as an ordinary word ("Plus 3 Grad") or in arithmetic ("C++") does not count.
_PAYWALL = re.compile(
    r"(?<![\w+])[A-ZÄÖÜ]{1,8}\+(?![\w+])"  # F+, RP+, WAZ+, S+
    r"|\b(?:SZ|ZEIT|BILD|WELT|NZZ|FAZ|MOPO|HAZ)\s*[Pp]lus\b"
    r"|^\s*(?:Plus|Abo|Premium)\s*$"
    r"|[\[(](?:Plus|Abo|Premium)[\])]"
    r"|^\s*(?:Plus|Abo)\s*[:|–—]"
    r"|[|–—]\s*(?:Plus|Abo)\s*$"
)


def title_marks_paywall(text: str) -> bool:
    """True when a title or category carries a publisher's paid-content marker."""
    return _may_mark(text) and _PAYWALL.search(text) is not None


def any_marks_paywall(texts: tuple[str, ...]) -> bool:
    """title_marks_paywall of any of `texts` (an item's title and categories), their hints
    looked for in one go: a hint cannot span the line feed between two of them."""
    return _may_mark("\n".join(texts)) and any(map(title_marks_paywall, texts))


def _may_mark(text: str) -> bool:
    """Every marker has a "+", "lus", "Abo" or "Premium": most titles need no regex at all."""
    return "+" in text or "lus" in text or "Abo" in text or "Premium" in text


# The box that replaces the rest of a paid article ("wall"), and the ads for subscriptions
# that free articles carry too ("promo"). Both are dropped from text; only a wall means paywall.
_WALL = re.compile(
    r"weiterlesen\s+mit|lesen\s+sie\s+(?:jetzt\s+)?weiter\s+mit|jetzt\s+weiterlesen|"
    r"wählen\s+sie\s+ihr(?:en)?\s+zugang|(?:sie\s+sind\s+)?bereits\s+(?:abonnent|registriert)|"
    r"haben\s+sie\s+bereits\s+ein|"
    r"(?:artikel|beitrag|inhalt|text)\s+ist\s+(?:nur\s+)?(?:für|abonnenten|exklusiv)|"
    r"um\s+(?:diesen|den\s+(?:ganzen|vollständigen))\s+(?:artikel|beitrag|text)\s+(?:zu\s+)?lesen|"
    r"(?:artikel|beitrag|text)\s+(?:vollständig|komplett)\s+lesen|"
    r"exklusiv\s+für\s+(?:abonnent|plus)|nur\s+für\s+abonnent|"
    r"subscribe\s+to\s+(?:continue|read)|already\s+a\s+subscriber|"
    r"(?:freischalten|entsperren)\b",
    re.IGNORECASE,
)
_PROMO = re.compile(
    r"jetzt\s+(?:\w+\s+)?(?:abonnieren|testen|registrieren|bestellen|sichern)|"
    r"(?:probe|digital|plus|online|zeit|e-paper|mini)[\s-]?abo\b|abo\s+abschließen|"
    r"(?:monat|woche)e?\s+(?:für|zum\s+preis\s+von)?\s*(?:nur\s+)?\d+[,.]?\d*\s*(?:€|euro)|"
    r"\d+[,.]\d\d\s*(?:€|euro)\s*(?:pro|im|/)\s*(?:monat|woche)|"
    r"mit\s+(?:spiegel|sz|faz|zeit|rp|waz|nz)\s?(?:\+|plus)|kündbar|"
    r"unbegrenzte[nr]?\s+zugang|alle\s+artikel\s+lesen|und\s+vorteile\s+sichern",
    re.IGNORECASE,
)
_NOTICE_WEAK = re.compile(
    r"\babo(?:nnement|nnent|nnieren)?s?\b|\bzugang\b|\bregistrier|\banmelden\b|\blogin\b|"
    r"\bpaywall\b|\bsubscri|\bpremium\b|\bplus\b|\bkostenlos\b|\bgratis\b|\bangebot\b|\btesten\b",
    re.IGNORECASE,
)


def is_paywall_notice(paragraph: str) -> bool:
    """A paragraph that says the rest of the article needs a subscription."""
    text = paragraph.strip()
    return bool(text) and len(text) < 600 and bool(_WALL.search(text))


def is_subscription_notice(paragraph: str) -> bool:
    """A paragraph that sells access instead of telling the story."""
    text = paragraph.strip()
    if not text:
        return False
    strong = len(_WALL.findall(text)) + len(_PROMO.findall(text))
    if len(text) < 400:
        return strong >= 1 or len(_NOTICE_WEAK.findall(text)) >= 3
    return strong >= 2


# Frequent short words of German, English and French running text. Letter-shifted text has
# almost none of them, and shifting it back reveals many.
_COMMON_WORDS = word_set(
    "der die das und in zu den von mit ist im nicht sich auf für dem des ein eine als auch es "
    "an er sie so wie bei aus nach wird hat noch wir am um über vor dass sind war einer zum "
    "zur the of and to in is that for it on was with as be by at this are from or not have le "
    "la les et des un une est du en que qui dans pour pas sur"
)
_WORD = re.compile(r"[^\W\d_]+")


def _common_share(words: list[str]) -> float:
    return sum(w in _COMMON_WORDS for w in words) / len(words)


def _shift(word: str, by: int) -> str:
    out = []
    for ch in word:
        if "a" <= ch <= "z":
            out.append(chr((ord(ch) - 97 + by) % 26 + 97))
        else:
            out.append(ch)
    return "".join(out)


def looks_obfuscated(text: str) -> bool:
    """True for scrambled (e.g. letter-shifted) paywall text that would read as gibberish."""
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 12:
        return False
    share = _common_share(words)
    if share >= 0.08:
        return False
    sample = words[:400]
    shifted = max(_common_share([_shift(w, by) for w in sample]) for by in (-2, -1, 1, 2))
    if shifted >= 0.12:
        return True
    # Not a simple shift, but no running text either: a page of random-looking letters.
    vowels = sum(ch in "aeiouäöüy" for w in sample for ch in w)
    letters = sum(len(w) for w in sample)
    return share < 0.02 and letters > 0 and not 0.25 <= vowels / letters <= 0.55


def _json_ld(tree: lxml.etree._Element) -> Iterator[Any]:
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        raw = script.text or ""
        if "isAccessibleForFree" not in raw and "isaccessibleforfree" not in raw.lower():
            continue
        try:
            yield json.loads(raw.strip().rstrip(";"))
        except ValueError:
            # Broken JSON-LD still says what it says.
            if re.search(r'"isAccessibleForFree"\s*:\s*"?false', raw, re.IGNORECASE):
                yield {"isAccessibleForFree": False}


def _walk_not_free(node: Any, depth: int = 0) -> bool:
    if depth > 12:
        return False
    if isinstance(node, list):
        return any(_walk_not_free(item, depth + 1) for item in node)
    if not isinstance(node, dict):
        return False
    for key, value in node.items():
        if key.lower() == "isaccessibleforfree" and str(value).strip().lower() in ("false", "0"):
            return True
        if isinstance(value, dict | list) and _walk_not_free(value, depth + 1):
            return True
    return False


def json_ld_not_free(tree: lxml.etree._Element) -> bool:
    """schema.org says isAccessibleForFree: false anywhere (also in @graph or hasPart)."""
    return any(_walk_not_free(doc) for doc in _json_ld(tree))


_PAGE_MARKER_XPATH = (
    "//meta[@property='article:content_tier' or @name='article:content_tier']/@content"
    " | //meta[@name='paywall' or @property='paywall' or @name='isAccessibleForFree']/@content"
)


def page_is_paywalled(tree: lxml.etree._Element, text: str) -> bool:
    """Does the page (markup or extracted text) say this article is behind a paywall?"""
    if json_ld_not_free(tree):
        return True
    for value in xpath_list(tree, _PAGE_MARKER_XPATH):
        v = str(value).strip().lower()
        if v in ("locked", "metered", "premium", "true", "paid", "false"):
            # "false" here is isAccessibleForFree; "true" is paywall=true.
            return True
    for og in xpath_list(tree, "//meta[@property='og:title' or @name='twitter:title']/@content"):
        if title_marks_paywall(str(og)):
            return True
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if not paragraphs:
        return False
    notice = sum(len(p) for p in paragraphs if is_subscription_notice(p))
    return notice * 2 >= sum(len(p) for p in paragraphs) or looks_obfuscated(text)
