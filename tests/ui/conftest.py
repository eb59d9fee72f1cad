"""Fixtures for the reader tests: a real store in tmp_path, a frozen clock, quiet config."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.css.query import NoMatches
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.pilot import Pilot

from newsreader.core.article_records import Page, Teaser
from newsreader.core.config import Config, ReaderConfig
from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.store.store import Store

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def new_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The file of a new, empty cache, made once: creating the schema costs ~18 ms of CPU,
    and a hundred reader tests each start from one (a copy of this file)."""
    folder = tmp_path_factory.mktemp("new-cache")
    Store.in_dir(folder).close()
    (cache,) = folder.iterdir()  # closing folds the WAL back in: one file
    return cache


@pytest.fixture
def store(tmp_path: Path, new_cache: Path) -> Iterator[Store]:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copyfile(new_cache, folder / new_cache.name)
    s = Store.in_dir(folder)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def config() -> Config:
    return Config(reader=ReaderConfig(refresh_on_start=False))


def add_feed(
    store: Store,
    url: str,
    title: str,
    entries: list[ParsedEntry],
    *,
    tags: tuple[str, ...] = (),
) -> int:
    feed = store.add_feed(url, title=title, tags=tags)
    store.record_feed(
        feed.id,
        ParsedFeed(title=title, site_url=None, entries=tuple(entries)),
        status=200,
        etag=None,
        last_modified=None,
    )
    return feed.id


def entry(
    n: int,
    title: str,
    *,
    url: str | None = None,
    summary: str = "",
    minutes_ago: int | None = None,
    teasers: tuple[Teaser, ...] = (),
    paywalled: bool = False,
    author: str | None = None,
) -> ParsedEntry:
    return ParsedEntry(
        key=f"k{n}",
        title=title,
        url=url or f"https://example.org/a/{n}",
        author=author,
        summary=summary or f"<p>Summary of {title}.</p>",
        published=NOW - timedelta(minutes=minutes_ago if minutes_ago is not None else n * 7),
        teasers=teasers,
        paywalled=paywalled,
    )


def sample_cache(store: Store) -> None:
    """A small, realistic local-news cache: two feeds, a tag, teasers, one paywalled item."""
    teasers = (
        Teaser("https://example.org/t/1", "Neue Radwege in der Innenstadt", "Der Rat stimmt zu."),
        Teaser("https://example.org/t/2", "Baustelle an der Promenade", "Sperrung bis Mai."),
        Teaser("https://example.org/t/3", "Wochenmarkt zieht um", ""),
    )
    add_feed(
        store,
        "https://stadt.example/feed",
        "Stadt Münster",
        [
            entry(1, "Münster baut neue Fahrradstraße", teasers=teasers, author="Presseamt"),
            entry(2, "Sperrung der Weseler Straße am Wochenende"),
            entry(3, "Stadtbücherei verlängert Öffnungszeiten"),
        ],
        tags=("lokal",),
    )
    add_feed(
        store,
        "https://zeitung.example/rss",
        "Westfälische Zeitung",
        [
            entry(11, "Preußen gewinnt Derby", minutes_ago=3),
            entry(12, "Plus: Was der neue Bebauungsplan bedeutet", paywalled=True, minutes_ago=90),
            entry(13, "Polizei sucht Zeugen nach Unfall", minutes_ago=60 * 26),
        ],
    )


GROUPED_ARTICLE = "https://stadt.example/verkehr/fahrradstrasse-eroeffnet-123"
MOST_READ = (
    ("Polizei", "Unfall auf der Weseler Straße: zwei Verletzte"),
    ("Sport", "Preußen gewinnt das Derby in letzter Minute"),
    ("Kultur", "Theater zeigt neues Stück über die Stadtgeschichte"),
    ("Wetter", "Sturmtief bringt Regen und Wind ins Münsterland"),
    ("Politik", "Rat beschließt Haushalt für das kommende Jahr"),
    ("Schule", "Gymnasium bekommt neue Sporthalle"),
    ("Handel", "Wochenmarkt zieht an den Domplatz"),
    ("Bahn", "Baustelle am Hauptbahnhof dauert länger"),
)


