"""Three writers on one cache: two `newsreader refresh` processes and an open reader.

The reader session (the real App, driven by its keys) reads, stars, un-reads and marks a feed
read while two refresh processes (one with `--full`, so it also writes prefetched pages) and the
reader's own background refresh store the same feeds. Some feeds change on every poll, so the
entries the user just marked are rewritten in place by all three writers.

What this catches:
- a short or zero busy timeout (or a deferred BEGIN that upgrades to a write lock): one of the
  writers fails with "database is locked": a refresh exits non-zero or lists failed feeds, the
  reader's key handler raises, or its background refresh or page load reports an error;
- record_feed writing the read/starred columns on an in-place update, or replacing rows
  (new ids): a mark set by the user is lost;
- looking up known entries outside the write transaction: two refreshes insert the same
  entry twice (duplicates) or index it twice.

Overlap is arranged, not hoped for: the first feed (a changing one, whose entries top the
list) is held back by the server until the reader has done its first batch of marks, so all
three refreshes are mid-run while the reader writes, and then rewrite exactly the entries it
just marked.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from textual.pilot import Pilot

from newsreader.core.config import ClusterConfig, Config, ReaderConfig
from newsreader.core.models import EntryFilter
from newsreader.core.refresh.run import refresh
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.feed_pane import FeedPane
from newsreader.ui.headline_view import HeadlineView
from tests.support.feedgen import Item, rss
from tests.support.loopback import LoopbackServer
from tests.support.search_check import index_drift
from tests.ui.conftest import Notes, wait_for, writes_done
from tests.ui.pages import LONG_PARAGRAPHS, article_html

FEEDS = 30
PER_FEED = 10
ROUNDS = 2
DELAY = 0.12  # per feed request: with 4 requests per host a refresh takes about a second
GATE = 0  # the held-back feed; its title sorts first, so every refresh asks for it first

Response = tuple[int, dict[str, str], bytes]


def changing(n: int) -> bool:
    return n % 3 == 0


@dataclass
class Farm:
    """Feeds whose bodies are built per request: changing ones differ on every poll."""

    server: LoopbackServer
    now: datetime
    round: int = 0
    released: threading.Event = field(default_factory=threading.Event)
    polls: dict[int, int] = field(default_factory=dict)
    held: int = 0  # requests for the first feed waiting for `released`
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.released.set()
        html = article_html("Bericht aus dem Stadtteil", LONG_PARAGRAPHS[:4])
        for n in range(FEEDS):
            slugs = [str(i) for i in range(PER_FEED) if n == GATE]
            slugs += [f"r{r}" for r in range(1, ROUNDS + 1) if changing(n)]
            for slug in slugs:
                self.server.route(
                    f"/p/{n}/{slug}", html, content_type="text/html; charset=utf-8", delay=0.02
                )

    def begin_round(self, number: int) -> None:
        """Changing feeds get one more entry; the first feed is held back until released."""
        self.round = number
        self.released.clear()

    def path(self, n: int) -> str:
        return f"/feed{n}.xml"

    def feed(self, n: int) -> bytes:
        with self.lock:
            poll = self.polls[n] = self.polls.get(n, 0) + 1
        stand = f" (Stand {poll})" if changing(n) else ""
        items = [
            Item(
                title=f"Stadtteil {n}: Meldung {i}",
                # Only the first feed's entries have pages: the others are read from the feed
                # text, so --full prefetches a few pages, not hundreds.
                link=self.page(n, str(i)) if n == GATE else f"mailto:redaktion@s{n}.example",
                guid=f"http://stadtteil{n}.example/artikel/{i}",
                description=f"<p>Kurzfassung {i} aus Stadtteil {n}{stand}.</p>",
                published=self.now - timedelta(minutes=n * 15 + i),
            )
            for i in range(PER_FEED)
        ]
        if changing(n):
            items += [
                Item(
                    title=f"Stadtteil {n}: Eilmeldung {r}",
                    link=self.page(n, f"r{r}"),
                    guid=f"http://stadtteil{n}.example/eil/{r}",
                    description=f"<p>Eilmeldung {r}{stand}.</p>",
                    published=self.now - timedelta(minutes=n * 15) + timedelta(seconds=r),
                )
                for r in range(1, self.round + 1)
            ]
        return rss(items, title=f"Stadtteil {n:02d}")

    def page(self, n: int, slug: str) -> str:
        return self.server.url(f"/p/{n}/{slug}")

    def handler(self, n: int) -> Callable[[BaseHTTPRequestHandler], Response]:
        def serve(req: BaseHTTPRequestHandler) -> Response:
            if n == GATE and not self.released.is_set():
                with self.lock:
                    self.held += 1
                self.released.wait(timeout=30)
                with self.lock:
                    self.held -= 1
            return 200, {"Content-Type": "application/rss+xml; charset=utf-8"}, self.feed(n)

        return serve

    def expected_entries(self) -> int:
        return FEEDS * PER_FEED + sum(1 for n in range(FEEDS) if changing(n)) * self.round


class WaitTimingStore(Store):
    """Records how long this process's writers waited for the write lock: the contention the
    test sets out to create. Printed as a figure, never asserted (timing is no pass criterion)."""

    def __init__(self, path: Path | str) -> None:
        self.waits: list[float] = []
        super().__init__(path)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        start = time.perf_counter()
        with super().transaction() as conn:
            self.waits.append(time.perf_counter() - start)
            yield conn


@dataclass
class Marks:
    """What the user set, by entry id: the last key pressed on an entry wins."""

    read: dict[int, bool] = field(default_factory=dict)
    starred: dict[int, bool] = field(default_factory=dict)
    digest: dict[int, str] = field(default_factory=dict)

    def note(self, store: Store, entry_id: int) -> None:
        row = store.conn.execute("SELECT digest FROM entries WHERE id = ?", (entry_id,)).fetchone()
        self.digest[entry_id] = row[0]

    def lost(self, conn: sqlite3.Connection) -> list[str]:
        """Marks the cache no longer has, as readable notes (empty when all are kept)."""
        rows = {r[0]: r[1:] for r in conn.execute("SELECT id, read, starred FROM entries")}
        lost = [f"entry {i} is gone" for i in self.digest if i not in rows]
        lost += [
            f"entry {i}: read should be {read}"
            for i, read in self.read.items()
            if i in rows and bool(rows[i][0]) != read
        ]
        lost += [
            f"entry {i}: starred should be {star}"
            for i, star in self.starred.items()
            if i in rows and bool(rows[i][1]) != star
        ]
        return lost


async def walk_and_mark(pilot: Pilot[None], store: Store, marks: Marks, rows: int) -> None:
    """From the top of the list: open (marks read), star every second, un-read every third."""
    view = pilot.app.query_one(HeadlineView)
    await pilot.press("g")
    for i in range(rows):
        row = view.current
        assert row is not None
        stored = store.entry(row.id)
        assert stored is not None
        if not stored.read:
            await pilot.press("enter")
            marks.read[row.id] = True
        if i % 2 == 1:
            await pilot.press("s")
            marks.starred[row.id] = not stored.starred
        if i % 3 == 2:
            await pilot.press("m")
            marks.read[row.id] = False
        await writes_done(pilot)
        after = store.entry(row.id)
        assert after is not None
        assert after.read == marks.read.get(row.id, stored.read)
        assert after.starred == marks.starred.get(row.id, stored.starred)
        marks.note(store, row.id)
        await pilot.press("j")


async def mark_feed_read(pilot: Pilot[None], store: Store, marks: Marks, feed_id: int) -> None:
    """Choose one feed in the feed pane, read and star its top headlines, then `A` on it."""
    app = pilot.app
    assert isinstance(app, NewsreaderApp)
    pane = app.query_one(FeedPane)
    order = [f.id for f in store.feeds()]
    await pilot.press("shift+tab")
    assert app.focused is pane
    await pilot.press("home", *["j"] * (order.index(feed_id) + 1), "enter")  # past "All"
    assert app.filters.feed_id == feed_id
    await pilot.press("tab")
    assert isinstance(app.focused, HeadlineView)
    await walk_and_mark(pilot, store, marks, 2)
    before = [e.id for e in store.entries(EntryFilter(feed_id=feed_id), limit=1000)]
    await pilot.press("A")
    await writes_done(pilot)
    for entry_id in before:
        entry = store.entry(entry_id)
        assert entry is not None and entry.read, entry_id
        marks.read[entry_id] = True
        marks.note(store, entry_id)
    await pilot.press("escape")
    assert app.filters == EntryFilter()


def start_refresh(data: Path, *, full: bool) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "newsreader", "--data-dir", str(data), "refresh", "--json"]
    return subprocess.Popen(
        cmd + (["--full"] if full else []),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
async def test_two_refreshes_and_a_reader_write_at_once(
    server: LoopbackServer, data_dir: Path
) -> None:
    started = time.monotonic()
    farm = Farm(server, datetime.now(UTC).replace(microsecond=0))
    store = WaitTimingStore(data_dir / "newsreader.sqlite3")
    for n in range(FEEDS):
        server.route(farm.path(n), delay=DELAY, handler=farm.handler(n))
        store.add_feed(server.url(farm.path(n)), title=f"Stadtteil {n:02d}")
    # Every farm page has one text, so one story once would tie the marks of all entries
    # together; this test pins each entry's own marks, so it runs with clustering off.
    (data_dir.parent / "config.toml").write_text("[cluster]\nenabled = false\n")
    unclustered = ClusterConfig(enabled=False)
    seeded = await refresh(store, Config(cluster=unclustered))
    assert seeded.new_entries == FEEDS * PER_FEED and not seeded.failed
    feed_ids = {f.title: f.id for f in store.feeds()}

    marks = Marks()
    reports: list[dict[str, object]] = []
    app = NewsreaderApp(
        store, Config(reader=ReaderConfig(refresh_on_start=True), cluster=unclustered)
    )
    caught = Notes()
    procs: list[subprocess.Popen[str]] = []
    farm.begin_round(1)  # before the app starts: its refresh on start is round 1's third writer
    try:
        async with app.run_test(size=(160, 40), message_hook=caught) as pilot:
            for round_no in range(1, ROUNDS + 1):
                if round_no > 1:
                    assert marks.lost(store.conn) == []  # after the last round's refreshes
                    farm.begin_round(round_no)
                procs = [start_refresh(data_dir, full=full) for full in (False, True)]
                if round_no > 1:
                    await pilot.press("r")
                # All three refreshes are now mid-run, storing the other feeds.
                await wait_for(pilot, lambda: farm.held == 3, 30)
                await walk_and_mark(pilot, store, marks, 6)
                farm.released.set()  # ...and now they rewrite the entries just marked
                await mark_feed_read(pilot, store, marks, feed_ids[f"Stadtteil {3 * round_no:02d}"])
                for proc in procs:
                    out, err = await asyncio.to_thread(proc.communicate, timeout=60)
                    assert proc.returncode == 0, err
                    assert "locked" not in err
                    report = json.loads(out)
                    assert report["failed"] == [], report["failed"]
                    reports.append(report)
                await wait_for(pilot, lambda: not app.refreshing, 30)
            notes = [(n.severity, n.message) for n in caught.raised]
            page_errors = dict(app.detail.page_errors)
    finally:
        farm.released.set()
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    store.close()

    assert [m for severity, m in notes if severity in ("error", "warning")] == []
    assert page_errors == {}
    total, rewritten = check_cache(data_dir / "newsreader.sqlite3", farm, marks)

    waits = sorted(store.waits)
    print(
        f"\nconcurrency: {time.monotonic() - started:.1f} s, {ROUNDS} rounds, {total} entries, "
        f"{len(marks.read)} read and {len(marks.starred)} star marks checked, "
        f"{rewritten} marked entries rewritten in place after the mark; refresh processes "
        + ", ".join(
            f"{r['new_entries']} new/{r['updated_entries']} updated/{r['pages_fetched']} pages"
            for r in reports
        )
        + f"; reader process: {len(waits)} write transactions, "
        f"{sum(1 for w in waits if w > 0.01)} waited >10 ms for the lock, "
        f"longest {waits[-1] * 1000:.0f} ms"
    )


def check_cache(path: Path, farm: Farm, marks: Marks) -> tuple[int, int]:
    """No duplicates, no lost entries or marks, a sound file. Returns (entries, marked entries
    rewritten by a refresh after the user's mark)."""
    db = sqlite3.connect(path)
    try:
        total, distinct = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT feed_id || ' ' || key) FROM entries"
        ).fetchone()
        assert total == distinct == farm.expected_entries()
        assert index_drift(db) == []  # every entry indexed with what it holds now, once
        assert marks.lost(db) == []
        digests = dict(db.execute("SELECT id, digest FROM entries").fetchall())
        rewritten = [i for i, d in marks.digest.items() if digests[i] != d]
        assert rewritten, "no marked entry was updated in place after its mark"
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()
    return total, len(rewritten)
