"""What a new user of the command line runs into: bad config, options after the command,
adding twice, the wrong file, no matches, counts, marks and encodings (issue 13)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsreader.cli import main
from newsreader.commands import _reader_config
from newsreader.core.config import Config
from newsreader.core.config_file import load_config
from newsreader.core.store.store import DB_NAME, Store
from tests.support.feedgen import items, rss
from tests.support.loopback import LoopbackServer


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "named.toml"  # not the default place the data_dir fixture names
    path.write_text(text, encoding="utf-8")
    return path


# --- config: errors name the key, typos are warnings ----------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[network]\nconcurrency = 0\n", "network.concurrency"),
        ("[network]\nconcurrency = -5\n", "network.concurrency"),
        ("[network]\nread_timeout = -1.0\n", "network.read_timeout"),
        ("[prefetch]\nteasers_per_article = 'fünf'\n", "prefetch.teasers_per_article"),
    ],
)
def test_a_bad_config_value_is_one_line_naming_the_key(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str], text: str, key: str
) -> None:
    config = write_config(tmp_path, text)
    code, out, err = run(capsys, "--config", str(config), "feeds")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and key in err and "Traceback" not in err


def test_typos_in_the_config_are_warned_and_skipped(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, "[network]\nconcurency = 3\n[netwrok]\nper_host = 2\n")
    code, out, err = run(capsys, "feeds", "--config", str(config))
    assert code == 0 and "no subscriptions yet" in out
    lines = err.splitlines()
    assert len(lines) == 2 and all(line.startswith("newsreader: warning: ") for line in lines)
    assert "network.concurency" in lines[0] and "[netwrok]" in lines[1]


def test_unknown_binding_ids_are_warned_before_the_reader_opens() -> None:
    config = _reader_config(Config(keys={"app.refresh": "R", "headline.nxt": "n"}))
    assert config.keys == {"app.refresh": "R"}
    assert len(config.warnings) == 1 and "'headline.nxt'" in config.warnings[0]


def test_a_remap_onto_a_key_another_binding_has_is_warned(tmp_path: Path) -> None:
    """`"app.quit" = "j"`: the list's j won, q no longer quit, and nothing said so (a helper's
    tour). Clashes the defaults have on purpose (the article's q goes back) are not warned;
    the reader's note names the file the config came from, --config's too."""
    config = _reader_config(Config(keys={"app.quit": "j", "app.refresh": "R"}))
    assert config.warnings == (
        "[keys] 'app.quit' takes 'j', which 'article.scroll_down', 'feeds.down', "
        "'headline.next', 'teaser.down' have too: one of them will not work",
    )
    assert _reader_config(Config(keys={"app.quit": "q,ctrl+c"})).warnings == ()
    # Spaces in a key list, and a binding two panes share (a helper's review found both missed).
    assert len(_reader_config(Config(keys={"app.quit": "ctrl+q, j"})).warnings) == 1
    assert _reader_config(Config(keys={"teaser.down": "h"})).warnings == (
        "[keys] 'teaser.down' takes 'h', which 'detail.to_list' has too: one of them will not work",
    )
    named = write_config(tmp_path, '[keys]\n"app.quit" = "j"\n')
    assert load_config(named).source == "named.toml"


def test_a_named_config_file_must_exist(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--config", str(tmp_path / "absent.toml"), "feeds")
    assert code == 2 and out == ""
    assert err == f"newsreader: config file {tmp_path / 'absent.toml'} does not exist\n"
    # the default place may be absent (data_dir points NEWSREADER_CONFIG at a missing file)
    code, _, err = run(capsys, "feeds")
    assert code == 0 and err == ""


# --- global options after the command -------------------------------------------------------


def test_global_options_work_after_the_command(
    server: LoopbackServer, tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other"
    url = server.route("/feed.xml", rss(items(2)))
    code, out, _ = run(capsys, "add", url, "--data-dir", str(other))
    assert code == 0 and (other / "newsreader.sqlite3").exists()
    code, out, _ = run(capsys, "feeds", "--data-dir", str(other))
    assert code == 0 and url in out
    code, out, _ = run(capsys, "feeds")  # the default data dir has nothing
    assert "no subscriptions yet" in out
    config = write_config(tmp_path, "[network]\nconcurrency = 0\n")
    code, _, err = run(capsys, "feeds", "--data-dir", str(other), "--config", str(config))
    assert code == 2 and "network.concurrency" in err
    hits = server.hits.get("/artikel/0", 0)
    code, out, _ = run(capsys, "refresh", "--data-dir", str(other), "--offline")
    assert code == 2 and out == ""
    _, out, err = run(capsys, "articles", "--json", "--data-dir", str(other))
    assert out, err
    first = json.loads(out)[0]["id"]
    code, out, _ = run(capsys, "show", str(first), "--offline", "--data-dir", str(other))
    assert code == 0 and "Meldung" in out and server.hits.get("/artikel/0", 0) == hits


# --- adding twice, the wrong file, no matches ------------------------------------------------


def test_adding_a_subscribed_feed_says_so(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.route("/feed.xml", rss(items(2), title="Stadtblatt"))
    page = server.route(
        "/",
        f'<html><head><link rel="alternate" type="application/rss+xml" href="{url}"></head></html>',
        content_type="text/html; charset=utf-8",
    )
    code, out, _ = run(capsys, "add", url)
    assert code == 0 and out.startswith("subscribed to Stadtblatt")
    requests = len(server.requests)
    code, out, err = run(capsys, "add", url)
    assert code == 0 and out == f"already subscribed to Stadtblatt ({url})\n" and err == ""
    assert len(server.requests) == requests  # the same URL needs no fetch
    code, out, _ = run(capsys, "add", page)  # a page whose feed we have
    assert code == 0 and out == f"already subscribed to Stadtblatt ({url})\n"
    code, out, err = run(capsys, "add", page, "--pick", "0")  # took the first, without a word
    assert (code, out) == (
        2,
        "",
    ) and err == "newsreader: --pick must be at least 1 (the page's first feed is 1)\n"
    _, out, _ = run(capsys, "feeds", "--json")
    assert [f["entries"] for f in json.loads(out)] == [2]
    # Other spellings of the address are the same subscription (each made a second one,
    # every headline listed twice: a helper's tour), and need no fetch either.
    host_port = url.split("/")[2]
    port = host_port.rsplit(":", 1)[1]
    for spelling in (
        url.replace("http://", "HTTP://"),
        f"{url}#top",
        url.replace("/feed.xml", "/./feed.xml"),
        url.replace(f":{port}/", f":0{port}/"),
    ):
        code, out, err = run(capsys, "add", spelling)
        assert (code, out, err) == (0, f"already subscribed to Stadtblatt ({url})\n", "")
    assert len(server.requests) == requests + 2  # the page's fetch and its feed's
    _, out, _ = run(capsys, "feeds", "--json")
    assert [f["url"] for f in json.loads(out)] == [url]


def test_importing_something_else_says_not_an_opml_file(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "abos.csv"
    csv.write_text("Name,URL\nStadt,http://stadt.example/rss\n", encoding="utf-8")
    code, out, err = run(capsys, "import", str(csv))
    assert code == 2 and out == ""
    assert err.startswith("newsreader: not an OPML file") and err.count("\n") == 1
    assert "column" not in err and "Start tag" not in err


def test_a_search_without_matches_says_so_on_stderr(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "add", server.route("/feed.xml", rss(items(2))))
    code, out, err = run(capsys, "articles", "--search", "Zeppelinlandung")
    assert code == 0 and out == ""
    assert err == "newsreader: no matches for 'Zeppelinlandung'\n"
    code, out, err = run(capsys, "articles", "--search", "Zeppelinlandung", "--json")
    assert code == 0 and json.loads(out) == [] and "no matches" in err
    code, out, err = run(capsys, "articles", "--search", "muenster")
    assert code == 0 and "Münster" in out and err == ""


# --- counts, JSON, marks --------------------------------------------------------------------


def test_counts_are_in_plain_words(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.route("/feed.xml", rss(items(1)))
    _, out, _ = run(capsys, "add", url)
    assert out.endswith(": 1 entry\n")
    server.route("/feed.xml", rss(items(2)))
    _, out, _ = run(capsys, "refresh", "--no-sync")
    assert out.startswith("1 feed, 1 new entry, 0 updated")
    _, out, _ = run(capsys, "feeds")
    assert "2 entries, 2 unread" in out


def newsreader(
    data_dir: Path, *args: str, encoding: str | None = None
) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHONIO"))}
    env["NEWSREADER_DATA_DIR"] = str(data_dir)
    if encoding:
        env["PYTHONIOENCODING"] = encoding
    return subprocess.run(
        [sys.executable, "-m", "newsreader", *args],
        capture_output=True,
        check=False,
        env=env,
        timeout=60,
    )


def test_json_is_utf8_and_marks_match_the_reader_with_an_ascii_fallback(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "add", server.route("/feed.xml", rss(items(2))))
    _, out, _ = run(capsys, "articles", "--json")
    star = json.loads(out)[0]["id"]
    assert run(capsys, "mark", str(star), "--star")[1] == "marked 1 article starred\n"

    for encoding in (None, "ascii", "latin-1"):
        done = newsreader(data_dir, "articles", "--json", encoding=encoding)
        assert done.returncode == 0, done.stderr
        assert b"\\u" not in done.stdout and "Straßenfest in Münster".encode() in done.stdout
        assert json.loads(done.stdout.decode("utf-8"))[0]["title"].endswith("Münster")

    done = newsreader(data_dir, "articles", encoding="utf-8")
    lines = done.stdout.decode("utf-8").splitlines()
    assert "●★" in lines[0]
    assert "● " in lines[1] and "★" not in lines[1]

    done = newsreader(data_dir, "articles", encoding="ascii")
    assert done.returncode == 0 and b"Traceback" not in done.stderr
    text = done.stdout.decode("ascii")
    assert "N*" in text and "Stra?enfest in M?nster" in text


def test_a_refresh_from_the_command_line_collects_seldom(tmp_path: Path) -> None:
    """refresh/collecting.py, in the refreshing process; nothing is fetched here."""
    script = (
        "import gc, sys\n"
        "from newsreader import cli\n"
        "code = cli.main(['--data-dir', sys.argv[1], 'refresh', '--json'])\n"
        "print(code, *gc.get_threshold())\n"
    )
    env = {**os.environ, "NEWSREADER_CONFIG": str(tmp_path / "none.toml")}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "data")],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "0 10000 20 100"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["show", "abc"], "newsreader show: argument ID: not a whole number: 'abc'"),
        # Python's ints reached SQLite's 64 bits: an OverflowError traceback (a helper's tour)
        (["show", "9" * 20], f"newsreader show: argument ID: {'9' * 20} is too large"),
        (["mark", "9" * 20, "--read"], "newsreader mark: argument ID: 9999"),
        (["articles", "--limit", "9" * 20], "newsreader articles: argument --limit: 9999"),
        (["add", "http://x/", "--pick", "9" * 5000], "newsreader add: argument --pick: not a"),
        (["mark", "1"], "newsreader mark: one of the arguments --read --unread"),
        (["add"], "newsreader add: the following arguments are required: URL"),
        (["frobnicate"], "newsreader: argument COMMAND: invalid choice: 'frobnicate'"),
        (["articles", "--bogus"], "newsreader articles: unrecognized arguments: --bogus"),
    ],
)
def test_a_usage_error_is_one_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    """DESIGN: every error one clear line on stderr. argparse printed its usage block first
    (a helper's tour); the line now says where the usage is instead."""
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    assert exited.value.code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(says) and "--help)" in err


def test_a_feed_is_named_by_its_title_too(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--feed` and `remove` took a URL or an id, where search's `feed:` took titles; and
    `remove ' 1'` (a pasted space) found nothing (a helper's tour)."""
    run(capsys, "add", server.route("/a.xml", rss(items(2), title="Bäder-Ticker")))
    run(capsys, "add", server.route("/b.xml", rss(items(3), title="Stadtblatt")))
    code, out, _ = run(capsys, "articles", "--feed", "baeder-ticker", "--json")
    assert code == 0 and len(json.loads(out)) == 2
    code, out, _ = run(capsys, "articles", "--feed", "STADTBLATT", "--json")
    assert code == 0 and len(json.loads(out)) == 3
    code, _, err = run(capsys, "articles", "--feed", "Bäder")  # a title is named whole
    assert code == 2 and "no subscription matches 'Bäder'" in err
    code, out, _ = run(capsys, "remove", " 1")
    assert code == 0
    _, out, _ = run(capsys, "feeds", "--json")
    assert [f["title"] for f in json.loads(out)] == ["Stadtblatt"]


def test_numbers_and_days_beyond_what_sqlite_and_datetime_hold_are_one_line(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A feed's id of 20 digits and the day 0001-01-01 ended in tracebacks (OverflowError,
    "year 0 is out of range"), also in the reader's search field (a helper's tour)."""
    run(capsys, "add", server.route("/a.xml", rss(items(2), title="Stadtblatt")))
    huge = "9" * 20
    for args in (["articles", "--feed", huge], ["remove", huge], ["refresh", "--feed", huge]):
        code, out, err = run(capsys, *args)
        assert (code, out) == (2, "") and err.count("\n") == 1
        assert err.startswith(f"newsreader: no subscription matches {huge!r}")
    code, out, err = run(capsys, "articles", "--search", f"feed:{huge}")
    assert (code, out, err) == (0, "", f"newsreader: no matches for 'feed:{huge}'\n")
    code, out, err = run(capsys, "articles", "--search", "after:0001-01-01")
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert "after: wants a day as YYYY-MM-DD, not '0001-01-01'" in err
    code, out, _ = run(capsys, "articles", "--search", "after:1900-01-01", "--json")
    assert code == 0 and len(json.loads(out)) == 2


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("http://", "not a valid web address (a host name, no spaces)"),
        ("http://[::1", "not a valid web address"),
        ("http://exa mple.de/", "not a valid web address"),  # was sent to the proxy
        ("ftp://example.de/feed", "only http and https URLs can be subscribed"),
        ("example.de/feed.xml", "give the whole address, as in https://example.de/feed.xml"),
        ("127.0.0.1:8080/rss", "give the whole address, as in https://127.0.0.1:8080/rss"),
        ("mailto:rat@stadt.de", "only http and https URLs can be subscribed"),
        (" ", "give a feed's address"),
    ],
)
def test_an_address_that_cannot_be_fetched_says_what_is_wrong(
    data_dir: Path, capsys: pytest.CaptureFixture[str], address: str, says: str
) -> None:
    """`add http://` said "only http and https URLs can be subscribed" (a helper's tour)."""
    code, out, err = run(capsys, "add", address)
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert err.startswith(f"newsreader: {address!r}: {says}")


@pytest.mark.parametrize(
    ("encoding", "marks", "umlaut"),
    [
        ("utf-8", "● unread, ★ starred, € paywalled", "Münster"),
        ("ascii", "N unread, * starred", "M?nster"),
    ],
)
def test_help_names_the_marks_the_listing_prints_and_never_fails_to_print(
    tmp_path: Path, encoding: str, marks: str, umlaut: str
) -> None:
    """`articles --help` named the ASCII marks where a UTF-8 terminal lists ● ★ € ↓, and on
    a terminal that cannot show "Münster" it ended in a UnicodeEncodeError (a helper's
    tour)."""
    env = {**os.environ, "PYTHONIOENCODING": encoding, "NEWSREADER_CONFIG": os.devnull}
    done = subprocess.run(
        [sys.executable, "-m", "newsreader", "--data-dir", str(tmp_path), "articles", "--help"],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    shown = done.stdout.decode(encoding)
    assert done.returncode == 0, done.stderr
    assert f"Marks: {marks}" in " ".join(shown.split()) and umlaut in shown


def test_a_space_in_the_path_is_sent_percent_encoded_as_browsers_do(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only a space in the host is no address: 392833f refused any (a helper's review)."""
    url = server.route("/Mein%20Podcast.xml", rss(items(2), title="Mein Podcast"))
    code, out, err = run(capsys, "add", url.replace("%20", " "))
    assert code == 0, err
    assert out.startswith("subscribed to Mein Podcast")


def test_a_data_dir_that_is_a_file_is_named_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "notes.txt"
    taken.write_text("meine Notizen", encoding="utf-8")
    code, out, err = run(capsys, "--data-dir", str(taken), "feeds")
    assert (code, out, err) == (
        2,
        "",
        f"newsreader: the data dir {taken} is a file, not a folder\n",
    )
    assert taken.read_text(encoding="utf-8") == "meine Notizen"


def test_a_flag_given_nothing_is_an_error_not_left_out(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`articles --feed "$F"` with F unset listed every feed, exit 0; `add --title ""`
    stored a blank title that `feeds` showed as the address (a helper's tour)."""
    url = server.route("/a.xml", rss(items(2), title="Stadtblatt"))
    for args, says in [
        (["add", url, "--title", " "], "--title needs a title (leave it out for the feed's own)"),
        (["add", url, "--tag", ""], "--tag needs a tag's name"),
    ]:
        code, out, err = run(capsys, *args)
        assert (code, out, err) == (2, "", f"newsreader: {says}\n")
    assert run(capsys, "feeds", "--json")[1].strip() == "[]"  # nothing was subscribed
    code, out, _ = run(capsys, "add", url, "--title", "  Mein Blatt ", "--tag", " Lokales ")
    assert code == 0 and out.startswith("subscribed to Mein Blatt")
    (feed,) = json.loads(run(capsys, "feeds", "--json")[1])
    assert (feed["title"], feed["tags"]) == ("Mein Blatt", ["Lokales"])
    for args, says in [
        (["articles", "--feed", ""], "--feed needs a feed's address, id or title"),
        (["articles", "--tag", " "], "--tag needs a tag's name"),
        (["articles", "--saved", ""], "--saved needs a saved search's name"),
        (["refresh", "--feed", "1", "--feed", ""], "--feed needs a feed's address, id or title"),
    ]:
        code, out, err = run(capsys, *args)
        assert (code, out, err) == (2, "", f"newsreader: {says}\n")


def test_a_feed_is_found_in_every_spelling_it_was_stored_or_typed_in(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two slips of 091e96d (a helper's review): a page's feed stored in the page's own
    spelling before (or by sync, or an import) was subscribed again, and an address typed at
    `add` with a #fragment was not found by `--feed` or `remove` once stored without it."""
    server.route("/feed.xml", rss(items(3)))
    page = server.route(
        "/",
        "<html><head><link rel='alternate' type='application/rss+xml' href='/./feed.xml'>"
        "</head></html>",
        content_type="text/html; charset=utf-8",
    )
    spelled = page + "./feed.xml"
    run(capsys, "feeds")  # the cache made
    store = Store(data_dir / DB_NAME)
    store.add_feed(spelled)  # as a subscription from before 091e96d keeps it
    store.close()
    code, out, _ = run(capsys, "add", page)
    assert code == 0 and out.startswith("already subscribed")
    _, out, _ = run(capsys, "feeds", "--json")
    assert [f["url"] for f in json.loads(out)] == [spelled]
    assert run(capsys, "remove", spelled)[0] == 0
    typed = page + "feed.xml#oben"
    assert run(capsys, "add", typed)[0] == 0
    code, out, _ = run(capsys, "articles", "--feed", typed, "--json")
    assert code == 0 and len(json.loads(out)) == 3
    assert run(capsys, "remove", typed)[0] == 0
    _, out, _ = run(capsys, "feeds", "--json")
    assert json.loads(out) == []
