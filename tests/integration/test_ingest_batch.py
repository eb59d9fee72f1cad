"""Feeds are parsed and stored in batches (refresh/ingest.py): a feed that crashes
feedparser's loose parser must come back as that feed's error, not take its batch down
with it (every feed of the batch recorded as failed, none of their entries stored)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsreader.core.errors import FeedParseError
from newsreader.core.parse.feeds import parse_feed
from newsreader.core.refresh.ingest import FeedJob, ingest_feeds
from newsreader.core.store.store import Store

GOOD = (
    b'<rss version="2.0"><channel><title>Gut</title><item><title>Eins</title>'
    b"<link>https://a.example/1</link></item></channel></rss>"
)
# Ill-formed, so feedparser's loose parser reads them; it then fails on its own.
CRASHING = {
    "surrogate_reference": b'<rss version="2.0"><channel><title>K</title><item>'
    b"<title>T &#55296;</title></item></channel></rss><junk",
    "namespace_with_a_space": b'<rss version="2.0" xmlns:c="http://c.example/a\xc2\xa0b">'
    b"<channel><title>K</title><item><c:x>1</c:x><title>T</title></item></channel></rss>",
}


@pytest.mark.parametrize("name", sorted(CRASHING))
def test_a_feed_feedparser_crashes_on_is_not_a_feed(name: str) -> None:
    with pytest.raises(FeedParseError):
        parse_feed(CRASHING[name], url="https://b.example/f.xml")


def test_a_crashing_feed_leaves_its_batch_alone(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    store = Store(path)
    good = store.add_feed("https://a.example/f.xml").id
    bad = store.add_feed("https://b.example/f.xml").id
    store.close()
    jobs = [
        FeedJob(good, GOOD, "https://a.example/f.xml", {}, 200, None, None),
        FeedJob(
            bad, CRASHING["surrogate_reference"], "https://b.example/f.xml", {}, 200, None, None
        ),
    ]
    outcomes = ingest_feeds(str(path), jobs)
    assert [o.feed_id for o in outcomes] == [good, bad]
    assert outcomes[0].error is None and outcomes[0].new_entries == 1
    assert outcomes[1].error
