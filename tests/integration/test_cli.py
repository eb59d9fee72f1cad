"""The command line against a real loopback server and a real cache, in-process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.store.store import Store
from tests.support.cli import run
from tests.support.feedgen import Item, items, rss
from tests.support.loopback import LoopbackServer


def test_add_refresh_articles_show(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.route("/feed.xml", rss(items(5)), etag='"v1"')
    code, out, _ = run(capsys, "add", url, "--tag", "Lokales")
    assert code == 0 and "5 entries" in out
    code, out, _ = run(capsys, "refresh", "--json")
    report = json.loads(out)
    assert code == 0
    assert report["feeds"] == 1 and report["unchanged"] == 1 and report["failed"] == []
    # the conditional GET carried the validator and cost a 304
    assert server.requests[-1][1].get("If-None-Match") == '"v1"'
    code, out, _ = run(capsys, "feeds", "--json")
    feeds = json.loads(out)
    assert feeds[0]["tags"] == ["Lokales"] and feeds[0]["entries"] == 5
    assert feeds[0]["last_status"] == 304 and feeds[0]["unread"] == 5
    code, out, _ = run(capsys, "articles", "--json", "--search", "muenster", "--limit", "3")
    rows = json.loads(out)
    assert len(rows) == 3 and rows[0]["title"].startswith("Meldung 0")
    assert rows[0]["published"] == "2026-11-20T08:00:00Z"
    code, out, _ = run(capsys, "--offline", "show", str(rows[0]["id"]), "--json")
    shown = json.loads(out)
    assert code == 0 and shown["text_source"] == "feed"
    assert "Kurzfassung 0" in shown["text"]
    assert shown["teasers"][0]["url"] == "http://example.org/mehr/0"
    code, out, _ = run(capsys, "--offline", "show", str(rows[0]["id"]))
    assert "Links:" in out and "[1] mehr" in out


def test_show_prints_text_not_markdown(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`show` printed the Markdown it keeps: "Konsument\\*innen", [labels](urls), **bold**
    (a helper's tour); `--json` keeps the Markdown for programs."""
    (item,) = items(1)
    item.description = (
        "<h2>Handel</h2><p>Ein paar Konsument*innen mögen <a href='http://example.org/a'>"
        "den Laden</a> und <b>fette</b> Preise.</p><ul><li>Erstens</li></ul>"
    )
    run(capsys, "add", server.route("/feed.xml", rss([item])))
    code, out, _ = run(capsys, "--offline", "show", "1")
    assert code == 0
    assert "Handel\n\nEin paar Konsument*innen mögen den Laden und fette Preise." in out
    assert "- Erstens" in out and "\\" not in out and "](" not in out and "##" not in out
    shown = json.loads(run(capsys, "--offline", "show", "1", "--json")[1])
    assert "Konsument\\*innen" in shown["text"]


