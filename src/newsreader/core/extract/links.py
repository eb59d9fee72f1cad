"""Teaser identity: the canonical URL, and merging teaser groups by it.

Kept free of lxml so the store (and with it the reader's start-up) does not load an HTML
parser just to merge teasers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:  # types only (the reader's start-up does without them)
    from newsreader.core.article_records import Teaser

_TRACKING_PARAMS = re.compile(
    r"^(?:utm_\w*|fbclid|gclid|dclid|yclid|msclkid|mc_cid|mc_eid|igshid|mkt_tok|_ga|_gl|"
    r"wt_mc|wt_zmc|wt\.mc_id|xtor|at_\w+|ns_\w+|sc_\w+|s_cid|icid|ito|ref|ref_src|referrer|"
    r"cmp|campaign|spm|share|shared|smid|ocid|sara_\w+|dicbo|ftag|tracking\w*)$",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def canonical_url(url: str) -> str:
    """The URL teasers are deduplicated by: no fragment, no tracking parameters."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if port and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = [(k, v) for k, v in query if not _TRACKING_PARAMS.match(k)]
    return urlunsplit((scheme, host, parts.path or "/", urlencode(kept), ""))


def merge_teasers(*groups: Iterable[Teaser]) -> tuple[Teaser, ...]:
    """Concatenate groups in order, keeping the first teaser per canonical URL.

    A kept teaser without description borrows one from a later duplicate.
    """
    order: list[str] = []
    kept: dict[str, Teaser] = {}
    for group in groups:
        for teaser in group:
            key = canonical_url(teaser.url)
            first = kept.get(key)
            if first is None:
                kept[key] = teaser
                order.append(key)
            elif not first.description and teaser.description:
                kept[key] = replace(first, description=teaser.description)
    return tuple(kept[key] for key in order)
