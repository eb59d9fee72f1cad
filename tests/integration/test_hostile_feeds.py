"""Hostile feeds in one refresh: each fails (or parses) on its own, the rest are stored."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

import pytest

from newsreader.core.config import Config, NetworkConfig
from newsreader.core.models import EntryFilter
from newsreader.core.refresh.run import refresh
from newsreader.core.store.store import Store
from tests.support.feedgen import BASE_TIME, Item, items, rss
from tests.support.hostile_feeds import BILLION_LAUGHS, XXE, closed_port
from tests.support.loopback import LoopbackServer


@pytest.mark.timeout(180)
def test_hostile_farm_one_refresh(server: LoopbackServer, tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3")
    good = store.add_feed(server.route("/good.xml", rss(items(3))))
    asyncio.run(refresh(store, Config()))  # something stored before the storm
    server.route("/good.xml", rss(items(4)))
    dupes = [Item(title=f"Doppelt {i}", link=f"http://e/{i}", guid="same") for i in range(3)]
    weird_dates = [
        Item(
            title="Jahr 1",
            link="http://e/y1",
            guid="y1",
            extra="<pubDate>Mon, 01 Jan 0001 00:00:00 GMT</pubDate>",
        ),
        Item(
            title="Jahr 9999",
            link="http://e/y9",
            guid="y9",
            extra="<pubDate>Fri, 31 Dec 9999 23:59:59 GMT</pubDate>",
        ),
    ]
    routes = {
        "laughs": server.route("/laughs.xml", BILLION_LAUGHS),
        "xxe": server.route("/xxe.xml", XXE),
        "bomb": server.route("/bomb.xml", b"<rss>" + b" " * (60 * 1024 * 1024), gzip=True),
        "huge": server.route("/huge.xml", b"<rss>" + b"x" * (12 * 1024 * 1024)),
        "trickle": server.route("/trickle.xml", rss(items(2)), trickle=1.0),
        "loop": server.route(
            "/loop.xml", b"", status=302, headers={"Location": server.url("/loop.xml")}
        ),
        "file": server.route(
            "/file.xml", b"", status=302, headers={"Location": "file:///etc/passwd"}
        ),
        "nul": server.route("/nul.xml", rss(items(2)).replace(b"Kurzfassung", b"Kurz\x00fassung")),
        "badutf8": server.route(
            "/bad.xml", rss(items(2)).replace(b"Stra\xc3\x9fe", b"Stra\xff\xfee")
        ),
        "dupes": server.route("/dupes.xml", rss(dupes)),
        "dates": server.route("/dates.xml", rss(weird_dates)),
        "empty": server.route("/empty.xml", rss([])),
        "html": server.route(
            "/html.xml", b"<html><body>Wartung</body></html>", content_type="text/html"
        ),
        "refused": f"http://127.0.0.1:{closed_port()}/feed.xml",
        "unresolvable": "http://feed.example.invalid/rss",
    }
    for url in routes.values():
        store.add_feed(url)
    # a byte a second never trips the read timeout; the total one stops the trickle
    config = Config(network=NetworkConfig(read_timeout=3.0, total_timeout=4.0, retries=0))
    report = asyncio.run(refresh(store, config))
    failed = {url: error for url, error in report.failed}
    for name in ("bomb", "huge", "loop", "file", "html", "refused", "unresolvable", "trickle"):
        error = failed[routes[name]]
        assert "\n" not in error and "Traceback" not in error, (name, error)
    assert "10 MB" in failed[routes["bomb"]] and "10 MB" in failed[routes["huge"]]
    assert routes["laughs"] not in failed or "entit" in failed[routes["laughs"]].lower()
    # nothing of the entity expansions or the local file reached the store
    for row in store.entries(limit=100):
        assert "lollollol" not in row.title and "root:" not in row.title
    assert store.count_entries(EntryFilter(feed_id=good.id)) == 4  # the good feed still updated
    by_url = {f.url: f for f in store.feeds()}
    assert by_url[routes["empty"]].last_error is None and by_url[routes["empty"]].entries == 0
    assert by_url[routes["nul"]].entries == 2 and by_url[routes["badutf8"]].entries == 2
    assert by_url[routes["dupes"]].entries >= 1
    dated = {
        r.title: r.published for r in store.entries(EntryFilter(feed_id=by_url[routes["dates"]].id))
    }
    assert set(dated) == {"Jahr 1", "Jahr 9999"}
    assert all(1970 <= d.year <= BASE_TIME.year + 1 for d in dated.values())
    for name in ("bomb", "huge", "html", "refused"):
        assert by_url[routes[name]].last_error, name
    nul_texts = [
        store.entry(r.id) for r in store.entries(EntryFilter(feed_id=by_url[routes["nul"]].id))
    ]
    assert all(e is not None and "\x00" not in e.summary for e in nul_texts)


@pytest.mark.slow
def test_gzip_bomb_memory_stays_bounded(server: LoopbackServer, tmp_path: Path) -> None:
    import resource

    # level 1: a 2 MB bomb made in a quarter of the time level 9 takes
    payload = gzip.compress(b"<rss>" + b"\x00" * (500 * 1024 * 1024), compresslevel=1)
    server.route("/bomb.xml", payload, headers={"Content-Encoding": "gzip"})
    store = Store(tmp_path / "c.sqlite3")
    store.add_feed(server.url("/bomb.xml"))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = asyncio.run(refresh(store, Config()))
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert len(report.failed) == 1 and "10 MB" in report.failed[0][1]
    assert grown_mb < 100