def grouped_cache(store: Store) -> None:
    """One article whose cached page gives teasers in three blocks: links in the text,
    a related "Mehr zum Thema" block and a "Meistgelesen" list of eight (more)."""
    inline = (
        Teaser(
            "https://stadt.example/verkehr/radwegekonzept-456",
            "Radwegekonzept",
            kind="inline",
        ),
        Teaser(
            "https://stadt.example/politik/ratssitzung-789",
            "Ratssitzung zum Verkehr",
            "Der Rat hat im Herbst über das Konzept beraten.",
            kind="inline",
        ),
    )
    related = (
        Teaser(
            "https://stadt.example/verkehr/promenade-gesperrt-321",
            "Promenade bleibt bis Mai gesperrt",
            "Die Bauarbeiten am Ring verzögern sich um zwei Monate.",
            kind="related",
            kicker="Baustelle",
            block="Mehr zum Thema",
        ),
        Teaser(
            "https://stadt.example/verkehr/fahrradparkhaus-654",
            "Neues Fahrradparkhaus am Bahnhof",
            "Tausend Stellplätze auf zwei Ebenen.",
            kind="related",
            kicker="Münster",
            block="Mehr zum Thema",
        ),
    )
    more = tuple(
        Teaser(
            f"https://stadt.example/meistgelesen/{n}",
            title,
            f"Kurz gefasst: Meldung Nummer {n}." if n % 2 else "",
            kind="related",
            kicker=kicker,
            block="Meistgelesen",
            group="more",
        )
        for n, (kicker, title) in enumerate(MOST_READ, 1)
    )
    add_feed(
        store,
        "https://stadt.example/feed",
        "Stadt Münster",
        [entry(1, "Erste Fahrradstraße am Ring eröffnet", url=GROUPED_ARTICLE)],
    )
    store.save_page(
        Page(
            url=GROUPED_ARTICLE,
            final_url=GROUPED_ARTICLE,
            fetched_at=NOW,
            title="Erste Fahrradstraße am Ring eröffnet",
            text="Seit heute haben Radfahrer am Ring **Vorrang**. Das Radwegekonzept sieht "
            "zwölf weitere Straßen vor.",
            teasers=inline + related + more,
        ),
        b"<html></html>",
    )


class Notes:
    """The notifications an app raised, caught as its public `Notify` messages: pass one as
    `run_test(message_hook=...)`. Unlike the toasts on screen, none time out before a look."""

    def __init__(self) -> None:
        self.raised: list[Notification] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.raised.append(message.notification)

    @property
    def messages(self) -> list[str]:
        return [n.message for n in self.raised]


def screen_text(app: object) -> str:
    """The screen as plain text, for assertions on what the user sees.

    Textual has no public way to read the composited screen back as text or segments
    (`export_screenshot` gives SVG), so this reads its compositor."""
    from textual.app import App

    assert isinstance(app, App)
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def wait_for(pilot: object, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app work until `predicate` holds (background loads, refresh), else fail.
    A widget the predicate asks for that is not mounted yet (the panes after the first
    paint, a pane composed again) is a condition not yet true, not an error."""

    def holds() -> bool:
        try:
            return predicate()
        except NoMatches:
            return False

    assert isinstance(pilot, Pilot)
    for _ in range(int(timeout / 0.05)):
        if holds():
            return
        await pilot.pause(0.05)
    assert predicate(), "condition never became true"


async def writes_done(pilot: object, timeout: float = 70.0) -> None:
    """Let the reader's store writes (read, star, mark all read) land and be reported: they
    run on its writer thread, so a key press returns before the row is written."""

    from newsreader.ui.app import NewsreaderApp
    from newsreader.ui.messages import WRITE

    assert isinstance(pilot, Pilot) and isinstance(pilot.app, NewsreaderApp)
    app = pilot.app
    await wait_for(pilot, lambda: not app.net.running(WRITE), timeout)
    await pilot.pause()


@pytest.fixture
def utc_timezone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC, so snapshots show the same clock on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def keys(*pressed: str, settle: float = 0.3) -> Callable[[Pilot[Any]], Any]:
    """A snapshot's run_before: press the keys, then let the screen settle."""

    async def run(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        await pilot.press(*pressed)
        await pilot.pause(settle)

    return run
