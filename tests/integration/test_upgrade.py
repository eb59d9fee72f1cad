"""Upgrades: a cache written by the first released schema opens under today's code, nothing lost.

The fixture (tests/support/fixtures/cache-schema1.sqlite3, from make_schema1_cache.py at
schema 1) is frozen; the expectations below are written out by hand, not derived from the code
under test, so a migration that drops or rewrites a row fails here. Nothing assumes the current
schema is still 1: the file must end at whatever `schema.SCHEMA_VERSION` is then.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from newsreader.cli import main
from newsreader.core.config import Config
from newsreader.core.errors import StoreError
from newsreader.core.models import EntryFilter
from newsreader.core.refresh.run import refresh
from newsreader.core.store import schema
from newsreader.core.store.store import DB_NAME, Store
from tests.support.loopback import LoopbackServer
from tests.support.schema1_cache import (
    ARTICLE,
    ENTRIES,
    FAILED_PAGE,
    FEEDS,
    FIXTURE,
    POLIZEI,
    STADT,
    T0,
    ZEITUNG,
)


def _copy(tmp_path: Path, name: str = "cache.sqlite3") -> Path:
    path = tmp_path / name
    shutil.copyfile(FIXTURE, path)
    return path


def _user_version(path: Path) -> int:
    raw = sqlite3.connect(path)
    try:
        return int(raw.execute("PRAGMA user_version").fetchone()[0])
    finally:
        raw.close()


def _titles(store: Store, search: str) -> set[str]:
    return {r.title for r in store.entries(EntryFilter(search=search), limit=100)}


@pytest.fixture
def upgraded(tmp_path: Path) -> Store:
    path = _copy(tmp_path)
    assert _user_version(path) == 1  # the fixture really is the first schema
    return Store(path)


def test_fixture_is_the_small_schema1_file() -> None:
    head = FIXTURE.read_bytes()[:100]  # read raw: opening it in place would leave a -wal
    assert head.startswith(b"SQLite format 3\x00")
    assert int.from_bytes(head[60:64], "big") == 1  # user_version
    assert head[18:20] == b"\x01\x01"  # rollback journal on disk, so no side files
    assert FIXTURE.stat().st_size < 200 * 1024


def test_schema1_cache_migrates_to_the_latest_schema_intact(upgraded: Store) -> None:
    conn = upgraded.conn
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert len(schema.MIGRATIONS) == schema.SCHEMA_VERSION
    assert [tuple(r) for r in conn.execute("PRAGMA integrity_check")] == [("ok",)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    # the full-text index agrees with its table after the migration
    conn.execute("INSERT INTO entries_fts (entries_fts, rank) VALUES ('integrity-check', 1)")


def test_every_feed_survives_with_tags_validators_and_status(upgraded: Store) -> None:
    feeds = {f.url: f for f in upgraded.feeds()}
    assert set(feeds) == set(FEEDS)
    for url, (title, tags, etag, modified, status, error, gone) in FEEDS.items():
        feed = feeds[url]
        got = (feed.title, feed.tags, feed.etag, feed.last_modified)
        assert got == (title, tags, etag, modified), url
        assert (feed.last_status, feed.last_error, feed.gone) == (status, error, gone), url
        assert feed.last_fetched is not None
    assert (feeds[STADT].entries, feeds[STADT].unread) == (4, 3)
    assert (feeds[ZEITUNG].entries, feeds[ZEITUNG].unread) == (4, 3)
    assert (feeds[POLIZEI].entries, feeds[POLIZEI].unread) == (3, 2)
    assert dict(upgraded.tags()) == {"Blaulicht": 2, "Münster": 6, "Stadt": 3, "Zeitung": 3}


def test_every_entry_survives_with_its_marks(upgraded: Store) -> None:
    ids = {f.id: f.url for f in upgraded.feeds()}
    rows = upgraded.entries(limit=100)
    assert len(rows) == len(ENTRIES)
    for row in rows:
        feed_url, hours, read, starred, paywalled = ENTRIES[row.title]
        assert (ids.get(row.feed_id) if row.feed_id else None) == feed_url, row.title
        assert row.published == T0 - timedelta(hours=hours), row.title
        assert (row.read, row.starred, row.paywalled) == (read, starred, paywalled), row.title
    assert rows[0].title == "Straßenfest in Münster: Sperrungen am Wochenende"
    assert upgraded.unread_count() == 9  # the detached starred one is unread too
    starred_titles = {r.title for r in upgraded.entries(EntryFilter(starred=True))}
    assert starred_titles == {t for t, v in ENTRIES.items() if v[3]}


def test_entry_details_page_teasers_and_previews_survive(upgraded: Store) -> None:
    by_title = {r.title: r.id for r in upgraded.entries(limit=100)}
    first = upgraded.entry(by_title["Straßenfest in Münster: Sperrungen am Wochenende"])
    assert first is not None
    assert first.author == "Presseamt" and first.categories == ("Verkehr", "Münster")
    assert first.summary == "<p>Kurzfassung 0: Straßenfest in Münster: Sperrungen am Wochenende</p>"
    assert [(t.title, t.kind) for t in first.teasers] == [
        ("Sperrplan", "inline"),
        ("Alle Meldungen", "feed"),
    ]
    office = upgraded.entry(by_title["Bürgerbüro an der Königstraße wieder geöffnet"])
    assert office is not None and office.enclosures[0].url == "http://stadt.example.org/b.jpg"

    article = upgraded.entry(by_title["Ägypten-Ausstellung eröffnet im Stadtmuseum"])
    assert article is not None and article.offline
    assert article.content == "<p>Die Schau zeigt 300 Fundstücke aus Ägypten.</p>"
    assert article.page_text == "Pharaonen in Münster: die **Ägypten**-Schau an der Hafenstraße."
    # page teasers first (inline, related), then the feed's own, titled by its link preview
    assert [(t.title, t.description, t.kind) for t in article.teasers] == [
        ("Stadtmuseum", "", "inline"),
        ("Partnerstadt Kairo", "Delegation besucht Münster", "related"),
        ("Vorschau: Große Straßenbahn-Pläne", "Was die Linie 7 bringt", "feed"),
    ]
    page = upgraded.page(ARTICLE)
    assert page is not None
    assert (page.final_url, page.author, page.language) == (f"{ARTICLE}?utm=x", "Jürgen Weiß", "de")
    assert page.fetched_at == T0 + timedelta(minutes=5)
    html = upgraded.page_html(ARTICLE)
    assert html is not None and "Pharaonen in Münster".encode() in html

    # the failed page stays a tombstone: not offline; marked more than a week ago (the
    # fixture's date), prefetch asks for it again, as for a page refused a week ago now
    assert not upgraded.has_page(FAILED_PAGE)
    assert FAILED_PAGE in {url for _, url in upgraded.entries_needing_pages()}
    upgraded.mark_page_failed(FAILED_PAGE)  # refused again: not asked for in the next week
    assert FAILED_PAGE not in {url for _, url in upgraded.entries_needing_pages()}
    assert upgraded.page_urls() == [ARTICLE]


def test_search_still_folds_umlauts_after_the_upgrade(upgraded: Store) -> None:
    assert _titles(upgraded, "aegypten") == {
        "Ägypten-Ausstellung eröffnet im Stadtmuseum",
        "Archiv: Kirmes in Ägypten-Viertel",
    }
    assert _titles(upgraded, "strasse") >= {
        "Plus: Was die Straßensanierung kostet",
        "Neue Radwege an der Weseler Straße",
        "POL-DU: Unfall auf der Düsseldorfer Straße",
    }
    assert _titles(upgraded, "Münster") == _titles(upgraded, "muenster") != set()
    assert _titles(upgraded, "hafenstrasse") == {"Ägypten-Ausstellung eröffnet im Stadtmuseum"}


def test_refresh_after_the_upgrade_keeps_marks_and_adds_no_duplicates(
    upgraded: Store, server: LoopbackServer
) -> None:
    stadt = upgraded.feed(STADT)
    assert stadt is not None
    items = [
        ("http://stadt.example.org/presse/strassenfest.html", "Straßenfest in Münster: Sperrungen"),
        ("http://stadt.example.org/presse/rat.html", "Ratssitzung: Haushalt beschlossen"),
        ("http://stadt.example.org/presse/neu.html", "Neu: Wochenmarkt zieht um"),
    ]
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Stadt</title>'
        + "".join(
            f"<item><title>{t}</title><link>{u}</link><guid>{u}</guid></item>" for u, t in items
        )
        + "</channel></rss>"
    )
    url = server.route("/stadt.xml", body, etag='"stadt-v2"')
    upgraded.set_feed_url(stadt.id, url)
    report = asyncio.run(refresh(upgraded, Config(), feed_ids={stadt.id}))
    assert report.failed == () and report.new_entries == 1 and report.updated_entries == 2
    # the validator written by schema 1 went out with the request
    assert server.requests[-1][1].get("If-None-Match") == '"stadt-v1"'
    rows = {r.title: r for r in upgraded.entries(EntryFilter(feed_id=stadt.id), limit=100)}
    assert len(rows) == 5
    assert rows["Straßenfest in Münster: Sperrungen"].starred  # updated in place, still starred
    assert rows["Ratssitzung: Haushalt beschlossen"].read
    assert not rows["Neu: Wochenmarkt zieht um"].read
    feed = upgraded.feed(stadt.id)
    assert feed is not None and feed.etag == '"stadt-v2"' and feed.tags == ("Münster", "Stadt")
    assert upgraded.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_cli_reads_the_upgraded_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    _copy(data, DB_NAME)
    monkeypatch.setenv("NEWSREADER_CONFIG", str(tmp_path / "config.toml"))
    assert main(["--data-dir", str(data), "--offline", "articles", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["title"] for r in rows} == set(ENTRIES)
    assert main(["--data-dir", str(data), "--offline", "articles"]) == 0
    out = capsys.readouterr().out
    assert "Ägypten-Ausstellung eröffnet im Stadtmuseum" in out and "Straßenfest" in out
    assert main(["--data-dir", str(data), "articles", "--search", "aegypten", "--json"]) == 0
    found = {r["title"] for r in json.loads(capsys.readouterr().out)}
    assert "Ägypten-Ausstellung eröffnet im Stadtmuseum" in found
    article = next(r for r in rows if r["title"].startswith("Ägypten-Ausstellung"))
    assert article["read"] and article["starred"] and article["offline"]
    assert main(["--data-dir", str(data), "--offline", "show", str(article["id"]), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["text_source"] == "page" and "Hafenstraße" in shown["text"]
    assert [t["title"] for t in shown["teasers"]][:2] == ["Stadtmuseum", "Partnerstadt Kairo"]
    assert main(["--data-dir", str(data), "feeds", "--json"]) == 0
    feeds = json.loads(capsys.readouterr().out)
    assert {f["title"] for f in feeds} == {v[0] for v in FEEDS.values()}
    assert _user_version(data / DB_NAME) == schema.SCHEMA_VERSION


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_newer_schema_cache_is_refused_and_left_byte_identical(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    path = _copy(data, DB_NAME)
    newer = schema.SCHEMA_VERSION + 1
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {newer}")
    raw.close()
    before = _sha256(path)

    with pytest.raises(StoreError) as caught:
        Store(path)
    message = str(caught.value)
    assert "newer newsreader" in message and f"schema {newer}" in message
    assert "\n" not in message
    assert _sha256(path) == before

    monkeypatch.setenv("NEWSREADER_CONFIG", str(tmp_path / "config.toml"))
    code = main(["--data-dir", str(data), "--offline", "articles"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "newer newsreader" in err and "Traceback" not in err
    assert _sha256(path) == before
    assert _user_version(path) == newer
