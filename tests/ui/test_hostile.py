"""Hostile feed and page text renders as plain text in every pane and triggers nothing."""

from __future__ import annotations

import pytest

from newsreader.core.article_records import Page, Teaser
from newsreader.core.config import Config, ReaderConfig
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.headline_view import HeadlineView
from newsreader.ui.help_screen import HelpScreen
from newsreader.ui.teaser_list import TeaserList
from tests.ui.conftest import NOW, Notes, add_feed, clock, entry, screen_text, wait_for

CLICK = "[@click=app.quit]x[/]"
LINK = "[link=file:///etc/passwd]y[/]"
BOLD = "[bold red]z"
ESCAPES = "\x1b[31mred\x1b[0m \x1b]8;;file:///etc/passwd\x07osc\x1b]8;;\x07 \x9b2J c1\x85 "
BIDI = "\u202eevil\u202c \u2066iso\u2069"
HOSTILE = f"{CLICK} {LINK} {BOLD} {ESCAPES}{BIDI}"
FORBIDDEN = ["\x1b", "\x9b", "\x85", "\x07", "\u202e", "\u2066"]


def assert_inert(text: str) -> None:
    for marker in (CLICK, LINK, BOLD):
        assert marker in text, f"{marker!r} not shown literally"
    for char in FORBIDDEN:
        assert char not in text, f"{char!r} reached the screen"


def hostile_cache(store: Store) -> None:
    add_feed(
        store,
        "https://evil.example/feed",
        f"{CLICK}{BIDI}",
        [
            entry(
                1,
                HOSTILE,
                author=f"{LINK}\x1b[2J",
                summary=f"<p>{CLICK} {LINK}</p><p>{BOLD} {ESCAPES}{BIDI}</p>"
                '<p><a href="javascript:alert(1)">js</a> <a href="file:///etc/passwd">f</a></p>',
                teasers=(
                    Teaser("https://evil.example/t1", HOSTILE, f"{LINK} {ESCAPES}"),
                    Teaser("javascript:alert(1)", CLICK, BOLD),
                ),
            ),
            entry(2, "x" * 10_000 + CLICK),
        ],
    )
    store.save_page(
        Page(
            url="https://evil.example/t1",
            final_url="https://evil.example/t1",
            fetched_at=NOW,
            title=HOSTILE,
            author=BOLD,
            text=f"{CLICK}\n\n{LINK} {BOLD}\n\n{ESCAPES}{BIDI}",
            teasers=(Teaser("https://evil.example/t2", CLICK, LINK),),
        ),
        b"<html></html>",
    )


@pytest.mark.slow
async def test_headlines_article_and_teasers_show_hostile_text_literally(store: Store) -> None:
    hostile_cache(store)
    app = NewsreaderApp(
        store, Config(reader=ReaderConfig(refresh_on_start=False)), offline=True, clock=clock
    )
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(app)
        assert_inert(text)
        # Clicking the hostile header, body and list lines quits nothing.
        for y in range(1, 12, 2):
            await pilot.click("#article", offset=(4, y))
            await pilot.click(HeadlineView, offset=(30, 0))
        assert app.is_running
        # The teaser page with hostile text, opened inside the pane.
        await pilot.press("1", "enter")
        await pilot.pause()
        assert_inert(screen_text(app))
        assert app.is_running


async def test_teaser_kicker_and_block_label_show_literally(store: Store) -> None:
    url = "https://evil.example/article"
    add_feed(store, "https://evil.example/feed", "Feed", [entry(1, "Harmlos", url=url)])
    labelled = tuple(
        Teaser(
            f"https://evil.example/t{n}",
            f"Titel {n}",
            "Text",
            kind="related",
            kicker=f"{CLICK}{BIDI}" if n == 1 else f"K{n}",
            block=f"{LINK} {BOLD} {ESCAPES}" if n < 3 else CLICK,
            group="related" if n < 3 else "more",
        )
        for n in range(1, 10)
    )
    store.save_page(
        Page(
            url=url, final_url=url, fetched_at=NOW, title="Harmlos", text="Text.", teasers=labelled
        ),
        b"<html></html>",
    )
    app = NewsreaderApp(
        store, Config(reader=ReaderConfig(refresh_on_start=False)), offline=True, clock=clock
    )
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        teasers = app.query_one(TeaserList)
        assert [o.id for o in teasers.options if o.disabled] == ["h0", "h1"]
        assert_inert(screen_text(app))
        # Clicking the hostile headings and the `+ N more` row under one quits nothing.
        for option in ("h0", "h1", "more1"):
            y = teasers._index_to_line[teasers.get_option_index(option)] + 1  # the top border
            await pilot.click(TeaserList, offset=(6, y))
        assert app.is_running
        assert "+ 2 more" not in screen_text(app)  # the click on it expanded the list
        assert_inert(screen_text(app))


async def test_ten_thousand_character_title_stays_one_row(store: Store) -> None:
    hostile_cache(store)
    app = NewsreaderApp(
        store, Config(reader=ReaderConfig(refresh_on_start=False)), offline=True, clock=clock
    )
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("j", "enter")
        await pilot.pause()
        view = app.query_one(HeadlineView)
        assert view.current is not None and len(view.current.title) > 10_000
        lines = screen_text(app).splitlines()
        assert len(lines) == 30
        assert all(len(line) <= 120 for line in lines)


async def test_notifications_are_plain_text(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    hostile_cache(store)
    app = NewsreaderApp(
        store, Config(reader=ReaderConfig(refresh_on_start=False)), offline=True, clock=clock
    )
    notes = Notes()
    async with app.run_test(size=(160, 40), notifications=True, message_hook=notes) as pilot:
        app.open_in_browser(f"javascript:{CLICK}{LINK}{BOLD}{ESCAPES}")
        # The toast on screen, not a fixed pause (under load 0.3 s was too short to paint it).
        await wait_for(pilot, lambda: bool(app.query("Toast")))
        await pilot.pause()
        assert notes.raised and not notes.raised[-1].markup
        message = notes.raised[-1].message
        for char in FORBIDDEN:
            assert char not in message
        # The toast wraps the line; join its rows back to find the markup-looking text.
        rows = [
            line.split("▌", 1)[1].strip() for line in screen_text(app).splitlines() if "▌" in line
        ]
        assert_inert("".join(rows))
        assert app.is_running


async def test_help_shows_hostile_keymap_text_literally(store: Store) -> None:
    config = Config(
        reader=ReaderConfig(refresh_on_start=False),
        keys={"headline.toggle_star": "ctrl+s", "no.such.binding": CLICK},
    )
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=(160, 60)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "ctrl+s" in text
        assert "\x1b" not in text
        assert app.is_running
