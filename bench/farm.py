"""A loopback feed farm for the refresh benchmark: many feeds, many hosts, one process.

Feeds are generated once from a seed (German-like text with umlauts and real-looking links,
RSS 2.0 with content:encoded) and kept in memory. An asyncio HTTP/1.1 server with keep-alive
serves them on 127.0.0.2 ... so a client's per-host caps act as they do on the web; each
latency gets its own port, and the latency is an asyncio.sleep so requests overlap.
Conditional GET (ETag, Last-Modified) answers 304. The farm must run in its own process
(`Farm` starts one) so it never takes CPU from the process being measured.

Run standalone: python bench/farm.py --feeds 500 --latency 0,50  (prints one JSON line).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

FEEDS_PER_ADDRESS = 10
FIRST_ADDRESS = 2  # 127.0.0.2; 127.0.0.1 is left to everything else on the machine
MAX_ADDRESSES = 250
BASE_TIME = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
LAST_MODIFIED = format_datetime(BASE_TIME, usegmt=True)

_VOCABULARY = (
    "der die das und in den von zu mit sich des auf für ist im dem nicht ein eine als auch es "
    "an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so "
    "zum war haben nur oder aber vor zur bis mehr durch man sein wurde sei Jahr Stadt Gemeinde "
    "Bürgermeister Straße Straßenbahn Rathaus Schüler Grundschule Kindergärten Feuerwehr Einsatz "
    "Polizei Unfall Verkehr Baustelle Brücke Umleitung Gemeinderat Haushalt Millionen Euro "
    "Förderung Bürger Bürgerinnen Anwohner Geschäfte Innenstadt Marktplatz Wochenmarkt Fußgänger "
    "Radweg Öffentlichkeit Veranstaltung Konzert Fußball Verein Mannschaft Trainer Saison Spiel "
    "Tor Sieg Niederlage Tabelle Kreisliga Bezirksliga Landkreis Landrat Kreistag Krankenhaus "
    "Ärzte Pflege Schule Lehrer Lehrerinnen Eltern Kinder Jugendliche Senioren Wohnungen Mieten "
    "Baugebiet Grundstück Gebäude Sanierung Kosten Müll Abfall Gebühren Wasser Abwasser Strom "
    "Energie Photovoltaik Windräder Klimaschutz Wälder Förster Bäume Natur Überschwemmung Regen "
    "Gewitter Hitze Sommer Winter Frühjahr Herbst Weihnachtsmarkt Kirmes Schützenfest Karneval "
    "Museum Ausstellung Bibliothek Theater Kultur Geschäftsführer Unternehmen Arbeitsplätze "
    "Übernahme Insolvenz Bäckerei Metzgerei Gaststätte Café Hotel Tourismus Übernachtungen "
    "größer kleiner schöner wichtig möglich schwierig öffentlich städtisch künftig häufig "
    "zunächst außerdem bereits später gegenüber während zwischen gemäß trotz wegen ähnlich "
    "Ärger Gespräch Entscheidung Beschluss Antrag Mehrheit Fraktion Stellungnahme Übergabe "
    "Zuschüsse Grünfläche Spielplätze Schwimmbad Freibad Hallenbad Öffnungszeiten Führung "
    "München Köln Düsseldorf Nürnberg Würzburg Lübeck Göttingen Tübingen Osnabrück Münster"
)
_WORDS = tuple(_VOCABULARY.split())
_SECTIONS = ("lokales", "sport", "kultur", "wirtschaft", "politik", "region", "panorama")
_TOWNS = (
    "muenster",
    "goettingen",
    "wuerzburg",
    "luebeck",
    "tuebingen",
    "osnabrueck",
    "duesseldorf",
    "nuernberg",
    "koeln",
    "muenchen",
)


@dataclass(frozen=True, slots=True)
class FarmFeed:
    path: str
    body: bytes
    gzipped: bytes | None
    etag: str


def address(index: int) -> str:
    """The loopback address feed `index` lives on (ten feeds per address)."""
    return f"127.0.0.{FIRST_ADDRESS + index // FEEDS_PER_ADDRESS}"


def addresses(feeds: int) -> list[str]:
    count = (feeds + FEEDS_PER_ADDRESS - 1) // FEEDS_PER_ADDRESS
    if count > MAX_ADDRESSES:
        raise ValueError(f"at most {MAX_ADDRESSES * FEEDS_PER_ADDRESS} feeds")
    return [f"127.0.0.{FIRST_ADDRESS + i}" for i in range(count)]


def feed_path(index: int) -> str:
    return f"/feeds/{index:04d}/rss.xml"


def _slug(rng: random.Random) -> str:
    words = rng.choices(_WORDS[60:], k=rng.randint(3, 7))
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe"})
    return "-".join(w.lower().translate(table) for w in words)


def _sentence(rng: random.Random) -> str:
    words = rng.choices(_WORDS, k=rng.randint(8, 22))
    words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words) + rng.choice((".", ".", ".", "!", "?", ":"))


_pools: dict[int, list[str]] = {}


def _sentences(seed: int) -> list[str]:
    """A pool of sentences per seed: picking from it is ten times faster than making new."""
    if seed not in _pools:
        rng = random.Random(seed)
        _pools[seed] = [_sentence(rng) for _ in range(6000)]
    return _pools[seed]


def _link(rng: random.Random, site: str) -> str:
    kind = rng.random()
    if kind < 0.7:
        url = f"{site}/{rng.choice(_SECTIONS)}/{_slug(rng)}-{rng.randint(10**7, 10**8)}.html"
    elif kind < 0.85:
        town = rng.choice(_TOWNS)
        url = f"https://www.{town}.de/rathaus/{_slug(rng)}?id={rng.randint(1, 9999)}&amp;p=2"
    else:
        url = "https://www.facebook.com/sharer/sharer.php?u=" + site + "/" + _slug(rng)
    anchor = " ".join(rng.choices(_WORDS[60:], k=rng.randint(2, 5)))
    return f'<a href="{url}">{anchor}</a>'


def _content(rng: random.Random, pool: list[str], site: str, size: int) -> str:
    parts: list[str] = []
    length = 0
    while length < size:
        sentences = rng.choices(pool, k=rng.randint(1, 4))
        if rng.random() < 0.6:
            sentences.insert(rng.randrange(len(sentences) + 1), _link(rng, site))
        para = f"<p>{' '.join(sentences)}</p>"
        if rng.random() < 0.1:
            para = f"<h2>{rng.choice(pool)[:60]}</h2>" + para
        parts.append(para)
        length += len(para.encode("utf-8"))
    if rng.random() < 0.5:
        parts.append(f"<p>Mehr dazu: {_link(rng, site)} und {_link(rng, site)}</p>")
    return "".join(parts)


def generate_feed(index: int, *, seed: int = 2026) -> bytes:
    """One farm feed, the same bytes for the same (index, seed)."""
    rng = random.Random(seed * 1_000_003 + index)
    pool = _sentences(seed)
    town = _TOWNS[index % len(_TOWNS)]
    site = f"https://www.{town}er-zeitung-{index}.de"
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">'
        f"<channel><title>{escape(town.title())}er Zeitung {index}: Lokales</title>"
        f"<link>{site}/</link><description>Nachrichten aus Stadt und Landkreis</description>"
        "<language>de-DE</language>"
        f"<lastBuildDate>{LAST_MODIFIED}</lastBuildDate>\n"
    ]
    for i in range(rng.randint(33, 37)):
        link = f"{site}/{rng.choice(_SECTIONS)}/{_slug(rng)}-{index:04d}{i:03d}.html"
        title = rng.choice(pool)[:90].rstrip(".!?:")
        published = BASE_TIME - timedelta(minutes=37 * i + rng.randint(0, 30))
        # 2-8 KB of content, most items near the short end (about 3 KB on average).
        size = 2000 + int(5800 * rng.random() ** 10)
        categories = "".join(
            f"<category>{escape(c)}</category>" for c in rng.sample(_SECTIONS, rng.randint(1, 3))
        )
        out.append(
            f"<item><title>{escape(title)}</title><link>{link}</link>"
            f'<guid isPermaLink="true">{link}</guid>'
            f"<pubDate>{format_datetime(published, usegmt=True)}</pubDate>"
            f"<dc:creator>{escape(' '.join(rng.choices(_WORDS[60:], k=2)))}</dc:creator>"
            f"{categories}"
            f"<description>{escape(rng.choice(pool))}</description>"
            f"<content:encoded><![CDATA[{_content(rng, pool, site, size)}]]></content:encoded>"
            "</item>\n"
        )
    out.append("</channel></rss>\n")
    return "".join(out).encode("utf-8")


def build_feeds(count: int, *, seed: int, with_gzip: bool) -> dict[str, FarmFeed]:
    feeds: dict[str, FarmFeed] = {}
    for index in range(count):
        body = generate_feed(index, seed=seed)
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        packed = gzip.compress(body, compresslevel=6) if with_gzip else None
        feeds[f"{address(index)} {feed_path(index)}"] = FarmFeed(
            feed_path(index), body, packed, etag
        )
    return feeds


# --- server -----------------------------------------------------------------------------------


class _Stats:
    def __init__(self) -> None:
        self.ok = 0
        self.not_modified = 0
        self.missing = 0
        self.bytes_sent = 0
        self.connections = 0
        self.bad_requests = 0
        self.resets = 0


def _not_modified(feed: FarmFeed, headers: dict[str, str]) -> bool:
    inm = headers.get("if-none-match")
    if inm is not None:
        return any(tag.strip() in (feed.etag, "*") for tag in inm.split(","))
    ims = headers.get("if-modified-since")
    if ims is None:
        return False
    try:
        return parsedate_to_datetime(ims) >= BASE_TIME
    except (TypeError, ValueError):
        return False


def _response(
    status: str, headers: list[tuple[str, str]], body: bytes, head: bool, close: bool
) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Server: newsreader-bench-farm"]
    lines += [f"{k}: {v}" for k, v in headers]
    lines.append(f"Content-Length: {len(body)}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if head else body)


class FarmServer:
    """Minimal HTTP/1.1 (keep-alive, GET/HEAD) over in-memory feeds."""

    def __init__(self, feeds: dict[str, FarmFeed], latencies_ms: list[int]) -> None:
        self.feeds = feeds
        self.latencies_ms = latencies_ms
        self.stats = _Stats()
        self.ports: dict[int, int] = {}
        self._servers: list[asyncio.Server] = []

    async def start(self, hosts: list[str]) -> None:
        for latency in self.latencies_ms:
            self.ports[latency] = await self._bind_everywhere(hosts, latency / 1000)

    async def _bind_everywhere(self, hosts: list[str], delay: float) -> int:
        """One port shared by every address, so URLs differ only in the host."""
        for _ in range(20):
            first = await asyncio.start_server(
                lambda r, w: self._serve(r, w, delay), hosts[0], 0, backlog=1024
            )
            port = int(first.sockets[0].getsockname()[1])
            group = [first]
            try:
                for host in hosts[1:]:
                    group.append(
                        await asyncio.start_server(
                            lambda r, w: self._serve(r, w, delay), host, port, backlog=1024
                        )
                    )
            except OSError:
                for srv in group:
                    srv.close()
                continue
            self._servers += group
            return port
        raise OSError("no port free on every farm address")

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float
    ) -> None:
        self.stats.connections += 1
        host = writer.get_extra_info("sockname")[0]
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                parts = lines[0].split(" ")
                if len(parts) != 3:
                    self.stats.bad_requests += 1
                    break
                method, target, version = parts
                headers: dict[str, str] = {}
                for line in lines[1:]:
                    name, sep, value = line.partition(":")
                    if sep:
                        headers[name.strip().lower()] = value.strip()
                close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
                if delay:
                    await asyncio.sleep(delay)
                writer.write(self._answer(host, method, target, headers, close))
                await writer.drain()
                if close:
                    break
        except asyncio.IncompleteReadError as exc:
            if exc.partial:  # EOF between requests is a client closing, not a fault
                self.stats.bad_requests += 1
        except (asyncio.LimitOverrunError, ConnectionError):
            self.stats.resets += 1
        except asyncio.CancelledError:
            pass  # shutdown; re-raising only makes asyncio 3.11 log each open connection
        finally:
            writer.close()

    def _answer(
        self, host: str, method: str, target: str, headers: dict[str, str], close: bool
    ) -> bytes:
        head = method == "HEAD"
        if target == "/_stats":
            body = json.dumps(vars(self.stats)).encode()
            return _response("200 OK", [("Content-Type", "application/json")], body, head, close)
        feed = self.feeds.get(f"{host} {target.split('?', 1)[0]}")
        if feed is None or method not in ("GET", "HEAD"):
            self.stats.missing += 1
            return _response("404 Not Found", [], b"not here\n", head, close)
        validators = [("ETag", feed.etag), ("Last-Modified", LAST_MODIFIED)]
        if _not_modified(feed, headers):
            self.stats.not_modified += 1
            return _response("304 Not Modified", validators, b"", True, close)
        self.stats.ok += 1
        out = [("Content-Type", "application/rss+xml; charset=utf-8"), *validators]
        body = feed.body
        if feed.gzipped is not None and "gzip" in headers.get("accept-encoding", ""):
            body = feed.gzipped
            out.append(("Content-Encoding", "gzip"))
        self.stats.bytes_sent += len(body)
        return _response("200 OK", out, body, head, close)

    def close(self) -> None:
        for srv in self._servers:
            srv.close()


async def _serve_until_stdin_closes(args: argparse.Namespace) -> None:
    latencies = [int(x) for x in args.latency.split(",")]
    feeds = build_feeds(args.feeds, seed=args.seed, with_gzip=args.gzip)
    server = FarmServer(feeds, latencies)
    hosts = addresses(args.feeds)
    await server.start(hosts)
    total = sum(len(f.body) for f in feeds.values())
    urls = {
        str(lat): [
            f"http://{address(i)}:{server.ports[lat]}{feed_path(i)}" for i in range(args.feeds)
        ]
        for lat in latencies
    }
    print(
        json.dumps(
            {
                "urls": urls,
                "bytes": total,
                "stats": f"http://{hosts[0]}:{server.ports[latencies[0]]}/_stats",
            }
        ),
        flush=True,
    )
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    await stdin.read()  # the parent holds our stdin; EOF means it is done or gone
    server.close()


@dataclass
class Farm:
    """A farm in a child process; use as a context manager."""

    feeds: int = 500
    latencies_ms: tuple[int, ...] = (0, 50)
    seed: int = 2026
    gzip: bool = False

    def __post_init__(self) -> None:
        self.urls: dict[int, list[str]] = {}
        self.total_bytes = 0
        self.stats_url = ""
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Farm:
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--feeds",
            str(self.feeds),
            "--latency",
            ",".join(str(x) for x in self.latencies_ms),
            "--seed",
            str(self.seed),
        ]
        if self.gzip:
            cmd.append("--gzip")
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            self.__exit__()
            raise RuntimeError("the farm did not start (see its stderr above)")
        info: dict[str, Any] = json.loads(line)
        self.urls = {int(k): v for k, v in info["urls"].items()}
        self.total_bytes = int(info["bytes"])
        self.stats_url = str(info["stats"])
        return self

    def stats(self) -> dict[str, int]:
        with urllib.request.urlopen(self.stats_url, timeout=5) as resp:
            data: dict[str, int] = json.loads(resp.read())
        return data

    def __exit__(self, *exc: object) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--latency", default="0,50", help="milliseconds, one port each")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--gzip", action="store_true", help="gzip bodies for clients asking")
    asyncio.run(_serve_until_stdin_closes(parser.parse_args()))


if __name__ == "__main__":
    main()
