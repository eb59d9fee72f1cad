"""Property: whatever a feed or page says, the reader paints it as plain text.

Each example fills a fresh cache with hostile strings and walks the real app through every
place that shows them: headline rows, feed pane, article header and body, teaser list, a
teaser's page, notifications and the help screen. What the compositor sends to the terminal
must hold no control or bidi character, no link and no `@click` action; and the text a
widget was given must come out verbatim, which markup interpretation would break.
"""

from __future__ import annotations

import asyncio
import html
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from rich.cells import cell_len
from rich.segment import Segment
from textual.app import App
from textual.content import Content
from textual.widgets import DataTable, Static

from newsreader.core.article_records import Teaser
from newsreader.core.config import Config, ReaderConfig
from newsreader.core.extract.render import html_to_markdown, one_line, safe_text
from newsreader.core.fetch_records import RefreshReport
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.article_body import ArticleBody
from newsreader.ui.article_view import ArticleView
from newsreader.ui.detail_pane import DetailPane
from newsreader.ui.feed_pane import FeedPane
from newsreader.ui.headline_view import HeadlineView
from newsreader.ui.help_screen import HelpScreen
from newsreader.ui.markdown_content import markdown_to_content
from newsreader.ui.messages import REFRESH, JobDone
from newsreader.ui.teaser_list import KICKER_CHARS, TeaserList, heading_prompt, teaser_prompt
from tests.support.hostile_text import (
    EMPTY_CASE,
    FIXED_CASE,
    HUGE_CASE,
    PLAIN_BODY_URL,
    TEASER_URL,
    WIDE_CASE,
    HostileCase,
    bad_chars,
    fill_store,
    hostile_cases,
    hostile_text,
)
from tests.ui.conftest import Notes, clock, screen_text, wait_for

APP_EXAMPLES = 2  # each starts the app: about a second; RENDER_EXAMPLES cover the builders
RENDER_EXAMPLES = 60
# Textual's own scrollbars carry these actions; anything else with "@" came from markup.
SCROLLBAR_ACTIONS = {
    ("@mouse.down", "grab"),
    ("@mouse.down", "scroll_up"),
    ("@mouse.down", "scroll_down"),
}


def assert_segments_inert(segments: Iterable[Segment], where: str, allow: str = "") -> None:
    for segment in segments:
        bad = bad_chars(segment.text, allow)
        assert not bad, f"{where}: {bad[:5]!r} reached the terminal"
        style = segment.style
        if style is not None:
            assert style.link is None, f"{where}: a link in {segment.text[:40]!r}"
            actions = [
                (key, value)
                for key, value in style.meta.items()
                if key.startswith("@") and (key, value) not in SCROLLBAR_ACTIONS
            ]
            assert not actions, f"{where}: {actions} on {segment.text[:40]!r}"


def assert_screen_inert(app: App[Any], where: str) -> None:
    # No public API hands out the composited segments (with their styles): the compositor.
    for y, strip in enumerate(app.screen._compositor.render_strips()):
        assert_segments_inert(strip, f"{where}, screen row {y}")


def assert_content_inert(content: Content, allowed: set[str], where: str) -> None:
    """The only styles are the ones the widget's own template puts there."""
    styles = {str(span.style) for span in content.spans}
    assert styles <= allowed, f"{where}: styles {styles - allowed} came from the text"
    # Before wrapping, a Content's line breaks are segments of their own.
    assert_segments_inert(content.render_segments(), where, allow="\n")


def assert_body_inert(body: ArticleBody, where: str) -> None:
    """Every wrapped line of the body, not only the ones on screen (wrapping expands tabs)."""
    for line in body.lines(body.size.width):
        assert_segments_inert(line.render_segments(), where)


def static_content(app: App[Any], selector: str) -> Content:
    content = app.query_one(selector, Static).content
    assert isinstance(content, Content)
    return content


async def show_case(case: HostileCase) -> None:
    with tempfile.TemporaryDirectory(prefix="newsreader-hostile-") as tmp:
        store = Store.in_dir(Path(tmp))
        try:
            fill_store(store, case)
            await walk_the_app(store, case)
        finally:
            store.close()


