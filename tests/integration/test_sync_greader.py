"""Sync against the fake FreshRSS server: the real CLI, a real cache, a phone on the side."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsreader.cli import main
from newsreader.core.config_file import load_config
from newsreader.core.store.packed_text import QUICK_LEVEL, pack_text, unpack_text
from newsreader.core.store.store import Store
from newsreader.core.sync import greader
from newsreader.core.sync.session import SyncSession
from tests.support.fake_greader import READ, STARRED, FakeGReader
from tests.support.feedgen import items, rss
from tests.support.loopback import LoopbackServer
from tests.support.sync_setup import API_PASSWORD, GReaderPhone, write_sync_config

DAY = 86400


@pytest.fixture
def fake() -> Iterator[FakeGReader]:
    server = FakeGReader(api_password=API_PASSWORD).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def synced(
    fake: FakeGReader, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> FakeGReader:
    """A data dir whose config.toml points at the fake, password from the environment."""
    write_sync_config(tmp_path / "config.toml", "greader", fake.url, "alice")
    monkeypatch.setenv("NEWSREADER_SYNC_PASSWORD", API_PASSWORD)
    return fake


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def articles(capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, object]]:
    code, out, _ = run(capsys, "articles", "--json", "--limit", "1000")
    assert code == 0
    return {str(row["title"]): row for row in json.loads(out)}


def populate(fake: FakeGReader) -> None:
    now = int(time.time())
    city = fake.add_feed("http://news.example/stadt.xml", "Stadt", ["Lokales"])
    police = fake.add_feed("http://news.example/polizei.xml", "Polizei", ["Lokales", "Blaulicht"])
    for n in range(3):
        fake.add_item(city, f"Neu {n}", f"http://news.example/neu/{n}", published=now - n * 60)
    old = now - 20 * DAY
    fake.add_item(police, "Alt ungelesen", "http://news.example/alt/1", published=old, crawled=old)
    fake.add_item(
        police, "Alt gemerkt", "http://news.example/alt/2", published=old, crawled=old,
        read=True, starred=True,
    )  # fmt: skip
    fake.add_item(
        police, "Alt gelesen", "http://news.example/alt/3", published=old, crawled=old, read=True
    )


def test_first_sync_pulls_unread_starred_and_recent(
    synced: FakeGReader, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    populate(synced)
    synced.add_item(
        synced.feeds[1], "[@click=app.quit]x[/] \x1b[31mrot", "http://news.example/boese"
    )
    code, out, err = run(capsys, "sync", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["server"].startswith("greader 127.0.0.1")
    assert report["feeds_added"] == 2 and report["pulled_items"] == 6
    rows = articles(capsys)
    # the first sync pulls unread, starred and the last 14 days: not the old read one
    assert set(rows) >= {"Neu 0", "Neu 1", "Neu 2", "Alt ungelesen", "Alt gemerkt"}
    assert "Alt gelesen" not in rows and len(rows) == 6
    assert rows["Alt gemerkt"]["starred"] and rows["Alt gemerkt"]["read"]
    assert not rows["Neu 0"]["read"] and not rows["Alt ungelesen"]["read"]
    # item text from the server is scrubbed like feed text on the way out
    assert any("\x1b" not in title and "rot" in title for title in rows)
    _, out, _ = run(capsys, "feeds", "--json")
    feeds = {f["title"]: f for f in json.loads(out)}
    assert feeds["Polizei"]["origin"] == "server" and feeds["Polizei"]["tags"] == [
        "Lokales",
        "Blaulicht",
    ]
    # neither the API password nor the session token is in the cache
    secrets = [API_PASSWORD.encode(), *(a.encode() for a in synced._auths)]
    for path in data_dir.iterdir():
        blob = path.read_bytes()
        assert not any(s in blob for s in secrets), path.name
    assert not any(s.decode() in out + err for s in secrets)


def test_pulled_text_is_packed_at_the_caches_level(
    synced: FakeGReader, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A new cache (16 KB pages) packs quick: the pull too, not only a refresh.
    text = "<p>" + "Der Rat beschließt den Haushalt für das kommende Jahr. " * 20 + "</p>"
    city = synced.add_feed("http://news.example/stadt.xml", "Stadt", ["Lokales"])
    synced.add_item(city, "Haushalt", "http://news.example/haushalt", content=text)
    code, _, err = run(capsys, "sync", "--json")
    assert code == 0, err
    conn = sqlite3.connect(data_dir / "newsreader.sqlite3")
    try:
        (stored,) = conn.execute(
            "SELECT content FROM entries WHERE url = 'http://news.example/haushalt'"
        ).fetchone()
    finally:
        conn.close()
    assert isinstance(stored, bytes)
    assert stored == pack_text(unpack_text(stored), level=QUICK_LEVEL)
    assert "Haushalt für das kommende Jahr" in unpack_text(stored)


def test_half_an_emoji_in_an_item_is_mended_not_fatal(
    synced: FakeGReader, capsys: pytest.CaptureFixture[str]
) -> None:
    """A server's JSON may escape a lone surrogate (a title cut inside an emoji); no UTF-8
    text holds one, so storing it failed the whole sync before it was made U+FFFD."""
    populate(synced)
    synced.add_item(
        synced.feeds[1],
        "Halbes Emoji \ud83d am Ende",
        "http://news.example/emoji",
        content="<p>" + "Ganz \U0001f600 und halb \ude00. " * 20 + "</p>",
    )
    code, out, err = run(capsys, "sync", "--json")
    assert code == 0, err
    rows = articles(capsys)
    assert "Halbes Emoji \ufffd am Ende" in rows and len(rows) == 6
    code, out, _ = run(capsys, "articles", "--search", "halb", "--json")
    assert code == 0
    shown = json.loads(out)
    assert [row["title"] for row in shown] == ["Halbes Emoji \ufffd am Ende"]


def test_marks_travel_both_ways(synced: FakeGReader, capsys: pytest.CaptureFixture[str]) -> None:
    populate(synced)
    run(capsys, "sync")
    rows = articles(capsys)
    code, out, _ = run(
        capsys, "mark", str(rows["Neu 0"]["id"]), str(rows["Neu 1"]["id"]), "--read", "--json"
    )
    assert code == 0 and json.loads(out) == {
        "marked": [rows["Neu 0"]["id"], rows["Neu 1"]["id"]],
        "queued": 2,
    }
    code, out, _ = run(capsys, "mark", str(rows["Alt gemerkt"]["id"]), "--unstar", "--json")
    assert json.loads(out)["queued"] == 1
    # meanwhile the phone stars one and reads another
    phone = GReaderPhone(synced.url, "alice", API_PASSWORD)
    by_title = {i.title: i for i in synced.items.values()}
    phone.edit([str(by_title["Neu 2"].num)], add=STARRED)
    phone.edit([str(by_title["Alt ungelesen"].num)], add=READ)
    code, out, _ = run(capsys, "sync", "--json")
    report = json.loads(out)
    assert code == 0 and report["pushed"] == 3 and report["pulled_marks"] == 2
    assert by_title["Neu 0"].read and by_title["Neu 1"].read and not by_title["Alt gemerkt"].starred
    # many ids went in one edit-tag, as a form body
    assert any(len(edit.get("i", [])) == 2 for edit in synced.edits)
    rows = articles(capsys)
    assert rows["Neu 2"]["starred"] and rows["Alt ungelesen"]["read"]
    assert rows["Neu 0"]["read"] and not rows["Alt gemerkt"]["starred"]
    assert str(by_title["Neu 0"].num) not in phone.unread_ids()
    # the queue is empty: a second sync sends nothing
    code, out, _ = run(capsys, "sync", "--json")
    assert json.loads(out)["pushed"] == 0


def test_a_sync_with_nothing_new_is_five_requests(
    synced: FakeGReader, capsys: pytest.CaptureFixture[str]
) -> None:
    populate(synced)
    run(capsys, "sync")
    before = synced.api_calls()
    code, out, _ = run(capsys, "sync", "--json")
    assert code == 0 and json.loads(out)["pulled_items"] == 0
    calls = synced.calls[before:]
    assert len(calls) <= 5, calls
    assert ("POST", "accounts/ClientLogin") in calls


def test_local_entries_meet_their_server_items(
    synced: FakeGReader, server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """A feed fetched here that the server also has: its entries gain the server's ids and
    marks, no entry is doubled, and the feed stays local."""
    url = server.route("/feed.xml", rss(items(3)))
    run(capsys, "add", url)
    mine = synced.add_feed(url, "Stadt Musterstadt", ["Lokales"])
    for item in items(3):
        synced.add_item(mine, item.title, item.link, read=item.title.startswith("Meldung 1"))
    code, out, err = run(capsys, "sync", "--json")
    assert code == 0, err
    rows = articles(capsys)
    assert len(rows) == 3
    assert [title for title, row in rows.items() if row["read"]] == [
        t for t in rows if t.startswith("Meldung 1")
    ]
    _, out, _ = run(capsys, "feeds", "--json")
    (feed,) = json.loads(out)
    assert feed["origin"] == "local" and feed["tags"] == ["Lokales"]
    # marks on those entries now go to the server
    first = next(r for t, r in rows.items() if t.startswith("Meldung 0"))
    _, out, _ = run(capsys, "mark", str(first["id"]), "--star", "--json")
    assert json.loads(out)["queued"] == 1


def test_refresh_syncs_first_and_leaves_synced_feeds_to_the_server(
    synced: FakeGReader, server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    served = server.route("/feed.xml", rss(items(2)))
    remote = synced.add_feed(served, "Vom Server")
    synced.add_item(remote, "Vom Server geholt", "http://example.org/artikel/0")
    local = server.route("/local.xml", rss(items(2, prefix="Lokal")))
    run(capsys, "add", local)
    hits = server.hits.get("/feed.xml", 0)
    code, out, err = run(capsys, "refresh", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["sync"]["feeds_added"] == 1 and report["feeds"] == 1
    assert server.hits.get("/feed.xml", 0) == hits  # the server fetches it, not we
    code, out, _ = run(capsys, "refresh", "--no-sync", "--json")
    assert json.loads(out).get("sync") is None


def test_server_feeds_that_vanish_go_their_starred_entries_stay(
    synced: FakeGReader, capsys: pytest.CaptureFixture[str]
) -> None:
    populate(synced)
    run(capsys, "sync")
    del synced.feeds[2]  # Polizei unsubscribed on the phone
    for num in [n for n, i in synced.items.items() if i.feed == 2]:
        del synced.items[num]
    code, out, _ = run(capsys, "sync", "--json")
    assert code == 0 and json.loads(out)["feeds_removed"] == 1
    rows = articles(capsys)
    assert "Alt gemerkt" in rows and "Alt ungelesen" not in rows
    _, out, _ = run(capsys, "feeds", "--json")
    assert [f["title"] for f in json.loads(out)] == ["Stadt"]


@pytest.mark.parametrize("switch", ["feeds_by_url", "miniflux_order"])
def test_other_servers_dialects(
    switch: str,
    synced: FakeGReader,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The Old Reader names feed streams by URL; Miniflux ignores the sort order asked for.
    Pages of two items and ids, so continuations and the order matter."""
    monkeypatch.setattr(greader, "CONTENTS_PAGE", 2)
    monkeypatch.setattr(greader, "IDS_PAGE", 2)
    setattr(synced, switch, True)
    populate(synced)
    code, out, err = run(capsys, "sync", "--json")
    assert code == 0, err
    assert json.loads(out)["pulled_items"] == 5
    feed = synced.feeds[1]
    synced.add_item(feed, "Später", "http://news.example/spaeter", crawled=time.time() + 5)
    code, out, err = run(capsys, "sync", "--json")
    assert json.loads(out)["pulled_items"] >= 1
    assert "Später" in articles(capsys)


