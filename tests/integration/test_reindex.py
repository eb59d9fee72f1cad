"""Migration 10 on an old cache: the index is carried over as it is, not tokenized again,
and the pass over the entries goes in batches that say how far they got. Whatever the old
index held, the new one finds exactly what a fresh index of the entries finds, and every row
can be deleted exactly afterwards."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from newsreader.core.store import reindex
from newsreader.core.store.search_index import entry_text, unindex
from newsreader.core.store.store import Store
from tests.support.schema1_cache import FIXTURE
from tests.support.search_check import index_drift, vocabulary

_MATCH = "SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?"


def _odd_old_cache(path: Path) -> None:
    """The schema-1 fixture with an index row whose entry is gone, an entry the index lacks,
    and a row indexed with other text than its entry's own."""
    shutil.copyfile(FIXTURE, path)
    raw = sqlite3.connect(path)
    with raw:
        raw.execute(
            "INSERT INTO entries_fts (rowid, title, body) VALUES (999, 'verwaist', 'gespenst')"
        )
        raw.execute("DELETE FROM entries_fts WHERE rowid = 2")
        title, summary, content = raw.execute(
            "SELECT title, summary, content FROM entries WHERE id = 3"
        ).fetchone()
        body = entry_text(title, summary, content)[1]
        raw.execute(
            "UPDATE entries_fts SET body = ? WHERE rowid = 3", (body + " seitentext volltext",)
        )
    raw.close()


def test_the_upgrade_carries_the_index_over_exactly_in_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cache.sqlite3"
    _odd_old_cache(path)
    monkeypatch.setattr(reindex, "BATCH", 5)  # 12 entries: three batches
    monkeypatch.setattr(reindex, "SAY_FROM", 0)
    monkeypatch.setattr(reindex, "SAY_EVERY", 0.0)
    said: list[str] = []
    store = Store(path, on_progress=said.append)
    conn = store.conn
    assert said[0] == "re-indexing 12 entries for the new search index…"
    assert "re-indexing: 5 of 12 entries (41 %)" in said
    assert said[-1] == "re-indexed 12 entries; letting the old index go…"
    assert index_drift(conn) == []
    assert conn.execute(_MATCH, ('"gespenst"',)).fetchall() == []  # the gone entry's row
    ratssitzung = {r[0] for r in conn.execute(_MATCH, ('"ratssitzung"',))}
    assert 2 in ratssitzung  # the entry the old index lacked
    assert [r[0] for r in conn.execute(_MATCH, ('"volltext"',))] == [3]
    exact = [r[0] for r in conn.execute("SELECT rowid FROM entries_fts_exact")]
    assert 3 in exact and 2 not in exact
    conn.execute("INSERT INTO entries_fts (entries_fts) VALUES ('integrity-check')")
    with store.transaction() as write:
        unindex(write, [r[0] for r in write.execute("SELECT id FROM entries")])
    assert vocabulary(conn, "entries_fts") == {}


def test_a_small_upgrade_says_nothing(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    shutil.copyfile(FIXTURE, path)
    said: list[str] = []
    Store(path, on_progress=said.append).close()
    assert said == []
