"""`refresh --full` and the article pages it could not get: one the network failed is asked
for again by the next run, one the server refused a week later; the run reports the pages of
its articles that failed (not its teasers'), and exits 1 for them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from newsreader.core.config import Config, NetworkConfig
from newsreader.core.refresh.run import refresh
from newsreader.core.store.store import Store
from tests.support.cli import run
from tests.support.feedgen import items, rss
from tests.support.loopback import LoopbackServer
from tests.support.pages import article_page

HTML = "text/html; charset=utf-8"


def test_a_page_the_network_failed_is_fetched_by_the_next_run(
    server: LoopbackServer, tmp_path: Path
) -> None:
    """Article 0's server is down for two runs (503 stands in for it), article 1 is gone
    (404), article 2 is there. Before, the first run marked both failed pages and no later
    run asked for either again; now the next runs ask for the one the network failed, and
    report it once, and the 404 waits a week."""
    base = server.url("")
    store = Store(tmp_path / "c.sqlite3")
    store.add_feed(server.route("/feed.xml", rss(items(3, base=base))))
    down = {"on": True}

    def flaky(_: Any) -> tuple[int, dict[str, str], bytes]:
        if down["on"]:
            return 503, {"Content-Type": "text/plain"}, b"down for maintenance"
        return 200, {"Content-Type": HTML}, article_page(0, base=base, related=[])

    server.route("/artikel/0", handler=flaky)
    server.route("/artikel/2", article_page(2, base=base, related=[]), content_type=HTML)
    config = Config(network=NetworkConfig(retries=0))

    first = asyncio.run(refresh(store, config, full=True))
    assert first.pages_fetched == 1
    assert {url.removeprefix(base) for url, _ in first.pages_failed} == {
        "/artikel/0",
        "/artikel/1",
    }
    assert all("HTTP" in error for _, error in first.pages_failed)

    still_down = asyncio.run(refresh(store, config, full=True))
    assert server.hits["/artikel/0"] == 2  # asked again
    assert still_down.pages_failed == ()  # and not reported again: no exit 1 on every run

    down["on"] = False
    second = asyncio.run(refresh(store, config, full=True))
    assert second.pages_fetched == 1 and second.pages_failed == ()
    assert store.has_page(f"{base}/artikel/0")
    assert server.hits["/artikel/1"] == 1  # refused: not asked again within the week

    # A week on, the refused page is asked for once more (and not reported again).
    store.conn.execute("UPDATE pages SET fetched_at = fetched_at - 8 * 86400 WHERE html IS NULL")
    store.conn.commit()
    third = asyncio.run(refresh(store, config, full=True))
    assert third.pages_failed == ()
    assert server.hits["/artikel/1"] == 2


def test_refresh_full_names_the_pages_it_could_not_get_and_exits_1(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = server.url("")
    feed = server.route("/feed.xml", rss(items(2, base=base)))
    server.route("/artikel/0", article_page(0, base=base, related=[]), content_type=HTML)
    assert run(capsys, "add", feed)[0] == 0
    code, out, err = run(capsys, "refresh", "--full")
    assert code == 1
    assert ", 1 page fetched (1 could not be) in" in out
    failures = [line for line in err.splitlines() if "failed" in line]  # and the progress
    assert failures == [f"page failed: {base}/artikel/1: HTTP 404 Not Found"]


def test_pages_that_would_fail_again_wait_a_week_teasers_too(
    server: LoopbackServer, tmp_path: Path
) -> None:
    """A PDF and a page over the size cap answer 200 and fail all the same, and a teaser's
    404 page too: each run fetched them again in full, and reported the articles, exit 1
    for ever (a helper's review)."""
    base = server.url("")
    store = Store(tmp_path / "c.sqlite3")
    store.add_feed(server.route("/feed.xml", rss(items(3, base=base))))
    server.route("/artikel/0", b"%PDF-1.7 " * 1000, content_type="application/pdf")
    server.route("/artikel/1", b"<html><body>" + b"x" * 1_200_000, content_type=HTML)
    server.route("/artikel/2", article_page(2, base=base, related=[]), content_type=HTML)
    config = Config(network=NetworkConfig(retries=0, max_page_mb=1.0))

    first = asyncio.run(refresh(store, config, full=True))
    assert {url.removeprefix(base) for url, _ in first.pages_failed} == {
        "/artikel/0",
        "/artikel/1",
    }
    teaser = "/mehr/2"  # article 2's feed text links there; the server has no such page
    assert server.hits.get(teaser) == 1
    second = asyncio.run(refresh(store, config, full=True))
    assert second.pages_failed == () and second.pages_fetched == 0
    assert {path: server.hits.get(path) for path in ("/artikel/0", "/artikel/1", teaser)} == {
        "/artikel/0": 1,
        "/artikel/1": 1,
        teaser: 1,
    }


def test_refresh_full_of_one_feed_fetches_that_feeds_pages_alone(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`refresh --full --feed X` fetched every feed's unread pages, and exited 1 for pages
    of feeds it was not asked about (a helper's tour)."""
    base = server.url("")
    town = server.route("/town.xml", rss(items(2, base=base), title="Stadtblatt"))
    county = server.route("/county.xml", rss(items(2, base=f"{base}/kreis"), title="Kreisblatt"))
    for n in range(2):
        server.route(f"/artikel/{n}", article_page(n, base=base, related=[]), content_type=HTML)
    assert run(capsys, "add", town)[0] == 0
    assert run(capsys, "add", county)[0] == 0  # its pages are 404s
    code, out, err = run(capsys, "refresh", "--full", "--feed", "Stadtblatt")
    assert code == 0, err
    assert ", 2 pages fetched in" in out
    assert not [path for path in server.hits if path.startswith("/kreis/")]


def test_refresh_full_prefetches_the_teasers_of_articles_whose_page_was_cached_before(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An article read online (its page cached then) and marked unread again: `refresh
    --full` fetched teasers only of the pages it fetched itself, so this one's teaser was
    never available offline (a helper's tour)."""
    base = server.url("")
    server.route("/artikel/0", article_page(0, base=base, related=[5]), content_type=HTML)
    server.route("/artikel/5", article_page(5, base=base, related=[]), content_type=HTML)
    feed = server.route("/feed.xml", rss(items(1, base=base)))
    assert run(capsys, "add", feed)[0] == 0
    store = Store.in_dir(data_dir)
    from newsreader.core.refresh.on_demand import load_page

    # read online: the article's page cached alone
    asyncio.run(load_page(store, f"{base}/artikel/0", config=Config()))
    assert store.has_page(f"{base}/artikel/0") and not store.has_page(f"{base}/artikel/5")
    code, _, err = run(capsys, "refresh", "--full")
    assert code == 0, err
    assert store.has_page(f"{base}/artikel/5")
    assert server.hits["/artikel/0"] == 1  # the article's own page was not asked again
