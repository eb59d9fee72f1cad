"""Score the reader's teasers against the hand-made teaser gold (corpus TEASERS.md).

Every gold page is served from a loopback server at its original path, one feed per page lists
it, and the real pipeline runs: `add`, `refresh --full`, then `show --json` per article. Links
the prefetch follows to real hosts go to a closed loopback proxy, so nothing leaves the machine.

Imported by bench/extraction.py; run alone: .venv/bin/python bench/teaser_gold.py [CORPUS_DIR]
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import socket
import sys
import tempfile
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.support.feedgen import Item, rss  # noqa: E402
from tests.support.loopback import LoopbackServer  # noqa: E402

from newsreader.cli import main as cli_main  # noqa: E402
from newsreader.core.extract.links import canonical_url  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "dev"


def url_key(url: str) -> str:
    """Path + query: no host, no fragment, no trailing slash, no tracking parameters."""
    parts = urlsplit(canonical_url(url))
    path = parts.path.rstrip("/") or "/"
    return f"{path}?{parts.query}" if parts.query else path


def fold(text: str) -> str:
    return " ".join(text.casefold().split())


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def title_matches(ours: dict[str, Any], gold: dict[str, Any]) -> bool:
    heads = [fold(gold["title"])]
    if gold.get("kicker"):
        heads.append(fold(f"{gold['kicker']} {gold['title']}"))
    mine = [fold(ours["title"])]
    if ours.get("kicker"):
        mine.append(fold(f"{ours['kicker']} {ours['title']}"))
    return any(SequenceMatcher(None, m, h).ratio() >= 0.9 for m in mine for h in heads)


def description_matches(ours: str, gold: str) -> bool:
    want = words(gold)
    have = set(words(ours))
    return bool(want) and sum(w in have for w in want) >= 0.6 * len(want)


@dataclass
class Score:
    """Counts for one page (or the sum of pages): each ratio keeps numerator and denominator."""

    listed: int = 0
    good: int = 0
    related_hit: int = 0
    related_all: int = 0
    hit: int = 0
    gold_all: int = 0
    titles_ok: int = 0
    titles_all: int = 0
    desc_ok: int = 0
    desc_all: int = 0
    group_ok: int = 0
    group_all: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in self.__dataclass_fields__:
            if name != "misses":
                setattr(self, name, getattr(self, name) + getattr(other, name))


def score_page(gold: dict[str, Any], shown: list[dict[str, Any]], own_url: str) -> Score:
    teasers = {url_key(t["url"]): t for t in gold["teasers"]}
    neutral = {url_key(u) for u in gold.get("neutral", [])}
    own = {url_key(own_url), url_key(gold["base_url"])}
    s = Score(listed=len(shown))
    listed: dict[str, dict[str, Any]] = {}
    for t in shown:
        key = url_key(t["url"])
        listed.setdefault(key, t)
        if key in own:
            s.misses.append(f"    own URL listed: {t['url']}")
        elif key in teasers or key in neutral:
            s.good += 1
        else:
            s.misses.append(f"    wrong: {t['title'][:70]!r} {t['url'][:90]}")
    for key, g in teasers.items():
        s.gold_all += 1
        s.related_all += g["group"] == "related"
        mine = listed.get(key)
        if mine is None:
            s.misses.append(f"    missed ({g['group']}): {g['title'][:70]!r} {key[:70]}")
            continue
        s.hit += 1
        s.related_hit += g["group"] == "related"
        s.group_all += 1
        s.group_ok += mine.get("group") == g["group"]
        if len(g["title"].split()) >= 4:
            s.titles_all += 1
            if title_matches(mine, g):
                s.titles_ok += 1
            else:
                s.misses.append(f"    title: {mine['title'][:80]!r} != {g['title'][:80]!r}")
        if g.get("description"):
            s.desc_all += 1
            if description_matches(mine.get("description", ""), g["description"]):
                s.desc_ok += 1
            else:
                s.misses.append(
                    f"    description: {mine.get('description', '')[:60]!r}"
                    f" != {g['description'][:60]!r}"
                )
    return s


def closed_port() -> int:
    """A loopback port nobody listens on: a proxy there refuses every connection."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cli(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        cli_main(list(args))
    return out.getvalue()


