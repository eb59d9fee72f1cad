"""Bad sync servers: one line, the right exit code, and the cache exactly as it was."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.fake_greader import FakeGReader
from tests.support.sync_setup import API_PASSWORD, write_sync_config


@pytest.fixture
def fake() -> Iterator[FakeGReader]:
    server = FakeGReader(api_password=API_PASSWORD).start()
    feed = server.add_feed("http://news.example/stadt.xml", "Stadt", ["Lokales"])
    for n in range(5):
        server.add_item(feed, f"Meldung {n}", f"http://news.example/{n}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def config(
    fake: FakeGReader, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv("NEWSREADER_SYNC_PASSWORD", API_PASSWORD)
    return write_sync_config(tmp_path / "config.toml", "greader", fake.url, "alice", timeout=1.0)


def snapshot(data_dir: Path) -> tuple[list[tuple[object, ...]], ...]:
    conn = sqlite3.connect(data_dir / "newsreader.sqlite3")
    try:
        return tuple(
            conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("feeds", "entries", "sync_queue", "sync_state")
        )
    finally:
        conn.close()


def test_wrong_password_is_one_line_and_exit_2(
    config: Path,
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSREADER_SYNC_PASSWORD", "wrong-password-42")
    code, out, err = run(capsys, "sync", "--json")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "refused the user name or password" in err
    assert "wrong-password-42" not in err
    assert snapshot(data_dir)[0] == []


def test_server_down_is_one_line_and_exit_1(
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    write_sync_config(tmp_path / "config.toml", "greader", f"http://127.0.0.1:{port}/api", "a")
    monkeypatch.setenv("NEWSREADER_SYNC_PASSWORD", API_PASSWORD)
    code, out, err = run(capsys, "sync")
    assert code == 1 and out == "" and err.count("\n") == 1 and "cannot reach 127.0.0.1" in err


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("html", "sent HTML or XML, not"),
        ("wrong_types", "expected a JSON object, got a list"),
        ("endless", "the continuation"),
        ("too_many_ids", "more than 1,000,000 ids"),
        ("slow", "did not answer in time"),
        ("unavailable", "answered HTTP 503"),
    ],
)
def test_bad_answers_change_nothing(
    fault: str,
    message: str,
    fake: FakeGReader,
    config: Path,
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "sync")
    assert code == 0, err
    _, out, _ = run(capsys, "articles", "--json")
    first = json.loads(out)[0]["id"]
    run(capsys, "mark", str(first), "--read")
    feed = next(iter(fake.feeds.values()))
    fake.add_item(feed, "Neu nach dem ersten Sync", "http://news.example/neu")
    before = snapshot(data_dir)
    fake.faults.add(fault)
    code, out, err = run(capsys, "sync", "--json")
    assert code == 1 and out == "", err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    after = snapshot(data_dir)
    # the queued mark may have gone out before the fault (then it left the queue), but no
    # item, feed, mark or cursor from the failed pull was written
    assert after[0] == before[0] and after[1] == before[1] and after[3] == before[3]
    fake.faults.clear()
    code, out, err = run(capsys, "sync", "--json")
    assert code == 0, err
    assert json.loads(out)["pulled_items"] >= 1


def test_an_oversized_answer_is_refused(
    fake: FakeGReader, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("NEWSREADER_SYNC_PASSWORD", API_PASSWORD)
    write_sync_config(tmp_path / "config.toml", "greader", fake.url, "alice", max_response_mb=0.001)
    feed = next(iter(fake.feeds.values()))
    fake.add_item(feed, "Lang", "http://news.example/lang", content="<p>" + "x" * 5000 + "</p>")
    code, _, err = run(capsys, "sync")
    assert code == 1 and "larger than" in err and err.count("\n") == 1


def test_marks_the_server_took_before_a_push_broke_are_not_sent_again(
    fake: FakeGReader, config: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """All marks stayed queued when a later one failed, and the next sync sent the taken
    ones again, over what was changed on the server since (a helper's tour). And the
    report counts what the server took, not feed changes still queued (a Fever unsubscribe)."""
    assert run(capsys, "sync")[0] == 0
    ids = [r["id"] for r in json.loads(run(capsys, "articles", "--json")[1])][:2]
    run(capsys, "mark", str(ids[0]), "--read")
    run(capsys, "mark", str(ids[1]), "--star")
    fake.faults.add("one_edit")
    code, _, err = run(capsys, "sync")
    assert code == 1 and "sending star marks" in err
    queued = sqlite3.connect(data_dir / "newsreader.sqlite3").execute("SELECT kind FROM sync_queue")
    assert [r[0] for r in queued] == ["starred"]
    fake.faults.clear()
    code, out, _ = run(capsys, "sync", "--json")
    assert code == 0 and json.loads(out)["pushed"] == 1
    # the read mark once, the star once: none sent twice
    assert [e.get("a") for e in fake.edits] == [
        ["user/-/state/com.google/read"],
        ["user/-/state/com.google/starred"],
    ]


def test_marks_made_while_the_server_is_away_go_out_later(
    fake: FakeGReader, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "sync")
    _, out, _ = run(capsys, "articles", "--json")
    ids = [row["id"] for row in json.loads(out)]
    fake.faults.add("unavailable")
    assert run(capsys, "sync")[0] == 1
    _, out, _ = run(capsys, "mark", *map(str, ids[:2]), "--read", "--json")
    assert json.loads(out)["queued"] == 2
    assert run(capsys, "refresh")[0] == 1  # the sync before the refresh failed: exit 1
    fake.faults.clear()
    code, out, _ = run(capsys, "sync", "--json")
    assert code == 0 and json.loads(out)["pushed"] == 2
    assert sum(1 for item in fake.items.values() if item.read) == 2


def test_sigkill_mid_sync_loses_no_mark_and_flips_none_back(
    fake: FakeGReader, config: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Kill `newsreader sync` at several moments while it pushes and pulls; after one clean
    sync, the server holds every local mark, and no mark came back reversed."""
    run(capsys, "sync")
    _, out, _ = run(capsys, "articles", "--json")
    ids = [row["id"] for row in json.loads(out)]
    fake.latency = 0.15
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for step, delay in enumerate((0.4, 0.7, 1.0, 1.3, 1.6)):
        # alternate marks, so a resent stale mark would flip an item back
        action = "--read" if step % 2 == 0 else "--unread"
        run(capsys, "mark", *map(str, ids), action)
        proc = subprocess.Popen(
            [sys.executable, "-m", "newsreader", "sync"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:  # a sync that ends before its kill time is not waited out
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    fake.latency = 0.0
    code, _, err = run(capsys, "sync")
    assert code == 0, err
    # the last local mark was --read (step 4): the server and the cache agree on it
    assert all(item.read for item in fake.items.values())
    _, out, _ = run(capsys, "articles", "--json")
    assert all(row["read"] for row in json.loads(out))
    assert snapshot(data_dir)[2] == []  # the queue is empty


def test_a_mistyped_server_changes_nothing_and_the_marks_go_out_later(
    fake: FakeGReader,
    config: Path,
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A url or user that names another account, and whose login fails: the cache stays as
    it was. The switch of account came before the login and dropped the queued marks and
    made every server feed a local one, which a refresh then fetched itself (duplicates);
    a helper's tour."""
    run(capsys, "sync")
    _, out, _ = run(capsys, "articles", "--json")
    first = json.loads(out)[0]["id"]
    assert json.loads(run(capsys, "mark", str(first), "--star", "--json")[1])["queued"] == 1
    before = snapshot(data_dir)
    write_sync_config(config, "greader", fake.url + "x", "alice", timeout=1.0)  # a typo
    code, _, err = run(capsys, "sync")
    assert code in (1, 2) and err.count("\n") == 1
    assert snapshot(data_dir) == before
    write_sync_config(config, "greader", fake.url, "alice", timeout=1.0)
    code, out, _ = run(capsys, "sync", "--json")
    assert code == 0 and json.loads(out)["pushed"] == 1
    assert sum(1 for item in fake.items.values() if item.starred) == 1


def _serve_once(answer: bytes) -> tuple[str, socket.socket]:
    """A raw server on 127.0.0.1 that answers every request with `answer`."""
    import threading

    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(answer)

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}", listener


def test_a_compressed_answer_is_unpacked_within_the_cap() -> None:
    """httpx's iter_bytes inflated a whole network read at once: a gzip bomb of 50 MB of
    zeros took tens of MB under a 1 MB cap (a helper's review). An honest gzip answer is
    still read."""
    import gzip
    import tracemalloc

    from newsreader.core.errors import SyncProtocolError
    from newsreader.core.sync.http import SyncHttp

    bomb = gzip.compress(b"\0" * (50 << 20), compresslevel=9)
    honest = gzip.compress(b'{"ok": true}')
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
    for body, expect in ((bomb, None), (honest, {"ok": True})):
        url, listener = _serve_once(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        http = SyncHttp(url, timeout=5.0, max_bytes=1 << 20)
        tracemalloc.start()
        try:
            if expect is None:
                with pytest.raises(SyncProtocolError, match="larger than 1 MB"):
                    http.request("GET", url + "/api", what="probe")
            else:
                answer = http.request("GET", url + "/api", what="probe")
                assert http.json(answer, what="probe") == expect
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            http.close()
            listener.close()
        assert peak < 4 << 20


@pytest.mark.parametrize("coding", ["gzip, gzip", "identity, gzip", "UTF-8", "none"])
def test_an_answer_in_codings_httpx_took_is_still_read(coding: str) -> None:
    """httpx undid several codings and read unknown ones as they came; the bounded
    unpacking refused them all (a helper's review)."""
    import gzip

    from newsreader.core.sync.http import SyncHttp

    body = b'{"ok": true}'
    if "gzip" in coding:
        body = gzip.compress(body)
    if coding == "gzip, gzip":
        body = gzip.compress(body)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: %s\r\n"
    answer = head % coding.encode() + b"Content-Length: %d\r\n\r\n" % len(body) + body
    url, listener = _serve_once(answer)
    http = SyncHttp(url, timeout=5.0, max_bytes=1 << 20)
    try:
        got = http.request("GET", url + "/api", what="probe")
        assert http.json(got, what="probe") == {"ok": True}
    finally:
        http.close()
        listener.close()


def test_another_spelling_of_the_server_is_the_same_account_another_server_is_told(
    fake: FakeGReader, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """A respelled [sync] url made another account of the same server: the marks queued for
    it were dropped without a word, and its feeds turned local (a helper's tour). A server
    that is another one still starts afresh, and says what it dropped."""
    monkeypatch.setenv("NEWSREADER_SYNC_PASSWORD", API_PASSWORD)
    write_sync_config(tmp_path / "config.toml", "greader", fake.url, "alice", timeout=1.0)
    assert run(capsys, "sync")[0] == 0
    ids = [r["id"] for r in json.loads(run(capsys, "articles", "--json")[1])]
    run(capsys, "mark", str(ids[0]), "--read")
    respelled = fake.url.replace("http://", "HTTP://").replace(f":{fake.port}", f":{fake.port}/")
    respelled = respelled.replace(f":{fake.port}//", f":{fake.port}/")
    write_sync_config(tmp_path / "config.toml", "greader", respelled, "alice", timeout=1.0)
    code, out, err = run(capsys, "sync", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["pushed"] == 1 and len(fake.edits) == 1
    _, out, _ = run(capsys, "feeds", "--json")
    assert {f["origin"] for f in json.loads(out)} == {"server"}
    run(capsys, "mark", str(ids[1]), "--read")
    other = FakeGReader(api_password=API_PASSWORD).start()
    try:
        write_sync_config(tmp_path / "config.toml", "greader", other.url, "alice", timeout=1.0)
        code, _, err = run(capsys, "sync")
    finally:
        other.stop()
    assert code == 0
    assert err == (
        "newsreader: warning: 1 change queued for the server before was dropped: "
        "[sync] names another server or user now\n"
    )
