"""Full text, page teasers, previews and offline prefetch through the real pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.feedgen import Item, rss
from tests.support.loopback import LoopbackServer
from tests.support.pages import article_page


@pytest.fixture
def site(server: LoopbackServer) -> str:
    base = server.url("")
    for n in range(6):
        related = [r for r in range(6) if r != n][:3]
        server.route(
            f"/artikel/{n}",
            article_page(n, base=base, related=related),
            content_type="text/html; charset=utf-8",
        )
    server.route(
        "/dossier",
        b"<html><head><title>Dossier Verkehr</title>"
        b"<meta name='description' content='Alles zum Verkehr in Musterstadt.'>"
        b"</head><body><p>Dossier</p></body></html>",
        content_type="text/html",
    )
    feed_items = [
        Item(
            title=f"Bericht {n}",
            link=f"{base}/artikel/{n}",
            guid=f"g{n}",
            description=f"<p>Nur der Anriss von Bericht {n}.</p>",
        )
        for n in range(2)
    ]
    return server.route("/lokales.xml", rss(feed_items, title="Musterstadt Zeitung"))


def test_refresh_full_then_show_offline(
    site: str, server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "add", site)
    code, out, _ = run(capsys, "refresh", "--full", "--json")
    report = json.loads(out)
    assert code == 0
    # two article pages, then their top teaser targets (dossier + related reports)
    assert report["pages_fetched"] >= 4
    _, out, _ = run(capsys, "articles", "--json")
    rows = json.loads(out)
    assert all(r["offline"] for r in rows)
    first = next(r for r in rows if r["title"] == "Bericht 0")
    hits_before = dict(server.hits)
    code, out, _ = run(capsys, "--offline", "show", str(first["id"]), "--json")
    shown = json.loads(out)
    assert server.hits == hits_before  # --offline touched no network
    assert shown["text_source"] == "page"
    assert "Sanierung der Hauptstraße" in shown["text"]
    assert "Vorspann von Bericht 0" in shown["text"]
    urls = [t["url"] for t in shown["teasers"]]
    assert urls[0].endswith("/dossier")  # link inside the text comes first
    assert any(u.endswith("/artikel/1") for u in urls)
    related = next(t for t in shown["teasers"] if t["url"].endswith("/artikel/1"))
    assert related["title"].endswith("Bericht Nummer 1 aus Musterstadt")
    assert "Worum es in Bericht 1 geht" in related["description"]
    assert related["offline"]
    assert not any(k in u for u in urls for k in ("impressum", "datenschutz", "twitter"))


def test_show_fetches_page_and_previews_online(
    site: str, server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "add", site)
    _, out, _ = run(capsys, "articles", "--json")
    entry_id = json.loads(out)[-1]["id"]
    code, out, _ = run(capsys, "show", str(entry_id), "--json")
    shown = json.loads(out)
    assert code == 0 and shown["text_source"] == "page"
    dossier = next(t for t in shown["teasers"] if t["url"].endswith("/dossier"))
    assert dossier["description"] == "Alles zum Verkehr in Musterstadt."
    # the preview is cached: showing again offline keeps it
    code, out, _ = run(capsys, "--offline", "show", str(entry_id), "--json")
    again = next(t for t in json.loads(out)["teasers"] if t["url"].endswith("/dossier"))
    assert again["description"] == "Alles zum Verkehr in Musterstadt."


def test_page_failure_keeps_feed_text(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = server.route(
        "/f.xml",
        rss(
            [
                Item(
                    title="Weg",
                    link=server.url("/gone"),
                    guid="1",
                    description="<p>Anriss bleibt.</p>",
                )
            ]
        ),
    )
    run(capsys, "add", feed)
    _, out, _ = run(capsys, "articles", "--json")
    code, out, err = run(capsys, "show", str(json.loads(out)[0]["id"]), "--json")
    assert code == 1 and "HTTP 404" in err and len(err.strip().splitlines()) == 1
    shown = json.loads(out)
    assert shown["text_source"] == "feed" and "Anriss bleibt." in shown["text"]


def test_paywalled_page_is_flagged(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = server.url("")
    server.route(
        "/plus", article_page(9, base=base, related=[], paywalled=True), content_type="text/html"
    )
    run(
        capsys,
        "add",
        server.route("/f.xml", rss([Item(title="Plus-Artikel", guid="p", link=f"{base}/plus")])),
    )
    _, out, _ = run(capsys, "articles", "--json")
    entry_id = json.loads(out)[0]["id"]
    _, out, _ = run(capsys, "show", str(entry_id), "--json")
    assert json.loads(out)["paywalled"] is True
    _, out, _ = run(capsys, "articles", "--json")
    assert json.loads(out)[0]["paywalled"] is True


def test_reextract_rebuilds_without_network(
    site: str, server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "add", site)
    run(capsys, "refresh", "--full")
    from newsreader.core.store.store import Store

    store = Store.in_dir(data_dir)
    url = server.url("/artikel/0")
    store.conn.execute("UPDATE pages SET text = 'alt' WHERE url = ?", (url,))
    store.conn.execute("DELETE FROM teasers WHERE page_url = ?", (url,))
    store.close()
    server.stop()
    code, out, _ = run(capsys, "reextract")
    assert code == 0 and "re-extracted" in out
    store = Store.in_dir(data_dir)
    page = store.page(url)
    assert page is not None and page.text and "Hauptstraße" in page.text
    assert len(page.teasers) >= 3
    cards = [t for t in page.teasers if t.kind == "related"]
    assert cards and all(t.kicker == "Lokales" and t.group == "related" for t in cards)
    assert all(t.title.startswith("Bericht Nummer") for t in cards)  # the kicker stays apart


def slow_site(server: LoopbackServer, pages: int, *, delay: float) -> str:
    base = server.url("")
    for n in range(pages):
        server.route(
            f"/artikel/{n}",
            article_page(n, base=base, related=[]),
            content_type="text/html; charset=utf-8",
            delay=delay,
        )
    items = [
        Item(title=f"Bericht {n}", link=f"{base}/artikel/{n}", guid=f"g{n}") for n in range(pages)
    ]
    return server.route("/viele.xml", rss(items, title="Viele Berichte"))


def test_prefetch_stops_at_its_time_budget(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """40 pages that take 0.3 s each, 4 at a time per host, with 1 s to spend: a handful are
    fetched, the run ends near its deadline, and no page is marked failed for it."""
    (data_dir.parent / "config.toml").write_text("[prefetch]\nmax_seconds_per_run = 1.0\n")
    run(capsys, "add", slow_site(server, 40, delay=0.3))
    code, out, _ = run(capsys, "refresh", "--full", "--json")
    report = json.loads(out)
    assert code == 0
    assert 1 <= report["pages_fetched"] <= 16
    requested = sum(n for path, n in server.hits.items() if path.startswith("/artikel/"))
    assert requested <= 20  # the budget held back the rest instead of starting all 40
    _, out, _ = run(capsys, "articles", "--json")
    offline = [r for r in json.loads(out) if r["offline"]]
    assert len(offline) == report["pages_fetched"]


def test_prefetch_stops_at_its_byte_budget(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One fetch at a time and room for two and a half pages: the third page crosses the
    budget, and nothing after it is fetched."""
    feed = slow_site(server, 10, delay=0)
    page_bytes = len(article_page(0, base=server.url(""), related=[]))
    (data_dir.parent / "config.toml").write_text(
        f"[network]\nconcurrency = 1\n[prefetch]\nmax_mb_per_run = {2.5 * page_bytes / 2**20!r}\n"
    )
    run(capsys, "add", feed)
    code, out, _ = run(capsys, "refresh", "--full", "--json")
    assert code == 0
    assert json.loads(out)["pages_fetched"] == 3
    assert sum(n for path, n in server.hits.items() if path.startswith("/artikel/")) == 3


