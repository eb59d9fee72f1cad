"""Issue 14 on the command line: one story once, watch words, kill rules; a real server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsreader.cli import main
from newsreader.core.store import entry_rows
from newsreader.core.store.cluster_lookup import feed_sketch
from newsreader.core.store.store import Store
from tests.support.feedgen import Item, rss
from tests.support.loopback import LoopbackServer
from tests.support.stories import POLICE_REPORTS, paragraphs, reprints


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, _ = capsys.readouterr()
    return code, out


def _serve_town(server: LoopbackServer, corpus: Path) -> list[str]:
    """The press office, three papers reprinting its story, and the police with two reports."""
    now = datetime.now(UTC).replace(microsecond=0)
    paras = paragraphs(corpus / "pages/german-news-gold/spiegel_nancy.txt")
    urls = []
    for i, version in enumerate(reprints(paras, "Pelosi lädt Trump aus")[:4]):
        item = Item(
            title=version.title,
            link=f"http://paper{i}.example/story",
            guid=f"http://paper{i}.example/story",
            content=version.html,
            published=now - timedelta(hours=3) + timedelta(minutes=10 * i),
        )
        urls.append(server.route(f"/paper{i}.xml", rss([item], title=version.feed)))
    reports = [
        Item(
            title=f"Einbruch {i}",
            link=f"http://polizei.example/{i}",
            guid=f"http://polizei.example/{i}",
            description=f"<p>{text}</p>",
            published=now - timedelta(hours=1, minutes=i),
        )
        for i, text in enumerate(POLICE_REPORTS)
    ]
    urls.append(server.route("/polizei.xml", rss(reports, title="Polizei Münster")))
    return urls


def test_articles_lists_a_story_once_with_its_other_versions(
    server: LoopbackServer, data_dir: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for url in _serve_town(server, corpus):
        assert run(capsys, "add", url)[0] == 0
    assert run(capsys, "refresh")[0] == 0

    code, out = run(capsys, "articles", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 3  # one story, two police reports
    story = next(r for r in rows if r["cluster_id"] is not None)
    versions = [story["feed_title"], *(v["feed_title"] for v in story["also_in"])]
    assert sorted(versions) == ["Kurier", "Presseamt", "Stadtanzeiger", "Westfalen-Blatt"]
    assert all(set(v) == {"id", "feed_title", "title", "paywalled"} for v in story["also_in"])
    police = [r for r in rows if r["feed_title"] == "Polizei Münster"]
    assert [r["cluster_id"] for r in police] == [None, None] and police[0]["also_in"] == []

    _, out = run(capsys, "articles", "--limit", "1")
    assert len(out.splitlines()) == 1
    _, out = run(capsys, "feeds", "--json")
    assert sum(f["unread"] for f in json.loads(out)) == 6  # counts count entries

    # Reading one version reads them all.
    other = story["also_in"][0]["id"]
    assert run(capsys, "mark", str(other), "--read")[0] == 0
    _, out = run(capsys, "articles", "--json", "--unread")
    assert [r["feed_title"] for r in json.loads(out)] == ["Polizei Münster"] * 2


def test_a_setting_turns_clustering_off(
    server: LoopbackServer, data_dir: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for url in _serve_town(server, corpus):
        run(capsys, "add", url)
    run(capsys, "refresh")
    config = data_dir.parent / "config.toml"
    config.write_text("[cluster]\nenabled = false\n", encoding="utf-8")
    # At once, before any refresh: every version on its own, reading one reads only it (they
    # showed ×2 and their other versions, and marking one read marked the others).
    _, out = run(capsys, "articles", "--json")
    rows = json.loads(out)
    assert len(rows) == 6
    assert all(r["cluster_id"] is None and r["also_in"] == [] for r in rows)
    assert run(capsys, "mark", str(rows[0]["id"]), "--read")[0] == 0
    _, out = run(capsys, "articles", "--json", "--unread")
    assert len(json.loads(out)) == 5
    run(capsys, "refresh")
    _, out = run(capsys, "articles", "--json")
    assert all(r["cluster_id"] is None and r["also_in"] == [] for r in json.loads(out))


def test_articles_watched_lists_the_matches_for_cron(
    server: LoopbackServer, data_dir: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for url in _serve_town(server, corpus):
        run(capsys, "add", url)
    run(capsys, "refresh")
    config = data_dir.parent / "config.toml"
    config.write_text('[watch]\nwords = ["hammer strasse", "Wolbecker"]\n', encoding="utf-8")
    _, out = run(capsys, "articles", "--watched", "--json")
    rows = json.loads(out)
    assert [(r["title"], r["watched"]) for r in rows] == [
        ("Einbruch 0", "hammer strasse"),
        ("Einbruch 1", "Wolbecker"),
    ]
    _, out = run(capsys, "articles", "--watched")
    assert "[hammer strasse]" in out and len(out.splitlines()) == 2


def test_hide_rules_hide_from_articles_and_counts_and_bad_ones_are_warned(
    server: LoopbackServer, data_dir: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for url in _serve_town(server, corpus):
        run(capsys, "add", url)
    config = data_dir.parent / "config.toml"
    config.write_text(
        '[[hide]]\ntitle = "Einbruch 1"\n\n[[hide]]\ntext = "re:["\n', encoding="utf-8"
    )
    assert run(capsys, "refresh")[0] == 0
    code = main(["articles", "--json"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "warning:" in err and "[[hide]] #2 (line 4) skipped" in err
    assert [r["title"] for r in json.loads(out) if r["feed_title"] == "Polizei Münster"] == [
        "Einbruch 0"
    ]
    _, out = run(capsys, "feeds", "--json")
    assert sum(f["unread"] for f in json.loads(out)) == 5
    _, out = run(capsys, "articles", "--show-hidden", "--json")
    hidden = [r["title"] for r in json.loads(out) if r["hidden"]]
    assert hidden == ["Einbruch 1"]


def test_a_refresh_sketches_its_new_entries_as_it_stores_them(
    server: LoopbackServer,
    data_dir: Path,
    corpus: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = Store.in_dir(data_dir)
    for url in _serve_town(server, corpus):  # subscribed unfetched: the refresh brings all
        store.add_feed(url)
    sketched: list[int] = []

    def counted(plain: str) -> tuple[int, int, str]:
        sketch = feed_sketch(plain)
        sketched.append(sketch[0])
        return sketch

    monkeypatch.setattr(entry_rows, "feed_sketch", counted)  # a few feeds: stored in-process
    assert run(capsys, "refresh")[0] == 0
    assert len(sketched) == 6  # four versions of one story, two police reports

    rows = json.loads(run(capsys, "articles", "--json")[1])
    assert len(rows) == 3 and sorted(len(r["also_in"]) for r in rows) == [0, 0, 3]
    assert store.conn.execute("SELECT COUNT(*) FROM cluster_pending").fetchone()[0] == 0
