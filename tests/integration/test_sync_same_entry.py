"""With fetch_feeds_locally, one story is one entry whichever side brought it first: a pulled
item and a fetched entry are the same when their feed (after redirects) and their guid or
link match, also when the feed's guid is not its link."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.fake_greader import FakeGReader
from tests.support.feedgen import Item, items, rss
from tests.support.loopback import LoopbackServer
from tests.support.sync_setup import API_PASSWORD, write_sync_config


@pytest.fixture
def fake(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGReader]:
    server = FakeGReader(api_password=API_PASSWORD).start()
    monkeypatch.setenv("NEWSREADER_SYNC_PASSWORD", API_PASSWORD)
    write_sync_config(
        tmp_path / "config.toml", "greader", server.url, "alice", fetch_feeds_locally=True
    )
    try:
        yield server
    finally:
        server.stop()


def stories() -> list[Item]:
    """Three stories whose guid is a URN, not their link (as many CMS feeds have it)."""
    return [replace(item, guid=f"urn:uuid:stadt-{n}") for n, item in enumerate(items(3))]


def entries(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    code, out, err = run(capsys, "articles", "--json", "--limit", "1000")
    assert code == 0, err
    rows: list[dict[str, object]] = json.loads(out)
    return rows


def feeds(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    _, out, _ = run(capsys, "feeds", "--json")
    rows: list[dict[str, object]] = json.loads(out)
    return rows


def serve_both(fake: FakeGReader, server: LoopbackServer, path: str = "/stadt.xml") -> str:
    url = server.route(path, rss(stories()))
    feed = fake.add_feed(url, "Stadt")
    for item in stories():
        fake.add_item(feed, item.title, item.link)
    return url


def test_pulled_first_then_fetched_here_is_one_entry_each(
    fake: FakeGReader, server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_both(fake, server)
    assert run(capsys, "sync")[0] == 0
    assert len(entries(capsys)) == 3
    code, _, err = run(capsys, "refresh", "--no-sync")
    assert code == 0, err
    assert server.hits["/stadt.xml"] == 1
    rows = entries(capsys)
    assert sorted(str(r["title"]) for r in rows) == sorted(i.title for i in stories())
    # and they stay one: the server's marks still reach them, a later sync adds nothing
    first = next(r for r in rows if str(r["title"]).startswith("Meldung 0"))
    code, out, _ = run(capsys, "mark", str(first["id"]), "--read", "--json")
    assert json.loads(out)["queued"] == 1
    code, out, _ = run(capsys, "refresh", "--json")
    assert code == 0 and len(entries(capsys)) == 3
    assert sum(1 for i in fake.items.values() if i.read) == 1


def test_fetched_first_then_pulled_is_one_entry_each(
    fake: FakeGReader, server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = serve_both(fake, server)
    assert run(capsys, "add", url)[0] == 0
    assert len(entries(capsys)) == 3
    code, _, err = run(capsys, "refresh")  # syncs first, then fetches here as well
    assert code == 0, err
    assert len(entries(capsys)) == 3
    assert len(feeds(capsys)) == 1


def test_a_feed_that_moved_is_the_servers_feed_under_its_old_address(
    fake: FakeGReader, server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Subscribed here and on the phone under the old address; here a refresh followed its
    301 to the new one. The server's feed is still ours: one feed, one entry per story."""
    new = server.route("/neu.xml", rss(stories()))
    old = server.route("/alt.xml", b"", status=301, headers={"Location": new})
    assert run(capsys, "add", old)[0] == 0
    assert run(capsys, "refresh", "--no-sync")[0] == 0
    assert [f["url"] for f in feeds(capsys)] == [new]
    phone_feed = fake.add_feed(old, "Stadt")
    for item in stories():
        fake.add_item(phone_feed, item.title, item.link)
    code, _, err = run(capsys, "refresh")
    assert code == 0, err
    assert [f["url"] for f in feeds(capsys)] == [new]
    assert len(entries(capsys)) == 3


def test_pulled_items_are_counted_read_or_not(
    fake: FakeGReader, server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pull inserts entries itself (no trigger counts an insert since schema 15): the feed
    pane's counters must still say how many there are and how many are unread."""
    url = server.route("/stadt.xml", rss(stories()))
    feed = fake.add_feed(url, "Stadt")
    for n, item in enumerate(stories()):
        fake.add_item(feed, item.title, item.link, read=n == 0)
    assert run(capsys, "sync")[0] == 0
    rows = entries(capsys)
    (listed,) = feeds(capsys)
    assert listed["entries"] == len(rows) == 3
    assert listed["unread"] == sum(1 for r in rows if not r["read"]) == 2
