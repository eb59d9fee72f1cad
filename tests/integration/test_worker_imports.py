"""A refresh worker whose feeds all take the lxml fast path never imports feedparser (2.4 MB
of each worker's memory with what it brings), nor the modules only an odd feed needs (email's
date reader, HTML's entity table, calendar: 2 MB more); the first feed that needs feedparser
loads it, and is read by it.

Each case runs in a fresh interpreter set up as a parse worker is (worker_process.py refuses
ssl, then imports ingest), which stores the feeds with ingest_feeds, the worker's own job."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bench.farm import generate_feed

from newsreader.core.store.store import Store
from tests.support.feedgen import items, rss

# Prints, after each batch of feeds, which of these are loaded and the outcomes.
WORKER = """
HEAVY = ("feedparser", "email.utils", "html.entities", "calendar")
import json, sys
for module in ("ssl", "_ssl"):
    sys.modules.setdefault(module, None)
from newsreader.core.refresh.ingest import FeedJob, ingest_feeds
db, batches = sys.argv[1], json.loads(sys.argv[2])
for batch in batches:
    jobs = [
        FeedJob(feed_id, open(path, "rb").read(), url, {}, 200, None, None)
        for feed_id, path, url in batch
    ]
    outcomes = [(o.new_entries, o.error) for o in ingest_feeds(db, jobs)]
    print(json.dumps([[name for name in HEAVY if name in sys.modules], outcomes]))
"""

# Not well-formed (a stray "&"): only feedparser's loose parser reads it.
ILL_FORMED = (
    b'<rss version="2.0"><channel><title>Lokales</title><item><title>Rat & Tat</title>'
    b"<link>https://c.example/1</link></item></channel></rss>"
)
# Dates feedparser's readers read as nothing: read again as UTC, without email.utils.
ZONELESS = (
    b'<rss version="2.0"><channel><title>Lokales</title><item><title>Markt</title>'
    b"<link>https://z.example/1</link><pubDate>Tue, 07 Nov 2006 15:21:35</pubDate>"
    b"</item></channel></rss>"
)
# Well-formed, but dated in a form only feedparser's date readers know.
ODD_DATE = (
    b'<rss version="2.0"><channel><title>Lokales</title><item><title>Markt</title>'
    b"<link>https://d.example/1</link><pubDate>2025-06-05T10:00:00+0200</pubDate>"
    b"</item></channel></rss>"
)


def run_worker(tmp_path: Path, batches: list[list[tuple[str, bytes]]]) -> list[Any]:
    """Each batch is (url, body) pairs; the worker's report after each batch."""
    db = tmp_path / "cache.sqlite3"
    store = Store(db)
    jobs: list[list[tuple[int, str, str]]] = []
    for number, batch in enumerate(batches):
        jobs.append([])
        for index, (url, body) in enumerate(batch):
            path = tmp_path / f"feed-{number}-{index}.xml"
            path.write_bytes(body)
            jobs[-1].append((store.add_feed(url).id, str(path), url))
    store.close()
    out = subprocess.run(
        [sys.executable, "-c", WORKER, str(db), json.dumps(jobs)],
        capture_output=True,
        text=True,
        check=True,
    )
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_fast_path_feeds_leave_feedparser_unloaded_until_one_needs_it(tmp_path: Path) -> None:
    farm = [(f"https://www.farm{i}.example/feed.xml", generate_feed(i)) for i in range(3)]
    big = rss(items(3000, base="https://big.example"))  # stored as it is parsed
    assert len(big) > 1024 * 1024
    reports = run_worker(
        tmp_path,
        [
            [
                *farm,
                ("https://z.example/feed.xml", ZONELESS),
                ("https://big.example/feed.xml", big),
            ],
            [("https://c.example/feed.xml", ILL_FORMED)],
        ],
    )
    (fast_loaded, fast_outcomes), (slow_loaded, slow_outcomes) = reports
    assert fast_loaded == []
    assert [error for _, error in fast_outcomes] == [None] * 5
    assert fast_outcomes[-1][0] == 3000 and all(new > 0 for new, _ in fast_outcomes)
    assert "feedparser" in slow_loaded
    assert slow_outcomes == [[1, None]]


def test_an_odd_date_loads_feedparser_for_that_feed(tmp_path: Path) -> None:
    reports = run_worker(tmp_path, [[("https://d.example/feed.xml", ODD_DATE)]])
    ((loaded, outcomes),) = reports
    assert "feedparser" in loaded and outcomes == [[1, None]]


@pytest.mark.parametrize(
    "name",
    [
        "spiegel-online.rss",
        "heise-developer.atom",
        "rss2sample.xml",
        "radiobremen.de_podcast_chronik.xml",
        "podcast.heute.de_journal-audio.xml",
    ],
)
def test_corpus_feeds_on_the_fast_path_leave_feedparser_unloaded(
    corpus: Path, tmp_path: Path, name: str
) -> None:
    body = (corpus / "feeds" / name).read_bytes()
    ((loaded, outcomes),) = run_worker(tmp_path, [[("https://news.example/feed.xml", body)]])
    assert outcomes[0][1] is None and outcomes[0][0] > 0
    assert loaded == []


# A worker's start-up job, then what it loaded and whether its store is open.
WARM_UP = """
import json, sys
for module in ("ssl", "_ssl"):
    sys.modules.setdefault(module, None)
from newsreader.core.refresh import ingest
before = "newsreader.core.parse.feeds" in sys.modules
ingest.warm_up(sys.argv[1])
loaded = [m for m in ("newsreader.core.parse.feeds", "isal.igzip_lib", "feedparser")
          if m in sys.modules]
print(json.dumps([before, loaded, sorted(ingest._stores)]))
"""


def test_the_start_up_job_loads_the_parsers_and_opens_the_store(tmp_path: Path) -> None:
    """The parsers were imported by the first batch, with its bodies in and both cores free
    a moment before; the start-up job loads them (not feedparser) while the first responses
    are on their way, and opens the store the batches write to."""
    db = tmp_path / "cache.sqlite3"
    Store(db).close()
    out = subprocess.run(
        [sys.executable, "-c", WARM_UP, str(db)], capture_output=True, text=True, check=True
    )
    before, loaded, stores = json.loads(out.stdout)
    assert before is False
    assert loaded == ["newsreader.core.parse.feeds", "isal.igzip_lib"]
    assert stores == [str(db)]