def test_refresh_reports_failures_and_keeps_the_rest(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = server.route("/good.xml", rss(items(3)))
    run(capsys, "add", good)
    broken = server.url("/missing.xml")
    from newsreader.core.store.store import Store

    store = Store.in_dir(data_dir)
    store.add_feed(broken)
    store.close()
    server.route("/good.xml", rss(items(4)))
    code, out, err = run(capsys, "refresh")
    assert code == 1
    assert "2 feeds, 1 new entry," in out and "1 failed" in out
    assert f"failed: {broken}: HTTP 404" in err
    code, out, _ = run(capsys, "feeds", "--json")
    by_url = {f["url"]: f for f in json.loads(out)}
    assert by_url[broken]["last_status"] == 404 and "404" in by_url[broken]["last_error"]
    assert by_url[good]["entries"] == 4


def test_gone_feed_stops_polling(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.route("/gone.xml", rss(items(1)))
    run(capsys, "add", url)
    server.route("/gone.xml", b"", status=410)
    code, _, err = run(capsys, "refresh")
    assert code == 1 and "410 Gone" in err
    hits = server.hits["/gone.xml"]
    code, out, _ = run(capsys, "refresh")
    assert code == 0 and out.startswith("0 feeds")
    assert server.hits["/gone.xml"] == hits
    code, out, _ = run(capsys, "feeds")
    assert "gone (no longer polled)" in out


def test_permanent_redirect_updates_the_stored_url(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = server.route("/old.xml", rss(items(2)))
    run(capsys, "add", old)
    new = server.route("/new.xml", rss(items(2)))
    server.route("/old.xml", b"", status=301, headers={"Location": new})
    code, _, _ = run(capsys, "refresh")
    assert code == 0
    _, out, _ = run(capsys, "feeds", "--json")
    assert [f["url"] for f in json.loads(out)] == [new]


def test_a_feed_moved_for_good_to_a_page_that_is_no_feed_keeps_its_address(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Sites retire a feed by a 301 to their home page: the address was rewritten before the
    answer was parsed, and the user's was lost for one that fails "not a feed" for good (a
    helper's review). Once the feed comes back at its address, it is found there."""
    old = server.route("/old.xml", rss(items(2)))
    run(capsys, "add", old)
    home = server.route("/", b"<html><body>Willkommen</body></html>", content_type="text/html")
    server.route("/old.xml", b"", status=301, headers={"Location": home})
    code, out, _ = run(capsys, "refresh")
    assert code == 1 and "1 failed" in out
    _, out, _ = run(capsys, "feeds", "--json")
    assert [f["url"] for f in json.loads(out)] == [old]
    server.route("/old.xml", rss(items(3)))
    code, out, _ = run(capsys, "refresh")
    assert code == 0 and "1 new" in out


def test_add_discovers_feeds_on_a_page(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.route("/a.xml", rss(items(2), title="Erster"))
    server.route("/b.xml", rss(items(3), title="Zweiter"))
    page = server.route(
        "/",
        b"<html><head><link rel='alternate' type='application/rss+xml' title='A' href='/a.xml'>"
        b"<link rel='alternate' type='application/rss+xml' title='B' href='/b.xml'></head>"
        b"<body>Hallo</body></html>",
        content_type="text/html; charset=utf-8",
    )
    code, out, err = run(capsys, "add", page, "--pick", "3")
    assert code == 2 and "offers 2 feeds" in err and "the page offers feeds 1 to 2" in err
    assert "1. A  " in err and err.rstrip().endswith("the page offers feeds 1 to 2")
    code, out, err = run(capsys, "add", page, "--pick", "2")
    assert code == 0 and "offers 2 feeds" in err and "3 entries" in out
    assert "2. B  " + server.url("/b.xml") in err
    code, _, err = run(
        capsys,
        "add",
        server.route("/plain", b"<html><body>nix</body></html>", content_type="text/html"),
    )
    assert code == 2 and "neither a feed nor a page" in err
    assert len(err.strip().splitlines()) == 1


def test_opml_round_trip(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    opml = tmp_path / "in.opml"
    opml.write_text(
        """<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
        <outline text="Lokales"><outline text="Polizei &amp; Feuerwehr">
          <outline type="rss" text="Polizei" xmlUrl="http://p.example/rss"/></outline>
          <outline type="rss" text="Stadt Münster" xmlUrl="http://m.example/rss"/></outline>
        <outline type="rss" text="Ohne Ordner" xmlUrl="http://o.example/rss"/>
        </body></opml>""",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "import", str(opml))
    assert code == 0 and "imported 3 feeds" in out
    exported = tmp_path / "out.opml"
    assert run(capsys, "export", str(exported))[0] == 0
    _, before, _ = run(capsys, "feeds", "--json")
    other = tmp_path / "other"
    code, _, _ = run(capsys, "--data-dir", str(other), "import", str(exported))
    _, after, _ = run(capsys, "--data-dir", str(other), "feeds", "--json")

    def shape(text: str) -> list[tuple[str, str, list[str]]]:
        return sorted((f["url"], f["title"], sorted(f["tags"])) for f in json.loads(text))

    assert shape(before) == shape(after)
    assert ("http://p.example/rss", "Polizei", ["Lokales", "Polizei & Feuerwehr"]) in shape(after)


def test_an_import_says_what_it_skipped_and_keeps_the_names_you_gave(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An outline whose address is no web address is named, one line each (it was skipped
    without a word); a feed already subscribed keeps its title (an import renamed it) and
    gains the file's folder; an untitled one takes the file's title."""
    first = tmp_path / "first.opml"
    first.write_text(
        """<opml version="2.0"><body>
        <outline type="rss" text="Meine Polizei" xmlUrl="http://p.example/rss"/>
        <outline type="rss" text="" xmlUrl="http://u.example/rss"/></body></opml>""",
        encoding="utf-8",
    )
    assert run(capsys, "import", str(first))[0] == 0
    second = tmp_path / "second.opml"
    second.write_text(
        """<opml version="2.0"><body><outline text="Lokales">
        <outline type="rss" text="Polizei Münster" xmlUrl="http://p.example/rss"/>
        <outline type="rss" text="Stadtwerke" xmlUrl="http://u.example/rss"/>
        <outline type="rss" text="Geheim" xmlUrl="file:///etc/passwd"/>
        <outline type="rss" text="Alt" xmlUrl="ftp://alt.example/rss"/></outline></body></opml>""",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "import", str(second))
    assert code == 0 and "imported 2 feeds" in out and "(0 new)" in out
    assert err.splitlines() == [
        "skipped file:///etc/passwd: not a web address",
        "skipped ftp://alt.example/rss: not a web address",
    ]
    _, listed, _ = run(capsys, "feeds", "--json")
    feeds = {f["url"]: (f["title"], f["tags"]) for f in json.loads(listed)}
    assert feeds == {
        "http://p.example/rss": ("Meine Polizei", ["Lokales"]),
        "http://u.example/rss": ("Stadtwerke", ["Lokales"]),
    }


def test_articles_tag_is_case_blind_and_an_unknown_one_or_a_blank_search_is_an_error(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--tag lokales` finds the feeds tagged "Lokales", as search's `tag:` does; a tag no
    feed has, and a search of nothing, are errors, as an unknown `--feed` is: they listed
    nothing, or everything, with exit 0."""
    store = Store(data_dir / "newsreader.sqlite3")
    for n, (url, title, tag, headline) in enumerate(
        [
            ("http://l.example/rss", "Stadt", "Lokales", "Baustelle am Ring"),
            ("http://k.example/rss", "Kreis", "lokales", "Kreistag tagt"),
        ]
    ):
        feed = store.add_feed(url, title=title, tags=[tag])
        parsed = ParsedFeed(title, None, (ParsedEntry(key=str(n), title=headline),))
        store.record_feed(feed.id, parsed, status=200, etag=None, last_modified=None)
    store.close()
    code, out, _ = run(capsys, "articles", "--tag", "LOKALES")  # both spellings' feeds
    assert code == 0 and "Baustelle am Ring" in out and "Kreistag tagt" in out
    code, out, err = run(capsys, "articles", "--tag", "nope")
    assert (
        code == 2 and out == "" and "no feed has the tag 'nope'; tags: 'Lokales', 'lokales'" in err
    )
    for blank in ("", "   "):
        code, out, err = run(capsys, "articles", "--search", blank)
        assert code == 2 and out == "" and "--search needs a word" in err


def test_bad_input_gets_one_line_and_exit_2(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body><outline", encoding="utf-8")
    code, _, err = run(capsys, "import", str(bad))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    code, _, err = run(capsys, "remove", "999")
    assert code == 2 and "no subscription" in err
    code, _, err = run(capsys, "show", "12345")
    assert code == 2 and "no article" in err
    code, _, err = run(capsys, "add", "ftp://example.org/feed")
    assert code == 2 and "http" in err


def test_remove_keeps_starred(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.route(
        "/f.xml",
        rss(
            [
                Item(title="Bleibt", link="http://e/1", guid="1"),
                Item(title="Geht", link="http://e/2", guid="2"),
            ]
        ),
    )
    run(capsys, "add", url)
    from newsreader.core.store.store import Store

    store = Store.in_dir(data_dir)
    keep = next(r for r in store.entries() if r.title == "Bleibt")
    store.set_starred(keep.id, True)
    store.close()
    code, out, _ = run(capsys, "remove", url)
    assert code == 0 and "1 entry;" in out
    _, out, _ = run(capsys, "articles", "--json")
    assert [r["title"] for r in json.loads(out)] == ["Bleibt"]


def test_usage_errors_exit_2_and_help_reads(data_dir: Path) -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "newsreader", "frobnicate"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    helped = subprocess.run(
        [sys.executable, "-m", "newsreader", "refresh", "--help"], capture_output=True, text=True
    )
    assert helped.returncode == 0 and "--full" in helped.stdout


def test_long_retry_after_defers_the_feed(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.route("/busy.xml", rss(items(1)))
    run(capsys, "add", url)
    server.route("/busy.xml", b"", status=429, headers={"Retry-After": "3600"})
    code, _, err = run(capsys, "refresh")
    assert code == 1 and "429" in err
    hits = server.hits["/busy.xml"]
    code, out, _ = run(capsys, "refresh")
    assert code == 0 and out.startswith("0 feeds") and server.hits["/busy.xml"] == hits
    # naming the feed fetches it regardless of the server's wish
    run(capsys, "refresh", "--feed", url)
    assert server.hits["/busy.xml"] == hits + 1
