"""One story once in the reader (issue 14): one row with ×N, the best version, "Also in", `v`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from newsreader.core.config import ClusterConfig, Config, ReaderConfig, WatchConfig
from newsreader.core.config_file import load_config
from newsreader.core.models import EntryFilter, EntrySummary
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.detail_pane import DetailPane
from newsreader.ui.headline_view import HeadlineView
from tests.support.feedgen import rss as feed_xml
from tests.support.loopback import LoopbackServer
from tests.ui.conftest import (
    Notes,
    add_feed,
    clock,
    entry,
    keys,
    sample_cache,
    screen_text,
    wait_for,
    writes_done,
)

pytestmark = pytest.mark.usefixtures("utc_timezone")

WIDE = (140, 32)
# A police report, as the station wrote it; the papers reprint it (a test text, written here).
REPORT = [
    "Am Dienstagabend gegen 19:30 Uhr brachen unbekannte Täter in eine Wohnung an der Hammer "
    "Straße ein.",
    "Die Täter hebelten die Terrassentür auf und durchsuchten sämtliche Räume nach "
    "Wertgegenständen.",
    "Sie entwendeten Schmuck und Bargeld im Wert von etwa 3000 Euro.",
    "Ein 54-jähriger Nachbar hatte gegen 19:45 Uhr verdächtige Geräusche gehört und zwei "
    "Personen gesehen, die in Richtung Ludgeriplatz flüchteten.",
    "Die Polizei bittet Zeugen, die Hinweise auf die Täter geben können, sich unter der "
    "Rufnummer 0251 275-0 zu melden.",
]


def _html(sentences: list[str]) -> str:
    return "".join(f"<p>{s}</p>" for s in sentences)


def story_cache(store: Store, *, clustered: bool = True) -> None:
    """The sample cache, and one police report in three feeds: the station's own, a free
    reprint with a new headline, and a paywalled reprint cut short."""
    sample_cache(store)
    versions = [
        (
            "https://polizei.example/feed",
            "Polizei Münster",
            "Einbruch an der Hammer Straße",
            _html(REPORT),
            False,
            30,
        ),
        (
            "https://anzeiger.example/feed",
            "Stadtanzeiger",
            "Einbrecher erbeuten Schmuck im Geistviertel",
            _html(REPORT[:4]) + "<p>(ots)</p>",
            False,
            25,
        ),
        (
            "https://blatt.example/feed",
            "Westfalen-Blatt+",
            "Täter flüchten Richtung Ludgeriplatz",
            _html(REPORT[:3]) + "<p>Weiterlesen mit Abo.</p>",
            True,
            20,
        ),
    ]
    for n, (url, feed, title, html, paywalled, minutes) in enumerate(versions, 40):
        item = entry(n, title, summary=html, minutes_ago=minutes, paywalled=paywalled)
        add_feed(store, url, feed, [item])
    # The fixtures' clock is frozen in the past: a window of years takes them in.
    if clustered:
        assert store.cluster_recent(window_days=100_000) == 2


def test_snapshot_story_row_and_also_in(
    snap_compare: Callable[..., bool], store: Store, config: Config
) -> None:
    story_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    assert snap_compare(app, terminal_size=WIDE, run_before=keys("j", "j", "j", "j", "enter"))


async def test_one_row_best_version_v_cycles_and_reading_reads_all(
    store: Store, config: Config
) -> None:
    story_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert text.count("×3") == 1
        assert "Einbruch an der Hammer Straße" in text  # the first version stands for all
        assert "Einbrecher erbeuten" not in text and "Täter flüchten" not in text
        # The story's row is the one with the badge; open it.
        rows = store.entries()
        index = next(i for i, r in enumerate(rows) if r.versions == 3)
        for _ in range(index):
            await pilot.press("j")
        await pilot.press("enter")
        await pilot.pause(0.3)
        detail = app.query_one(DetailPane)
        assert detail.entry is not None and detail.entry.feed_title == "Polizei Münster"
        assert "Also in: Stadtanzeiger · Westfalen-Blatt+ €" in screen_text(app)
        await pilot.press("v")
        await pilot.pause(0.2)
        assert detail.entry is not None and detail.entry.feed_title == "Stadtanzeiger"
        assert "Also in: Polizei Münster · Westfalen-Blatt+ €" in screen_text(app)
        await pilot.press("v", "v")
        await pilot.pause(0.2)
        assert detail.entry is not None and detail.entry.feed_title == "Polizei Münster"
        # The list is as long as its rows: G lands on the last headline, not a blank row.
        view = app.query_one(HeadlineView)
        assert view.count == len(rows)
        view.focus()
        await pilot.press("G")
        assert view.current is not None and view.current.id == rows[-1].id
        await writes_done(pilot)
    story = [e for e in store.entries_at(EntryFilter(one_per_story=False)) if e.versions == 3]
    assert len(story) == 3 and all(e.read for e in story)


async def test_the_cursor_follows_its_headline_into_the_story_it_joined(store: Store) -> None:
    """A refresh's clustering joins the headline under the cursor to an older version's
    story: its row goes, and the cursor took whatever row came to stand at its index, so
    Enter opened another article (a helper's tour). It goes to the story's row."""
    story_cache(store, clustered=False)
    config = Config(reader=ReaderConfig(refresh_on_start=False))
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        view = app.query_one(HeadlineView)
        rows = [row for n in range(view.count) if (row := view.source.row(n)) is not None]
        versions = [row for row in rows if row.feed_title in ("Stadtanzeiger", "Westfalen-Blatt+")]
        joining = max(versions, key=lambda row: row.id)  # not the story's first version
        view.move_to(rows.index(joining))
        await pilot.pause()
        assert store.cluster_recent(window_days=100_000) == 2
        app.store_changed()
        await pilot.pause()
        current = view.current
        assert current is not None and current.versions == 3
        assert joining.id in {version.id for version in store.story_versions(current.id)}


async def test_watch_words_mark_rows_count_in_the_header_and_notify_on_refresh(
    store: Store, server: LoopbackServer
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)

    def rss(titles: list[str]) -> str:
        items = "".join(
            f"<item><guid>g{n}</guid><title>{t}</title><link>https://example.org/{n}</link>"
            f"<pubDate>{format_datetime(now - timedelta(minutes=n))}</pubDate>"
            f"<description>Text zu {t}</description></item>"
            for n, t in enumerate(titles)
        )
        channel = f"<channel><title>L</title>{items}</channel>"
        return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'

    url = server.route("/feed.xml", rss(["Fest im Kreuzviertel", "Rat tagt"]))
    store.add_feed(url, title="Lokales")
    config = Config(
        reader=ReaderConfig(refresh_on_start=False),
        watch=WatchConfig(words=("Kreuzviertel", "Gesamtschule")),
    )
    notes = Notes()
    app = NewsreaderApp(store, config, offline=False, clock=lambda: now)
    async with app.run_test(size=WIDE, message_hook=notes) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: "1 watched" in screen_text(app))
        assert "1 new article matches your watch words." in notes.messages
        server.route("/feed.xml", rss(["Neue Gesamtschulen", "Fest im Kreuzviertel", "Rat"]))
        await pilot.press("r")
        await wait_for(pilot, lambda: "2 watched" in screen_text(app))
        view = app.query_one(HeadlineView)
        assert [r.watched for r in map(view.source.row, range(3)) if r] == [
            "Gesamtschule",
            "Kreuzviertel",
            None,
        ]
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert "Watch word: Gesamtschule" in screen_text(app)


async def test_hide_rules_hide_rows_h_shows_them_and_bad_rules_are_said(
    store: Store, tmp_path: Path
) -> None:
    sample_cache(store)
    path = tmp_path / "config.toml"
    path.write_text(
        '[reader]\nrefresh_on_start = false\n\n[[hide]]\ntitle = "Derby"\n\n'
        '[[hide]]\nauthor = "re:*"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    notes = Notes()
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE, message_hook=notes) as pilot:
        await wait_for(pilot, lambda: "Preußen gewinnt Derby" not in screen_text(app))
        assert "5 unread" in screen_text(app)
        assert any("[[hide]] #2 (line 7) skipped" in m for m in notes.messages)
        await pilot.press("H")
        await wait_for(pilot, lambda: "Preußen gewinnt Derby" in screen_text(app))
        view = app.query_one(HeadlineView)
        first = view.source.row(0)
        assert first is not None and first.hidden and "hidden shown" in screen_text(app)
        # Marked, not only dimmed: `h` in the fourth mark column, the others' blank there.
        marks = {row.title: view.render_row(row, False, 120).text[:4] for row in _rows(view)}
        assert marks["Preußen gewinnt Derby"][3] == "h"
        assert {m[3] for title, m in marks.items() if "Derby" not in title} == {" "}


def _rows(view: HeadlineView) -> list[EntrySummary]:
    return [row for n in range(view.count) if (row := view.source.row(n)) is not None]


def test_the_list_length_is_its_rows_under_every_filter(store: Store) -> None:
    story_cache(store)
    filters = [EntryFilter(), EntryFilter(unread=True), EntryFilter(one_per_story=False)]
    filters += [EntryFilter(feed_id=f.id) for f in store.feeds()]
    filters += [EntryFilter(search=w) for w in ("Täter", "Hammer", "Derby", "nichts")]
    for filt in filters:
        rows = store.entries(filt, limit=1000)
        assert store.count_rows(filt) == len(rows), filt
    assert store.count_rows() < store.count_entries()  # the story's versions are one row


def test_the_list_length_reads_only_the_clustered_index_unless_something_is_hidden(
    store: Store,
) -> None:
    """The first frame counts the list's rows: with nothing hidden, the versions it leaves out
    are counted in the partial index of clustered entries alone (on a million entries, the
    table's rows of every version cost the frame 20-30 ms); hidden versions still count."""
    story_cache(store)
    run: list[str] = []
    store.conn.set_trace_callback(run.append)
    try:
        rows = len(store.entries(limit=1000))
        run.clear()
        assert store.count_rows() == rows
    finally:
        store.conn.set_trace_callback(None)
    (versions,) = [s for s in run if "cluster_id IS NOT NULL" in s]
    plan = [row[3] for row in store.conn.execute("EXPLAIN QUERY PLAN " + versions)]
    searches = [step for step in plan if step.startswith(("SEARCH", "SCAN"))]
    assert searches and all("COVERING INDEX entries_cluster" in step for step in searches)
    # A later version hidden (as a [[hide]] rule does): it is no longer one left out.
    later = max(r[0] for r in store.conn.execute("SELECT id FROM entries WHERE cluster_id > 0"))
    with store.transaction() as conn:
        conn.execute("UPDATE entries SET hidden = 1 WHERE id = ?", (later,))
    assert store.count_rows() == len(store.entries(limit=1000)) == rows


async def test_a_refresh_that_only_joins_entries_stored_before_shows_one_row(
    store: Store, server: LoopbackServer
) -> None:
    """Versions stored by `add` (compared with nothing yet) and joined by a refresh that
    brought nothing new: the list kept their rows, and reading one left the others marked
    unread though the story was read (a helper's tour)."""
    story_cache(store, clustered=False)
    feed = server.route(
        "/lokal.xml", feed_xml([], title="Lokal"), content_type="application/rss+xml"
    )
    feed_id = add_feed(store, feed, "Lokal", [])
    config = Config(
        reader=ReaderConfig(refresh_on_start=False), cluster=ClusterConfig(window_days=3650)
    )
    app = NewsreaderApp(store, config, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        view = app.query_one(HeadlineView)
        rows_before = view.count
        app.action_refresh([feed_id])
        await wait_for(pilot, lambda: not app.refreshing, 30)
        await wait_for(pilot, lambda: view.count == rows_before - 2)
        story = [row for n in range(view.count) if (row := view.source.row(n)) and row.versions]
        assert [row.versions for row in story if row.versions > 1] == [3]


async def test_a_teaser_page_is_not_shown_as_a_version_of_its_article(
    store: Store, config: Config
) -> None:
    """A teaser opened from a story's article showed the article's "Also in" line, and `v`
    swapped in the article's other version (a helper's tour)."""
    from newsreader.core.article_records import Page, Teaser

    target = "https://polizei.example/presse/2"
    teaser = Teaser(target, "Zeugen gesucht nach Unfall", "Die Polizei bittet um Hinweise.")
    story_cache(store)
    add_feed(
        store,
        "https://polizei.example/feed",
        "Polizei Münster",
        [entry(40, "Einbruch an der Hammer Straße", summary=_html(REPORT), teasers=(teaser,))],
    )
    store.save_page(
        Page(url=target, final_url=target, fetched_at=datetime.now(UTC), text="Ein Unfall."),
        b"<html></html>",
    )
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        rows = store.entries()
        index = next(i for i, r in enumerate(rows) if r.versions == 3)
        app.query_one(HeadlineView).move_to(index)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Also in: Stadtanzeiger" in screen_text(app))
        detail = app.query_one(DetailPane)
        detail.teasers.focus()
        await pilot.press("1", "enter")
        await wait_for(pilot, lambda: detail.current_url == target)
        await pilot.pause()
        assert "Also in:" not in screen_text(app)
        await pilot.press("v")
        await pilot.pause()
        assert detail.current_url == target
