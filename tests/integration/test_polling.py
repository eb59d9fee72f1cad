"""Each feed is polled no more often than it asks (ttl, sy:updatePeriod, Cache-Control),
within the user's bounds: `refresh --due` for cron; a plain `refresh` still fetches all."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from newsreader.core.parse.feeds import parse_feed
from newsreader.core.parse.polling import feed_interval, header_interval
from newsreader.core.store.store import DB_NAME
from tests.support.cli import run
from tests.support.feedgen import items, rss
from tests.support.loopback import LoopbackServer

SY = '<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"'


def with_channel(extra: str) -> bytes:
    body = rss(items(2)).decode("utf-8")
    body = body.replace(
        "<description>Nachrichten</description>", extra + "<description>N</description>"
    )
    return body.replace('<rss version="2.0"', SY).encode("utf-8")


def test_feeds_and_headers_say_how_often() -> None:
    assert feed_interval("120", None, None) == 7200
    assert feed_interval(None, "hourly", "2") == 1800
    assert feed_interval(None, "daily", None) == 86_400
    assert feed_interval("30", "hourly", "1") == 3600  # the longer ask wins
    assert feed_interval("soon", "fortnightly", "x") is None
    assert header_interval({"cache-control": "public, max-age=900"}) == 900
    assert header_interval({"cache-control": "no-cache, max-age=900"}) is None
    assert header_interval({}) is None


@pytest.mark.parametrize(
    ("extra", "seconds"),
    [
        ("<ttl>90</ttl>", 5400),
        (
            "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>",
            900,
        ),
        ("", None),
    ],
)
def test_both_parsers_read_the_ask(extra: str, seconds: int | None) -> None:
    body = with_channel(extra)
    fast = parse_feed(body, url="http://example.org/feed.xml")
    # The bozo path (feedparser) reads the same: a DOCTYPE sends it there.
    slow_body = body.replace(b"<rss", b"<!DOCTYPE rss>\n<rss", 1)
    slow = parse_feed(slow_body, url="http://example.org/feed.xml")
    assert fast.poll_seconds == slow.poll_seconds == seconds


def age_feeds(data_dir: Path, minutes: int) -> None:
    """Pretend every feed was last fetched `minutes` ago."""
    conn = sqlite3.connect(data_dir / DB_NAME)
    with conn:
        conn.execute("UPDATE feeds SET last_fetched = ?", (int(time.time()) - minutes * 60,))
    conn.close()


def fetched(server: LoopbackServer, paths: list[str], since: int) -> set[str]:
    return {p for p, _ in server.requests[since:] if p in paths}


def test_refresh_due_fetches_only_the_feeds_that_are_due(
    server: LoopbackServer, tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config.toml").write_text(
        "[network]\nmin_poll_minutes = 10\nmax_poll_minutes = 300\n", encoding="utf-8"
    )
    paths = ["/plain.xml", "/ttl.xml", "/cache.xml", "/weekly.xml"]
    server.route("/plain.xml", rss(items(2)))
    server.route("/ttl.xml", with_channel("<ttl>120</ttl>"))
    server.route("/cache.xml", rss(items(2)), headers={"Cache-Control": "max-age=3600"})
    server.route("/weekly.xml", with_channel("<sy:updatePeriod>weekly</sy:updatePeriod>"))
    for path in paths:
        assert run(capsys, "add", server.url(path))[0] == 0
    code, out, _ = run(capsys, "refresh", "--json")
    assert code == 0 and json.loads(out)["feeds"] == 4

    _, out, _ = run(capsys, "feeds", "--json")
    asks = {f["url"].rsplit("/", 1)[1]: f["poll_seconds"] for f in json.loads(out)}
    assert asks == {"plain.xml": None, "ttl.xml": 7200, "cache.xml": 3600, "weekly.xml": 604_800}

    def due_run() -> set[str]:
        since = len(server.requests)
        code, out, _ = run(capsys, "refresh", "--due", "--json")
        assert code == 0, out
        return fetched(server, paths, since)

    assert due_run() == set()  # everything was fetched a moment ago
    age_feeds(data_dir, 11)  # past the minimum: only the feed that asks nothing
    assert due_run() == {"/plain.xml"}
    age_feeds(data_dir, 70)  # past Cache-Control's hour, inside the ttl's two hours
    assert due_run() == {"/plain.xml", "/cache.xml"}
    age_feeds(data_dir, 125)
    assert due_run() == {"/plain.xml", "/cache.xml", "/ttl.xml"}
    age_feeds(data_dir, 301)  # the maximum bounds the weekly feed
    assert due_run() == set(paths)

    # A plain refresh still fetches every feed, due or not.
    since = len(server.requests)
    assert run(capsys, "refresh")[0] == 0
    assert fetched(server, paths, since) == set(paths)


def test_add_keeps_what_the_feed_asks_when_its_server_answers_304_after(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`add` stored no ttl, and a feed whose server then answers 304 never gave it again:
    `refresh --due` polled it as often as the minimum (a helper's tour)."""
    server.route("/ttl.xml", with_channel("<ttl>120</ttl>"), etag='"v1"')
    server.route(
        "/cache.xml", rss(items(2)), etag='"v1"', headers={"Cache-Control": "max-age=3600"}
    )
    for path in ("/ttl.xml", "/cache.xml"):
        assert run(capsys, "add", server.url(path))[0] == 0
    assert run(capsys, "refresh")[0] == 0  # 304s
    _, out, _ = run(capsys, "feeds", "--json")
    asks = {f["url"].rsplit("/", 1)[1]: f["poll_seconds"] for f in json.loads(out)}
    assert asks == {"ttl.xml": 7200, "cache.xml": 3600}