def shown_teasers(corpus: Path) -> list[tuple[str, dict[str, Any], list[dict[str, Any]], str]]:
    """(page name, gold, `show --json` teasers, served URL) for every page with teaser gold."""
    folder = corpus / "pages" / "german-news-gold"
    golds = sorted(folder.glob("*.teasers.json"))
    proxy = f"http://127.0.0.1:{closed_port()}"
    saved = {k: os.environ.get(k) for k in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")}
    os.environ.update(
        HTTP_PROXY=proxy, HTTPS_PROXY=proxy, NO_PROXY="127.0.0.1,localhost"
    )  # links to publisher hosts stay on this machine
    server = LoopbackServer().start()
    out = []
    try:
        pages: dict[str, tuple[str, dict[str, Any]]] = {}
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["NEWSREADER_CONFIG"] = str(Path(tmp) / "none.toml")
            data = ["--data-dir", str(Path(tmp) / "data")]
            for n, gold_file in enumerate(golds):
                gold = json.loads(gold_file.read_text("utf-8"))
                parts = urlsplit(gold["base_url"])
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                html = (folder / gold["page"]).read_bytes()
                page_url = server.route(path, html, content_type="text/html")
                name = gold_file.name.removesuffix(".teasers.json")
                pages[page_url] = (name, gold)
                item = Item(title=name, link=page_url, guid=name, description="<p>Anriss</p>")
                feed = server.route(f"/__feeds/{n}.xml", rss([item], title=name))
                run_cli(*data, "add", feed)
            run_cli(*data, "refresh", "--full", "--json")
            for row in json.loads(run_cli(*data, "articles", "--json")):
                shown = json.loads(run_cli(*data, "--offline", "show", str(row["id"]), "--json"))
                name, gold = pages[row["url"]]
                out.append((name, gold, shown["teasers"], row["url"]))
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return sorted(out, key=lambda r: r[0])


def ratio(ok: int, total: int) -> str:
    return f"{ok / total:.2f} {ok:>3}/{total:<3}" if total else f"{'-':>4} {0:>3}/{0:<3}"


def print_table(corpus: Path, *, verbose: bool = False) -> None:
    print("\nTeaser gold (TEASERS.md): refresh --full on loopback, then show --json")
    heads = ("listed", "precision", "related rec", "all recall", "titles", "descript.", "group")
    print(f"{'page':38} {heads[0]:>6} " + " ".join(f"{h:>12}" for h in heads[1:]))
    total = Score()
    none_shown: list[str] = []
    for name, gold, shown, _url in shown_teasers(corpus):
        s = score_page(gold, shown, gold["base_url"])
        total.add(s)
        if s.related_all and not s.related_hit:
            none_shown.append(name)
        cells = (
            ratio(s.good, s.listed),
            ratio(s.related_hit, s.related_all),
            ratio(s.hit, s.gold_all),
            ratio(s.titles_ok, s.titles_all),
            ratio(s.desc_ok, s.desc_all),
            ratio(s.group_ok, s.group_all),
        )
        print(f"{name[:38]:38} {s.listed:>6} " + " ".join(f"{c:>12}" for c in cells))
        if verbose:
            print("\n".join(s.misses))
    t = total
    cells = (
        ratio(t.good, t.listed),
        ratio(t.related_hit, t.related_all),
        ratio(t.hit, t.gold_all),
        ratio(t.titles_ok, t.titles_all),
        ratio(t.desc_ok, t.desc_all),
        ratio(t.group_ok, t.group_all),
    )
    print(f"{'TOTAL':38} {t.listed:>6} " + " ".join(f"{c:>12}" for c in cells))
    print(f"pages whose gold has related teasers and that show none: {len(none_shown)}")
    for name in none_shown:
        print(f"  {name}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "-v"]
    print_table(Path(args[0]) if args else DEFAULT_CORPUS, verbose="-v" in sys.argv)