async def walk_the_app(store: Store, case: HostileCase) -> None:
    config = Config(reader=ReaderConfig(refresh_on_start=False))
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    notes = Notes()
    async with app.run_test(size=(120, 36), notifications=True, message_hook=notes) as pilot:
        view = app.query_one(HeadlineView)
        await wait_for(pilot, lambda: view.count == 2)
        for index in range(2):
            row = view.source.row(index)
            assert row is not None
            strip = view.render_row(row, False, 3000)  # wide enough for the whole title
            assert_segments_inert(strip, "headline row")
            assert one_line(case.title, 400) in strip.text

        await wait_for(pilot, lambda: bool(app.query(FeedPane)))  # mounted after the list
        pane = app.query_one(FeedPane)
        await wait_for(pilot, lambda: pane.option_count == 3 - (not case.tag.strip()))
        prompts = [pane.get_option_at_index(i).prompt for i in range(pane.option_count)]
        for prompt in prompts:
            assert isinstance(prompt, Content)
            assert_content_inert(prompt, {"dim"}, "feed pane")
        labels = "\n".join(p.plain for p in prompts if isinstance(p, Content))
        # As much as a row of LABEL_WIDTH holds, counted in terminal cells as the pane cuts
        # (a CJK character takes two: eleven characters did not fit).
        assert _first_cells(one_line(case.feed_title, 60), 11) in labels
        assert _first_cells(one_line(case.tag, 60), 13) in labels
        assert_screen_inert(app, "headlines")

        # The article with a cached page: Markdown body, teasers.
        article = app.query_one(ArticleView)
        await pilot.press("enter")
        await wait_for(pilot, lambda: article.shown is not None)
        header = static_content(app, "#article-header")
        assert_content_inert(header, {"b", "dim"}, "article header")
        assert (one_line(case.title, 1000) or "(untitled)") in header.plain
        assert one_line(case.author, 200) in header.plain
        assert one_line(case.feed_title, 200) in header.plain
        assert_body_inert(app.query_one(ArticleBody), "article body")
        teasers = app.query_one(TeaserList)
        prompt = teasers.get_option_at_index(0).prompt
        assert isinstance(prompt, Content)
        assert_content_inert(prompt, {"b", "dim"}, "teaser")
        assert (one_line(case.teaser_title, 300) or TEASER_URL) in prompt.plain
        assert one_line(case.teaser_description, 300) in prompt.plain
        assert_screen_inert(app, "article")

        # The teaser's page, opened inside the pane.
        detail = app.query_one(DetailPane)
        await pilot.press("1", "enter")
        await wait_for(pilot, lambda: getattr(detail.history.current, "url", None) == TEASER_URL)
        header = static_content(app, "#article-header")
        assert_content_inert(header, {"b", "dim"}, "page header")
        if article.shown is not None:
            assert one_line(case.page_title, 1000) in header.plain
            assert_body_inert(app.query_one(ArticleBody), "page body")
        else:  # an empty page: "not available offline", under the teaser's title
            assert one_line(case.teaser_title, 500) in header.plain
            assert_content_inert(static_content(app, "#article-note"), set(), "page note")
        assert_screen_inert(app, "teaser page")

        # The article whose text is the feed's HTML holding the hostile string as text only:
        # the body must carry no style at all and every visible character of the string.
        view.focus()
        await pilot.press("j", "enter")
        await wait_for(
            pilot, lambda: article.shown is not None and article.shown.url == PLAIN_BODY_URL
        )
        shown = article.shown
        assert shown is not None
        body = app.query_one(ArticleBody).content
        assert_body_inert(app.query_one(ArticleBody), "feed body")
        if shown.body:
            assert_content_inert(body, {""}, "feed body")
        # The HTML is scrubbed before parsing, so an ESC next to `&lt;` or `</p>` eats a
        # character of markup (garbled, harmless); without ESC every character must show.
        if shown.body and "\x1b" not in case.body:
            assert "".join(one_line(case.body, 10**6).split()) == "".join(body.plain.split())
        assert_screen_inert(app, "feed body")

        # Notifications quoting a feed's URL, error and a refused link.
        app.open_in_browser(f"javascript:{case.title}")
        report = RefreshReport(
            feeds=2,
            new_entries=0,
            updated_entries=0,
            unchanged=0,
            failed=((f"https://evil.example/{case.teaser_title}", case.error),),
            pages_fetched=0,
            seconds=0.1,
        )
        app.post_message(JobDone(REFRESH, result=report))
        await wait_for(pilot, lambda: len(app.query("Toast")) >= 2)
        assert any(one_line(case.error, 200) in m for m in notes.messages)
        assert any(one_line(f"javascript:{case.title}", 200) in m for m in notes.messages)
        assert not any(n.markup for n in notes.raised)
        for toast in app.query("Toast"):  # by CSS type name: the class itself is private
            rendered = toast.render()
            assert isinstance(rendered, Content)
            assert_content_inert(rendered, set(), "toast")
        assert_screen_inert(app, "notifications")

        svg = app.export_screenshot()
        assert "\x1b" not in svg and "\u202e" not in svg
        assert app.is_running


