"""Sync against a real coldsweat server (Fever API) on 127.0.0.1, fed by our loopback feeds."""

from __future__ import annotations

import hashlib
import json
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from newsreader.cli import main
from tests.support.coldsweat import Coldsweat, ProxyTrap, PypiUnreachable, ensure_venv
from tests.support.feedgen import items, rss
from tests.support.loopback import LoopbackServer
from tests.support.sync_setup import write_sync_config

EMAIL = "alice@example.org"
PASSWORD = "coldsweat-secret"


@pytest.fixture(scope="session")
def coldsweat_script() -> Path:
    try:
        return ensure_venv()
    except PypiUnreachable as exc:
        pytest.skip(f"coldsweat cannot be installed, PyPI is unreachable: {exc}")


# Setting coldsweat up (three runs of its CLI: setup, import, fetch) costs more than a test:
# it is done once per module into a template directory, and every test starts its own server
# on a fresh copy of it. The feeds' server and the proxy trap live as long as the template,
# since coldsweat's database holds the feeds' URLs and its fetches went to that trap.


def serve_feeds(server: LoopbackServer) -> None:
    """The two feeds as coldsweat first fetched them (a test may change them afterwards)."""
    server.route("/stadt.xml", rss(items(4, base="http://stadt.example"), title="Stadt"))
    server.route(
        "/polizei.xml",
        rss(items(3, base="http://polizei.example", prefix="Polizei"), title="Polizei"),
    )


@pytest.fixture(scope="module")
def feeds_server() -> Iterator[LoopbackServer]:
    srv = LoopbackServer().start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def server(feeds_server: LoopbackServer) -> LoopbackServer:
    """The module's feeds server, with the feeds put back as the template fetched them."""
    serve_feeds(feeds_server)
    return feeds_server


@pytest.fixture(scope="module")
def trap() -> Iterator[ProxyTrap]:
    trap = ProxyTrap()
    try:
        yield trap
    finally:
        trap.close()


@pytest.fixture(scope="module")
def coldsweat_template(
    coldsweat_script: Path,
    feeds_server: LoopbackServer,
    trap: ProxyTrap,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """A coldsweat work directory with the user set up and both feeds imported and fetched."""
    serve_feeds(feeds_server)
    base = tmp_path_factory.mktemp("coldsweat-template")
    opml = base / "feeds.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>'
        f'<outline text="Lokales" title="Lokales">'
        f'<outline type="rss" text="Stadt" xmlUrl="{feeds_server.url("/stadt.xml")}"/>'
        f'<outline type="rss" text="Polizei" xmlUrl="{feeds_server.url("/polizei.xml")}"/>'
        "</outline></body></opml>",
        encoding="utf-8",
    )
    work = base / "coldsweat"
    work.mkdir()
    instance = Coldsweat(coldsweat_script, work, trap)
    instance.setup(EMAIL, PASSWORD)
    instance.import_opml(opml, EMAIL)
    instance.fetch()
    return work


@pytest.fixture
def coldsweat(
    coldsweat_script: Path,
    coldsweat_template: Path,
    server: LoopbackServer,
    trap: ProxyTrap,
    tmp_path: Path,
) -> Iterator[Coldsweat]:
    work = tmp_path / "coldsweat"
    shutil.copytree(coldsweat_template, work)
    instance = Coldsweat(coldsweat_script, work, trap)
    try:
        yield instance.start()
    finally:
        instance.stop()


@pytest.fixture
def synced(
    coldsweat: Coldsweat, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Coldsweat:
    write_sync_config(tmp_path / "config.toml", "fever", coldsweat.url, EMAIL)
    monkeypatch.setenv("NEWSREADER_SYNC_PASSWORD", PASSWORD)
    return coldsweat


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def phone(server: Coldsweat, query: str, **form: str) -> dict[str, Any]:
    """Another Fever client, in plain urllib."""
    key = hashlib.md5(f"{EMAIL}:{PASSWORD}".encode(), usedforsecurity=False).hexdigest()
    body = urlencode({"api_key": key, **form}).encode()
    with urllib.request.urlopen(f"{server.url}?api&{query}", body, timeout=10) as answer:
        data: dict[str, Any] = json.loads(answer.read())
        return data


@pytest.mark.slow
def test_fever_sync_with_coldsweat(
    synced: Coldsweat, trap: ProxyTrap, server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # one feed was already subscribed and fetched here: its entries must not double
    run(capsys, "add", server.url("/stadt.xml"))
    code, out, err = run(capsys, "sync", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["server"].startswith("fever 127.0.0.1") and report["feeds_added"] == 1
    _, out, _ = run(capsys, "articles", "--json", "--limit", "100")
    rows = {row["title"]: row for row in json.loads(out)}
    assert len(rows) == 7 and not any(row["read"] for row in rows.values())
    _, out, _ = run(capsys, "feeds", "--json")
    feeds = {f["title"]: f for f in json.loads(out)}
    assert feeds["Polizei"]["origin"] == "server" and feeds["Polizei"]["tags"] == ["Lokales"]
    assert feeds["Stadt"]["origin"] == "local"

    # marks both ways: read here, starred on the phone
    first = next(r for t, r in rows.items() if t.startswith("Meldung 0"))
    _, out, _ = run(capsys, "mark", str(first["id"]), "--read", "--json")
    assert json.loads(out)["queued"] == 1
    items_now = phone(synced, "items")["items"]
    polizei = next(i for i in items_now if i["title"].startswith("Polizei 1"))
    phone(synced, "", mark="item", **{"as": "saved"}, id=str(polizei["id"]))
    code, out, err = run(capsys, "sync", "--json")
    assert code == 0, err
    assert json.loads(out)["pushed"] == 1
    unread = phone(synced, "unread_item_ids")["unread_item_ids"].split(",")
    assert len(unread) == 6
    _, out, _ = run(capsys, "articles", "--json", "--starred")
    assert [row["title"] for row in json.loads(out)] == [polizei["title"]]

    # Fever cannot unsubscribe: a feed removed here stays removed here
    police = feeds["Polizei"]
    run(capsys, "remove", str(police["id"]))
    code, out, err = run(capsys, "sync", "--json")
    assert code == 0 and json.loads(out)["feeds_added"] == 0, err
    _, out, _ = run(capsys, "feeds", "--json")
    assert [f["title"] for f in json.loads(out)] == ["Stadt"]
    # the unsubscribe stays queued, unsent: not "1 mark sent" on every sync (a tour)
    code, out, err = run(capsys, "sync")
    assert code == 0 and "0 changes sent" in out, err

    # nothing left the machine: coldsweat's favicon look-ups all ended at the trap
    assert trap.attempts and all(
        a.startswith((b"CONNECT ", b"GET http")) and b"127.0.0.1" not in a.split(b"\r\n")[0]
        for a in trap.attempts
    )


def test_incremental_fever_sync_pulls_only_what_is_new(
    synced: Coldsweat, server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "sync")[0] == 0
    server.route("/stadt.xml", rss(items(6, base="http://stadt.example"), title="Stadt"))
    synced.pretend_feeds_are_due()
    synced.fetch()
    code, out, err = run(capsys, "sync", "--json")
    assert code == 0, err
    assert json.loads(out)["pulled_items"] == 2
    _, out, _ = run(capsys, "articles", "--json", "--limit", "100")
    assert len(json.loads(out)) == 9


def test_wrong_fever_password_is_exit_2(
    synced: Coldsweat, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSREADER_SYNC_PASSWORD", "not-it")
    code, out, err = run(capsys, "sync")
    assert code == 2 and out == "" and err.count("\n") == 1 and "refused" in err
