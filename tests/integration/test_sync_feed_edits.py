"""Renames and tag changes of synced feeds: queued in the cache like the marks, sent first in
the next sync (Google Reader `subscription/edit`), kept through a SIGKILL; Fever has no such
call and the feed keeps its name and tags here."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsreader.core.config import SyncConfig
from newsreader.core.parsed import ParsedFeed
from newsreader.core.store.store import Store
from newsreader.core.store.sync import SyncTables
from newsreader.core.sync.fever import FeverClient
from newsreader.core.sync_records import RemoteFeed
from tests.support.cli import run
from tests.support.fake_greader import LABEL, FakeGReader
from tests.support.sync_setup import API_PASSWORD, write_sync_config

CITY = "http://news.example/stadt.xml"


@pytest.fixture
def fake(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGReader]:
    server = FakeGReader(api_password=API_PASSWORD).start()
    feed = server.add_feed(CITY, "Stadt", ["Lokales"])
    for n in range(3):
        server.add_item(feed, f"Meldung {n}", f"http://news.example/{n}")
    monkeypatch.setenv("NEWSREADER_SYNC_PASSWORD", API_PASSWORD)
    write_sync_config(tmp_path / "config.toml", "greader", server.url, "alice", timeout=1.0)
    try:
        yield server
    finally:
        server.stop()


def rename(data_dir: Path, url: str, title: str) -> None:
    """What the reader's `E` does."""
    store = Store.in_dir(data_dir)
    try:
        feed = store.feed(url)
        assert feed is not None
        store.edit_feed(feed.id, title=title, url=url)
    finally:
        store.close()


def local_feed(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    _, out, _ = run(capsys, "feeds", "--json")
    (feed,) = json.loads(out)
    assert isinstance(feed, dict)
    return feed


def test_a_rename_and_a_tag_made_offline_reach_the_server(
    fake: FakeGReader, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "sync")[0] == 0
    fake.faults.add("unavailable")
    rename(data_dir, CITY, "Meine Stadt")
    opml = tmp_path / "kultur.opml"  # an OPML import merges its folders into the tags
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body><outline text="Kultur">'
        f'<outline type="rss" xmlUrl="{CITY}"/></outline></body></opml>',
        encoding="utf-8",
    )
    code, _, err = run(capsys, "import", str(opml))
    assert code == 0, err
    assert run(capsys, "sync")[0] == 1  # the server is away: the edit waits
    assert fake.feed_edits == []
    fake.faults.clear()
    code, out, err = run(capsys, "sync", "--json")
    assert code == 0, err
    assert json.loads(out)["pushed"] == 1
    (edit,) = fake.feed_edits
    assert edit["s"] == ["feed/1"] and edit["t"] == ["Meine Stadt"]
    assert edit["a"] == [LABEL + "Kultur"] and "r" not in edit
    server_feed = fake.feeds[1]
    assert server_feed.title == "Meine Stadt"
    assert server_feed.labels == ["Kultur"]  # FreshRSS: one category per feed, the last added
    feed = local_feed(capsys)
    assert feed["title"] == "Meine Stadt" and feed["tags"] == ["Kultur"]
    # sent once: the next sync has nothing to send
    code, out, _ = run(capsys, "sync", "--json")
    assert json.loads(out)["pushed"] == 0 and len(fake.feed_edits) == 1


def test_the_edit_queue_survives_sigkill(
    fake: FakeGReader, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A process that renames a feed and is killed at once: the rename still goes out."""
    assert run(capsys, "sync")[0] == 0
    script = (
        "import os, signal, sys\n"
        "from newsreader.core.store.store import Store\n"
        "store = Store.in_dir(sys.argv[1])\n"
        "feed = store.feed(sys.argv[2])\n"
        "store.edit_feed(feed.id, title='Nach dem Absturz', url=feed.url)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(data_dir), CITY], check=False)
    assert done.returncode == -signal.SIGKILL
    code, _, err = run(capsys, "sync")
    assert code == 0, err
    assert fake.feeds[1].title == "Nach dem Absturz"
    assert [e["t"] for e in fake.feed_edits] == [["Nach dem Absturz"]]


def test_an_edit_made_while_the_push_is_on_its_way_stays_queued(
    fake: FakeGReader, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "sync")[0] == 0
    rename(data_dir, CITY, "Erster Name")
    store = Store.in_dir(data_dir)
    try:
        tables = SyncTables(store)
        (sent,) = tables.queued_feed_edits()
        rename(data_dir, CITY, "Zweiter Name")  # after the edit was read for sending
        tables.forget_feed_edits([sent.row])
        (left,) = tables.queued_feed_edits()
        assert left.title == "Zweiter Name"
    finally:
        store.close()


def test_a_feed_filled_in_by_a_fetch_is_no_rename(tmp_path: Path) -> None:
    """The title a fetch gives a feed that had none is not the user's doing."""
    store = Store.in_dir(tmp_path)
    try:
        feed = store.add_feed(CITY)
        with store.transaction() as conn:
            conn.execute("UPDATE feeds SET remote_id = 'feed/1' WHERE id = ?", (feed.id,))
        parsed = ParsedFeed(title="Vom Feed", site_url=None, entries=())
        store.record_feed(feed.id, parsed, status=200, etag=None, last_modified=None)
        fetched = store.feed(CITY)
        assert fetched is not None and fetched.title == "Vom Feed"
        assert SyncTables(store).queued_feed_edits() == []
        store.edit_feed(feed.id, title="Umbenannt", url=CITY)
        (edit,) = SyncTables(store).queued_feed_edits()
        assert edit.title == "Umbenannt" and edit.add_tags == edit.remove_tags == ()
    finally:
        store.close()


def test_fever_keeps_renames_and_tags_local(tmp_path: Path) -> None:
    """Fever cannot edit a subscription: the edit stays queued, and a pull does not take the
    feed's name or tags back."""
    store = Store.in_dir(tmp_path)
    try:
        tables = SyncTables(store)
        tables.use_account("fever-account")
        server = RemoteFeed(remote_id="7", url=CITY, title="Stadt", site_url=None, tags=("A",))
        applied = tables.apply(feeds=[server], items=[], unread=set(), starred=set(), state={})
        assert applied.feeds_added == 1
        feed = store.feed(CITY)
        assert feed is not None and feed.tags == ("A",)
        store.edit_feed(feed.id, title="Meine Stadt", url=CITY)
        store.add_feed(CITY, tags=["B"])
        edits = tables.queued_feed_edits()
        sync = SyncConfig(service="fever", url="http://127.0.0.1:9/fever/", user="alice")
        client = FeverClient(sync, "secret")
        try:
            assert client.push_edits(edits) == []
        finally:
            client.close()
        tables.apply(feeds=[server], items=[], unread=set(), starred=set(), state={})
        feed = store.feed(CITY)
        assert feed is not None
        assert feed.title == "Meine Stadt" and feed.tags == ("A", "B")
        assert len(tables.queued_feed_edits()) == 1
    finally:
        store.close()