def test_subscriptions_made_and_removed_here_reach_the_server(
    synced: FakeGReader, server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    populate(synced)
    before_sync = server.route("/vorher.xml", rss(items(1, prefix="Vorher")))
    run(capsys, "add", before_sync)  # before the first sync: stays a local feed
    run(capsys, "sync")
    url = server.route("/neu.xml", rss(items(2, prefix="Neu hier")))
    code, _, err = run(capsys, "add", url, "--tag", "Kultur")
    assert code == 0, err
    _, out, _ = run(capsys, "feeds", "--json")
    police = next(f for f in json.loads(out) if f["title"] == "Polizei")
    run(capsys, "remove", str(police["id"]))
    code, out, err = run(capsys, "sync", "--json")
    assert code == 0, err
    urls = {f.url: f for f in synced.feeds.values()}
    assert url in urls and urls[url].labels == ["Kultur"]
    assert before_sync not in urls
    assert "http://news.example/polizei.xml" not in urls  # not brought back either
    _, out, _ = run(capsys, "feeds", "--json")
    feeds = {f["url"]: f["origin"] for f in json.loads(out)}
    assert feeds == {
        "http://news.example/stadt.xml": "server",
        before_sync: "local",
        url: "local",  # subscribed here, now known to the server as well
    }


def test_fetch_feeds_locally_polls_synced_feeds_too(
    synced: FakeGReader,
    server: LoopbackServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    served = server.route("/feed.xml", rss(items(2)))
    synced.add_feed(served, "Vom Server")
    write_sync_config(
        tmp_path / "config.toml", "greader", synced.url, "alice", fetch_feeds_locally=True
    )
    code, out, err = run(capsys, "refresh", "--json")
    assert code == 0, err
    assert json.loads(out)["feeds"] == 1 and server.hits["/feed.xml"] == 1


def test_a_reader_session_keeps_its_token(
    synced: FakeGReader, data_dir: Path, tmp_path: Path
) -> None:
    populate(synced)
    store = Store.in_dir(data_dir)
    session = SyncSession(store, load_config(tmp_path / "config.toml").sync)
    try:
        assert session.last_sync() is None
        assert session.sync().pulled_items == 5
        before = synced.api_calls()
        report = session.sync()
        assert report.pulled_items == 0 and synced.api_calls() - before == 4
        assert ("POST", "accounts/ClientLogin") not in synced.calls[before:]
        assert session.last_sync() is not None
        assert "api-secret" not in repr(session._client)
    finally:
        session.close()
        store.close()
