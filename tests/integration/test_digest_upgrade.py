"""Entries stored by a release whose digest was of another kind (SHA-1, OpenSSL's, which a
refresh's workers no longer load; then BLAKE2b, until the checksum): the first refresh after the
upgrade must not take each of them for changed, rewriting and reindexing the whole cache, and
must still see those that did change."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from newsreader.core.config import Config
from newsreader.core.models import EntryFilter
from newsreader.core.parse import fastparse
from newsreader.core.parse.feeds import parse_feed
from newsreader.core.parsed import ParsedEntry
from newsreader.core.refresh import ingest
from newsreader.core.refresh.ingest import FeedJob, ingest_feeds
from newsreader.core.refresh.run import refresh
from newsreader.core.store import stream_writes
from newsreader.core.store.entry_rows import blake2_digest, entry_digest, sha1_digest
from newsreader.core.store.store import Store
from tests.support.feedgen import items, rss
from tests.support.loopback import LoopbackServer

# Every rewrite of an entry's row sets its title, a quiet new digest does not. Logged afresh
# from each call of `_as_an_older_release_stored` on.
_LOG_REWRITES = """
    DROP TABLE IF EXISTS rewritten;
    CREATE TABLE rewritten (entry_id INTEGER);
    CREATE TRIGGER IF NOT EXISTS log_rewrite AFTER UPDATE OF title, summary, content ON entries
    BEGIN INSERT INTO rewritten VALUES (NEW.id); END;
"""


Digest = Callable[[ParsedEntry], str]
# Each kind of digest caches hold, by its length: the refreshes below must know it by that.
OLDER_KINDS = pytest.mark.parametrize(
    ("older", "length"), [(sha1_digest, 40), (blake2_digest, 32)], ids=["sha1", "blake2"]
)
NEW_LENGTH = 16


def _as_an_older_release_stored(db: Path, body: bytes, url: str, older: Digest) -> None:
    """Give each stored entry the digest an older release gave it (`older` of its fields)."""
    conn = sqlite3.connect(db)
    with conn:
        for entry in parse_feed(body, url=url).entries:
            (stored,) = conn.execute(
                "SELECT digest FROM entries WHERE key = ?", (entry.key,)
            ).fetchone()
            assert stored == entry_digest(entry)  # this parse is the refresh's
            conn.execute("UPDATE entries SET digest = ? WHERE key = ?", (older(entry), entry.key))
        conn.executescript(_LOG_REWRITES)
    conn.close()


def _state(db: Path) -> dict[str, Any]:
    conn = sqlite3.connect(db)
    try:
        return {
            "rows": conn.execute(
                "SELECT id, key, title, summary, content, published FROM entries ORDER BY id"
            ).fetchall(),
            # The index's own storage: any entry indexed or unindexed writes here.
            "index": conn.execute("SELECT id, block FROM entries_fts_data ORDER BY id").fetchall(),
            "rewritten": sorted(r[0] for r in conn.execute("SELECT entry_id FROM rewritten")),
            "digest lengths": sorted(
                {len(r[0]) for r in conn.execute("SELECT digest FROM entries")}
            ),
        }
    finally:
        conn.close()


@OLDER_KINDS
def test_a_refresh_after_the_upgrade_rewrites_only_what_changed(
    server: LoopbackServer, tmp_path: Path, older: Digest, length: int
) -> None:
    store = Store(tmp_path / "c.sqlite3")
    feed = items(6)
    body = rss(feed)
    url = server.route("/f.xml", body)  # no validators: every refresh gets the whole feed
    store.add_feed(url)
    config = Config()
    first = asyncio.run(refresh(store, config))
    assert first.new_entries == 6
    db = tmp_path / "c.sqlite3"
    _as_an_older_release_stored(db, body, url, older)
    before = _state(db)
    assert before["digest lengths"] == [length]

    same = asyncio.run(refresh(store, config))
    assert (same.new_entries, same.updated_entries) == (0, 0)
    after = _state(db)
    assert after["digest lengths"] == [NEW_LENGTH]  # the new digest, given quietly
    assert {k: after[k] for k in ("rows", "index", "rewritten")} == {
        k: before[k] for k in ("rows", "index", "rewritten")
    }
    assert after["rewritten"] == []

    # The old digests once more, and one entry's text changed since they were made.
    _as_an_older_release_stored(db, body, url, older)
    feed[4] = replace(feed[4], description="<p>Neu: die Kirmes fällt aus.</p>")
    server.route("/f.xml", rss(feed))
    changed = asyncio.run(refresh(store, config))
    assert (changed.new_entries, changed.updated_entries) == (0, 1)
    (changed_id,) = [e.id for e in store.entries(EntryFilter(search="kirmes"))]
    assert _state(db)["rewritten"] == [changed_id]
    assert _state(db)["digest lengths"] == [NEW_LENGTH]
    store.close()


@OLDER_KINDS
@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_an_entry_stored_with_an_old_digest_is_unchanged_until_its_text_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streamed: bool, older: Digest, length: int
) -> None:
    """Both ways a worker stores a feed: prepared whole, and chunk by chunk as parsed."""
    if streamed:  # lowered as in test_streamed_feeds: two chunks of entries
        monkeypatch.setattr(ingest, "STREAM_FROM", 0)
        monkeypatch.setattr(fastparse, "_STREAM_FROM", 0)
        monkeypatch.setattr(fastparse, "_SLICE", 4096)
        monkeypatch.setattr(stream_writes, "_STREAM_CHUNK", 40)
    # A passed test's tmp_path is deleted and may be handed out again: not its open Store.
    monkeypatch.setattr(ingest, "_stores", {})
    url = "http://lokal.test/feed.xml"
    store = Store.in_dir(tmp_path)
    feed_id = store.add_feed(url).id
    db = tmp_path / "newsreader.sqlite3"
    feed = items(60)
    body = rss(feed)

    def ingest_body(body: bytes) -> tuple[int, int]:
        job = FeedJob(feed_id, body, url, {"content-type": "application/rss+xml"}, 200, None, None)
        [outcome] = ingest_feeds(str(db), [job])
        assert outcome.error is None
        return outcome.new_entries, outcome.updated_entries

    assert ingest_body(body) == (60, 0)
    _as_an_older_release_stored(db, body, url, older)
    before = _state(db)
    assert before["digest lengths"] == [length]
    assert ingest_body(body) == (0, 0)
    after = _state(db)
    assert after["digest lengths"] == [NEW_LENGTH]
    assert (after["rows"], after["index"], after["rewritten"]) == (
        before["rows"],
        before["index"],
        [],
    )

    _as_an_older_release_stored(db, body, url, older)
    feed[50] = replace(feed[50], title="Meldung 50: Straßenfest abgesagt")  # the second chunk
    assert ingest_body(rss(feed)) == (0, 1)
    (changed,) = store.entries(EntryFilter(search="abgesagt"))
    assert _state(db)["rewritten"] == [changed.id]
    store.close()