def _first_cells(text: str, cells: int) -> str:
    """The longest start of `text` that fits in `cells` terminal cells."""
    used = taken = 0
    for char in text:
        used += cell_len(char)
        if used > cells:
            break
        taken += 1
    return text[:taken]


@pytest.mark.slow
@settings(max_examples=APP_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(case=FIXED_CASE)
@example(case=EMPTY_CASE)
@example(case=HUGE_CASE)
@example(case=WIDE_CASE)
@given(case=hostile_cases)
def test_reader_paints_hostile_text_as_plain_text(case: HostileCase) -> None:
    # One app per example, in its own event loop: hypothesis drives a plain function.
    asyncio.run(show_case(case))


async def show_help(keys: str) -> None:
    with tempfile.TemporaryDirectory(prefix="newsreader-hostile-") as tmp:
        store = Store.in_dir(Path(tmp))
        config = Config(
            reader=ReaderConfig(refresh_on_start=False),
            keys={"app.quit": f"ctrl+s,{keys}", "no.such.binding": keys},  # a row on screen
        )
        app = NewsreaderApp(store, config, offline=True, clock=clock)
        try:
            async with app.run_test(size=(160, 60)) as pilot:
                await pilot.press("question_mark")
                await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
                help_screen = app.screen
                assert isinstance(help_screen, HelpScreen)
                # the row may sit below the fold as bindings are added: bring it on screen
                row = next(i for i, r in enumerate(help_screen.rows) if r.id == "app.quit")
                help_screen.query_one(DataTable).move_cursor(row=row)
                await pilot.pause()
                assert "ctrl+s" in screen_text(app)
                assert_screen_inert(app, "help")
        finally:
            store.close()


@pytest.mark.slow
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(keys=FIXED_CASE.title)
@given(keys=hostile_text)
def test_help_paints_hostile_keymap_text_as_plain_text(keys: str) -> None:
    asyncio.run(show_help(keys))


@settings(max_examples=RENDER_EXAMPLES, deadline=None)
@given(title=hostile_text, description=hostile_text, kicker=hostile_text, body=hostile_text)
def test_teaser_and_body_content_is_inert(
    title: str, description: str, kicker: str, body: str
) -> None:
    """Many more strings through the builders the app uses, without starting the app."""
    prompt = teaser_prompt(1, Teaser(TEASER_URL, title, description, kicker=kicker))
    assert_content_inert(prompt, {"b", "dim"}, "teaser")
    assert (one_line(title, 300) or TEASER_URL) in prompt.plain
    assert one_line(description, 300) in prompt.plain
    assert one_line(kicker, KICKER_CHARS) in prompt.plain
    heading = heading_prompt(kicker)  # a block label is page text too
    assert_content_inert(heading, {"dim"}, "teaser heading")
    assert heading.plain == one_line(kicker, 120)
    feed_body = markdown_to_content(html_to_markdown(f"<p>{html.escape(body)}</p>"))
    assert_content_inert(feed_body, {""}, "feed body")
    # Page text is the core's Markdown: emphasis may style it, but never a link or action.
    page_body = markdown_to_content(safe_text(body))
    for content in (feed_body, page_body):
        for line in content.wrap(80):
            assert_segments_inert(line.render_segments(), "body line")
