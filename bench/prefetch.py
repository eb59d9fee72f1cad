"""`refresh --full` benchmark: 500 new entries whose pages each carry 6-12 teasers.

A loopback site on ten addresses (127.0.0.60-69) serves 50 feeds of 10 entries; every article
page (about 10 KB, with navigation, footer and a "Mehr zum Thema" block) links to 6-12 other
pages: mostly other articles of the site, some archive pages that no feed lists. One
`newsreader refresh --full --json` runs in a child process with the default prefetch depth
(5 teaser targets per article); we print its wall time, pages and bytes fetched, and peak RSS.

Run: .venv/bin/python bench/prefetch.py [--feeds 50] [--per-feed 10]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.support.feedgen import Item, rss  # noqa: E402
from tests.support.loopback import LoopbackServer  # noqa: E402

ADDRESSES = [f"127.0.0.{60 + n}" for n in range(10)]
FILLER = " ".join(["Weitere Meldungen aus dem Stadtgebiet und dem Landkreis."] * 40)


def page(rng: random.Random, title: str, links: list[tuple[str, str]]) -> bytes:
    cards = "".join(
        f'<article class="teaser"><a href="{url}"><span class="kicker">Lokales</span>'
        f"<h3>{text}</h3></a><p>Worum es in diesem Bericht geht, in einem Satz.</p></article>"
        for url, text in links
    )
    body = "".join(
        f"<p>{title}: Absatz {k}. Der Rat der Stadt hat am Dienstag über die Sanierung der "
        f"Hauptstraße beraten; die Arbeiten dauern {rng.randint(2, 9)} Monate.</p>"
        for k in range(rng.randint(8, 16))
    )
    nav = "".join(f'<li><a href="/rubrik/{n}">Rubrik {n}</a></li>' for n in range(80))
    return (
        f"<!DOCTYPE html><html lang='de'><head><meta charset='utf-8'><title>{title}</title>"
        f"<meta property='og:title' content='{title}'></head><body><nav><ul>{nav}</ul></nav>"
        f"<main><article><h1>{title}</h1><p class='intro'>Der Vorspann zu {title}.</p>{body}"
        f"</article><section><h2>Mehr zum Thema</h2>{cards}</section></main>"
        f"<footer><a href='/impressum'>Impressum</a><p>{FILLER}</p></footer></body></html>"
    ).encode()


def build_site(servers: list[LoopbackServer], feeds: int, per_feed: int) -> list[str]:
    rng = random.Random(7)
    articles = [
        (servers[n % len(servers)], f"/artikel/{n}", f"Bericht {n} aus Musterstadt")
        for n in range(feeds * per_feed)
    ]
    archive = [
        (servers[n % len(servers)], f"/archiv/{n}", f"Archivbericht {n} aus Musterstadt")
        for n in range(feeds * per_feed)
    ]
    for server, path, title in articles + archive:
        picks = rng.sample(articles, 4) + rng.sample(archive, rng.randint(2, 8))
        links = [(s.url(p), t) for s, p, t in picks if p != path]
        server.route(path, page(rng, title, links), content_type="text/html; charset=utf-8")
    urls = []
    for f in range(feeds):
        server = servers[f % len(servers)]
        items = [
            Item(title=title, link=srv.url(path), guid=path, description=f"<p>{title}</p>")
            for srv, path, title in articles[f * per_feed : (f + 1) * per_feed]
        ]
        urls.append(server.route(f"/feed/{f}.xml", rss(items, title=f"Lokales {f}")))
    return urls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--per-feed", type=int, default=10)
    args = parser.parse_args()
    servers = [LoopbackServer(host).start() for host in ADDRESSES]
    try:
        urls = build_site(servers, args.feeds, args.per_feed)
        with tempfile.TemporaryDirectory() as tmp:
            opml = Path(tmp) / "site.opml"
            opml.write_text(
                "<opml version='2.0'><body>"
                + "".join(f"<outline type='rss' text='f' xmlUrl='{u}'/>" for u in urls)
                + "</body></opml>",
                encoding="utf-8",
            )
            env = {**os.environ, "NEWSREADER_CONFIG": str(Path(tmp) / "none.toml")}
            cmd = [sys.executable, "-m", "newsreader", "--data-dir", str(Path(tmp) / "d")]
            subprocess.run([*cmd, "import", str(opml)], check=True, env=env, capture_output=True)
            started = time.perf_counter()
            done = subprocess.run(
                [*cmd, "refresh", "--full", "--json"], env=env, capture_output=True, text=True
            )
            wall = time.perf_counter() - started
            if done.returncode not in (0, 1):
                print(done.stderr)
                return 1
            report = json.loads(done.stdout)
            db = Path(tmp) / "d" / "newsreader.sqlite3"
            size_mb = sum(p.stat().st_size for p in db.parent.iterdir()) / 1e6
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        served = sum(s.hits.get(p, 0) for s in servers for p in s.hits if "/feed/" not in p)
        page_bytes = sum(
            len(s.routes[p].body) * n for s in servers for p, n in s.hits.items() if p in s.routes
        )
        print(f"refresh --full: {report['new_entries']} new entries from {report['feeds']} feeds")
        print(f"  wall time                  {wall:8.2f} s (refresh's own {report['seconds']} s)")
        print(f"  pages fetched and stored   {report['pages_fetched']:8d}")
        print(f"  page requests served       {served:8d}")
        print(f"  bytes served (pages+feeds) {page_bytes / 1e6:8.1f} MB")
        print(f"  cache size afterwards      {size_mb:8.1f} MB")
        print(f"  peak RSS (largest child)   {rss_mb:8.0f} MB")
        print(f"  failed                     {len(report['failed']):8d}")
    finally:
        for server in servers:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
