"""Spellings of one address: a new subscription is stored as every spelling of it is."""

from __future__ import annotations

import pytest

from newsreader.core.net.urls import canonical_address


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("HTTP://Example.ORG/Feed.xml", "http://example.org/Feed.xml"),  # the path keeps case
        ("https://example.org/feed#oben", "https://example.org/feed"),
        ("https://example.org:443/feed", "https://example.org/feed"),
        ("http://127.0.0.1:08791/lokal.rss", "http://127.0.0.1:8791/lokal.rss"),
        ("https://example.org/a/./b/../feed.xml", "https://example.org/a/feed.xml"),
        ("https://example.org/a/b/..", "https://example.org/a/"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org/feed?page=1#x", "https://example.org/feed?page=1"),
        ("https://example.org/feed?", "https://example.org/feed?"),  # HTTP does not equate it
        ("http://[::1]:80/f", "http://[::1]/f"),
        ("https://user:pw@Example.org/f", "https://user:pw@example.org/f"),
        ("  https://example.org/f  ", "https://example.org/f"),
        ("ftp://Example.org/f", "ftp://Example.org/f"),  # not ours to respell
        ("https://example.org:99999/f", "https://example.org:99999/f"),  # does not parse
    ],
)
def test_canonical_address(typed: str, stored: str) -> None:
    assert canonical_address(typed) == stored
