"""The sample edition end to end: served over loopback, refreshed into a real store, extracted."""

from __future__ import annotations

import asyncio
import http.client
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from newsreader.core.config import Config
from newsreader.core.errors import FetchError
from newsreader.core.extract.page import extract_article
from newsreader.core.models import EntryFilter, EntrySummary
from newsreader.core.parse.feeds import parse_feed
from newsreader.core.refresh.on_demand import load_page
from newsreader.core.refresh.run import refresh
from newsreader.core.store.store import Store
from newsreader.core.subscribe.discovery import discover_feeds
from newsreader.core.subscribe.opml import parse_opml
from newsreader.demo.edition import data_file, load_edition
from newsreader.demo.run import prepare_demo
from newsreader.demo.server import DemoServer

SYNDICATED = "/artikel/aegidiimarkt-plaene-neuer-platz"
PLUS = "/artikel/mieten-muenster-wohnungsmarkt"


@dataclass
class Demo:
    server: DemoServer
    store: Store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data_dir = tmp_path_factory.mktemp("demo-data")
    server = prepare_demo(data_dir)
    store = Store.in_dir(data_dir)
    try:
        yield Demo(server, store)
    finally:
        store.close()
        server.stop()


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.request("GET", parts.path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def all_entries(store: Store, filt: EntryFilter | None = None) -> list[EntrySummary]:
    """Every version of every story (the syndicated one is a story in two feeds)."""
    return store.entries(replace(filt or EntryFilter(), one_per_story=False), limit=1000)


def test_server_serves_every_feed_page_index_and_opml(demo: Demo) -> None:
    server = demo.server
    feeds = server.feed_urls()
    assert len(feeds) >= 4
    for url, title, tags in feeds:
        status, headers, body = get(url)
        assert status == 200 and "xml" in headers["content-type"] and headers["etag"]
        parsed = parse_feed(body, url=url, headers=headers)
        assert parsed.entries and title and tags
    pages = server.article_urls()
    assert len(pages) >= 40
    for url in pages:
        status, headers, body = get(url)
        assert status == 200 and headers["content-type"].startswith("text/html")
        assert b"Mehr zum Thema" in body and b"Impressum" in body
    status, _, index = get(server.url("/"))
    assert status == 200
    found = {u for u, _ in discover_feeds(index, base_url=server.url("/"))}
    assert found == {url for url, _, _ in feeds}
    status, _, opml = get(server.url("/edition.opml"))
    listed = {f.url: f.tags for f in parse_opml(opml)}
    assert listed == {url: tags for url, _, tags in feeds}
    assert get(server.url("/artikel/gibt-es-nicht"))[0] == 404


def test_feeds_answer_conditional_get_with_304(demo: Demo) -> None:
    url = demo.server.feed_urls()[0][0]
    _, headers, _ = get(url)
    status, _, body = get(url, {"If-None-Match": headers["etag"]})
    assert status == 304 and body == b""
    assert get(url, {"If-None-Match": '"stale"'})[0] == 200
    # The store kept the validators from prepare_demo's refresh: a second refresh is all 304s.
    report = asyncio.run(refresh(demo.store, Config()))
    assert report.unchanged == len(demo.server.feed_urls()) and not report.failed


def test_prepare_demo_leaves_a_store_full_of_news(demo: Demo) -> None:
    feeds = demo.store.feeds()
    assert len(feeds) >= 4
    assert all(f.last_error is None and f.entries >= 8 for f in feeds)
    assert demo.store.count_entries() >= 40
    assert {t for f in feeds for t in f.tags} >= {"Münster", "Polizei", "Radio", "Zeitung"}
    now = datetime.now(UTC)
    for entry in all_entries(demo.store):
        assert now - timedelta(days=14) <= entry.published <= now


def test_each_feed_has_its_kind(demo: Demo) -> None:
    by_title = {f.title: f for f in demo.store.feeds()}

    def first(name: str) -> int:
        feed = next(f for t, f in by_title.items() if name in t)
        return all_entries(demo.store, EntryFilter(feed_id=feed.id))[0].id

    radio = demo.store.entry(first("Radio"))
    paper = demo.store.entry(first("Domstadt"))
    police = demo.store.entry(first("Polizei"))
    assert radio is not None and paper is not None and police is not None
    assert radio.content.count("<p>") >= 3  # full text as content:encoded
    assert paper.content == "" and paper.summary.count(". ") <= 2  # teaser only
    assert police.title.startswith("POL-MS: ") and police.summary.count("<p>") >= 3


def test_latin1_press_feed_keeps_its_umlauts(demo: Demo) -> None:
    url = next(u for u, t, _ in demo.server.feed_urls() if t.startswith("Stadt"))
    _, headers, body = get(url)
    assert body.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>')
    assert "iso-8859-1" in headers["content-type"].lower()
    assert "Hammer Straße".encode("iso-8859-1") in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    feed = demo.store.feed(url)
    assert feed is not None
    titles = {e.title for e in all_entries(demo.store, EntryFilter(feed_id=feed.id))}
    assert "Hammer Straße: Umbau zur Fahrradstraße beginnt am Montag" in titles
    assert "Ägidiimarkt: Stadt stellt Pläne für einen neuen Platz vor" in titles


def test_search_finds_umlaut_words_typed_without_them(demo: Demo) -> None:
    hits = all_entries(demo.store, EntryFilter(search="Muenster"))
    assert len(hits) >= 5
    assert any("Münster" in e.title for e in hits)
    assert {e.title for e in all_entries(demo.store, EntryFilter(search="aegidiimarkt"))} >= {
        "Ägidiimarkt: Stadt stellt Pläne für einen neuen Platz vor"
    }
    assert all_entries(demo.store, EntryFilter(search="Fahrradstrasse"))


def test_syndicated_story_is_in_two_feeds(demo: Demo) -> None:
    url = demo.server.url(SYNDICATED)
    same = [e for e in all_entries(demo.store) if e.url == url]
    assert len(same) == 2
    assert len({e.feed_id for e in same}) == 2
    assert {e.feed_title.split(" – ")[0] for e in same} == {"Stadt Münster", "Domstadt-Kurier"}
    # One story once (issue 14): the reader and `articles` list it once, with both versions.
    (listed,) = [e for e in demo.store.entries(limit=1000) if e.url == url]
    assert listed.versions == 2 and listed.cluster_id is not None


def test_article_page_gives_full_text_and_teasers_inside_the_edition(demo: Demo) -> None:
    url = demo.server.url("/artikel/hammer-strasse-fahrradstrasse")
    _, _, html = get(url)
    page = extract_article(html, url=url)
    assert page.text is not None and not page.paywalled
    assert "Der nördliche Abschnitt der Hammer Straße" in page.text  # the lead
    assert "Baustellensprechstunde" in page.text  # the last paragraph
    assert "Artikel teilen" not in page.text and "Weitere Nachrichten" not in page.text
    inside = [t for t in page.teasers if t.url.startswith(demo.server.url("/artikel/"))]
    assert len(inside) >= 3
    assert all(t.title and t.description for t in inside)
    for teaser in inside:
        assert get(teaser.url)[0] == 200
    assert any(urlsplit(t.url).hostname == "demo-extern.invalid" for t in page.teasers)


def test_plus_article_is_paywalled_once_its_page_is_loaded(demo: Demo) -> None:
    url = demo.server.url(PLUS)
    before = next(e for e in all_entries(demo.store) if e.url == url)
    assert not before.paywalled  # the feed does not say so; the page does
    page = asyncio.run(load_page(demo.store, url, config=Config()))
    assert page.paywalled
    assert page.text is not None and "dickes Portemonnaie" in page.text
    assert "Weiterlesen" not in page.text and "0,99" not in page.text
    entry = demo.store.entry(before.id)
    assert entry is not None and entry.paywalled


def test_outside_teaser_fails_with_a_clean_fetch_error(demo: Demo) -> None:
    url = demo.server.url("/artikel/bahnstrecke-muenster-hamm-sperrung")
    _, _, html = get(url)
    outside = [
        t.url
        for t in extract_article(html, url=url).teasers
        if not t.url.startswith(demo.server.url("/"))
    ]
    assert outside
    with pytest.raises(FetchError) as caught:
        asyncio.run(load_page(demo.store, outside[0], config=Config()))
    message = str(caught.value)
    assert "demo-extern.invalid" in message and "\n" not in message
    assert demo.store.page(outside[0]) is None


def test_stopped_server_refuses_connections() -> None:
    server = DemoServer().start()
    url = server.url("/")
    assert get(url)[0] == 200
    server.stop()
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        urllib.request.urlopen(url, timeout=5)


def test_edition_is_small_text_dated_relative_to_start() -> None:
    folder = Path(str(data_file("edition.toml"))).parent
    files = [p for p in folder.iterdir() if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 1_000_000
    for path in files:
        path.read_bytes().decode("utf-8")  # text, no binaries
    start = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    edition = load_edition(start)
    assert len(edition.articles) >= 40
    assert sum(a.plus for a in edition.articles) == 1
    assert all(start - timedelta(days=14) <= a.published <= start for a in edition.articles)
    assert all(edition.article(r) or edition.extern(r) for a in edition.articles for r in a.related)