def test_a_dead_link_is_not_asked_for_a_preview_again_a_busy_one_is(
    server: LoopbackServer, tmp_path: Path
) -> None:
    """Each showing of an article asked its dead teaser links again for previews (a
    helper's tour: five 404s on every back and forward); a link the network failed may
    answer next time."""
    import asyncio

    from newsreader.core.config import Config, NetworkConfig
    from newsreader.core.refresh.on_demand import load_previews
    from newsreader.core.store.store import Store

    store = Store(tmp_path / "c.sqlite3")
    dead = server.url("/dead")
    busy = server.route("/busy", "", status=503)
    good = server.route(
        "/good",
        "<html><head><title>Stadtfest</title><meta name='description' content='Am Markt.'>",
        content_type="text/html; charset=utf-8",
    )
    config = Config(network=NetworkConfig(retries=0))
    for _ in range(2):
        found = asyncio.run(load_previews(store, [dead, busy, good], config=config))
        assert [p.url for p in found] in ([good], [])
    assert (server.hits["/dead"], server.hits["/busy"], server.hits["/good"]) == (1, 2, 1)
    preview = store.preview(good)
    assert preview is not None and preview.description == "Am Markt."


def test_the_page_names_the_author_the_feed_left_out(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The header and `show` went without the author the page named (a helper's tour)."""
    base = server.url("")
    page = article_page(0, base=base, related=[]).replace(
        b"<head>", b"<head><meta name='author' content='Erika Muster'>", 1
    )
    assert b"Erika Muster" in page
    server.route("/artikel/0", page, content_type="text/html; charset=utf-8")
    item = Item(title="Bericht 0", link=f"{base}/artikel/0", guid="g0", description="<p>A</p>")
    run(capsys, "add", server.route("/f.xml", rss([item])))
    code, out, _ = run(capsys, "show", "1", "--json")
    assert code == 0 and json.loads(out)["author"] == "Erika Muster"
    code, out, _ = run(capsys, "--offline", "show", "1")
    assert out.splitlines()[1].split(" · ")[1] == "Erika Muster"
