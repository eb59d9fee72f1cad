"""The teaser list under its block labels: headings, kickers, summaries, `+ N more`."""

from __future__ import annotations

import re
from typing import Any

from textual.content import Content
from textual.pilot import Pilot

from newsreader.core.article_records import Teaser
from newsreader.core.config import Config
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.teaser_list import KICKER_CHARS, TeaserList, teaser_prompt
from tests.ui.conftest import MOST_READ, clock, grouped_cache, sample_cache, screen_text

SIZE = (
    150,
    60,
)  # wide enough for a teaser line, tall enough that the whole list shows without scrolling


def shown_numbers(app: NewsreaderApp) -> dict[int, str]:
    """Number -> the title shown after it, as read off the screen."""
    found: dict[int, str] = {}
    for line in screen_text(app).splitlines():
        match = re.search(r"│ (\d+)\. (?:\S+ · )?(.+?)\s*$", line)
        if match:
            found[int(match[1])] = match[2]
    return found


async def assert_digits_match_screen(app: NewsreaderApp, pilot: Pilot[Any]) -> None:
    """Each digit key highlights the teaser the screen shows under that number."""
    teasers = app.query_one(TeaserList)
    numbers = shown_numbers(app)
    assert sorted(numbers)[:9] == list(range(1, min(len(numbers), 9) + 1))
    for number in range(1, min(len(numbers), 9) + 1):
        await pilot.press(str(number))
        assert teasers.current is not None
        assert teasers.current.title.startswith(numbers[number].rstrip("…"))


async def test_block_labels_are_headings_the_cursor_skips(store: Store, config: Config) -> None:
    grouped_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        teasers = app.query_one(TeaserList)
        lines = [line.split("│")[-1].strip() for line in screen_text(app).splitlines()]
        # In the store's order: the links in the text, the related block, then most-read.
        headings = [
            i
            for i, line in enumerate(lines)
            if line in {"In the article", "Mehr zum Thema", "Meistgelesen"}
        ]
        assert [lines[i] for i in headings] == ["In the article", "Mehr zum Thema", "Meistgelesen"]
        assert lines[headings[0] + 1] == "1. Radwegekonzept"
        assert lines[headings[1] + 1].startswith("3. Baustelle · Promenade")
        assert lines[headings[2] + 1].startswith("5. Polizei · Unfall")
        # Headings are options nobody can select.
        disabled = [o.id for o in teasers.options if o.disabled]
        assert disabled == ["h0", "h1", "h2"]

        # `]` walks every row but the headings, and wraps; so do j and k.
        stops = [i for i, o in enumerate(teasers.options) if not o.disabled]
        await pilot.press("right_square_bracket")
        seen = []
        for _ in stops:
            seen.append(teasers.highlighted)
            await pilot.press("right_square_bracket")
        assert seen == stops
        assert teasers.highlighted == stops[0]
        await pilot.press("left_square_bracket")
        assert teasers.highlighted == stops[-1]
        await pilot.press("right_square_bracket")
        assert teasers.current is not None and teasers.current.title == "Radwegekonzept"
        await pilot.press("k")  # up from the first teaser wraps past the heading above it
        assert teasers.highlighted == stops[-1]
        await pilot.press("j", "j", "j")
        assert teasers.current is not None and teasers.current.title.startswith("Promenade")
        await pilot.press("k", "k")
        assert teasers.current is not None and teasers.current.title == "Radwegekonzept"


async def test_kicker_dim_before_headline_and_summary_below(store: Store, config: Config) -> None:
    grouped_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        lines = [line.split("│")[-1].rstrip() for line in screen_text(app).splitlines()]
        row = next(i for i, line in enumerate(lines) if "Promenade bleibt" in line)
        assert lines[row].strip() == "3. Baustelle · Promenade bleibt bis Mai gesperrt"
        # The summary is cut to the width with an ellipsis, never wrapped.
        summary = lines[row + 1].strip()
        assert summary.startswith("Die Bauarbeiten am Ring") and summary.endswith("…")
        assert "Die Bauarbeiten am Ring verzögern sich um zwei Monate.".startswith(summary[:-1])
        assert "Monate" not in "\n".join(lines)
        # A most-read teaser without a summary takes one line; the next number follows.
        row = next(i for i, line in enumerate(lines) if "Preußen gewinnt" in line)
        assert lines[row + 1].strip().startswith("7. Kultur · Theater")

        teasers = app.query_one(TeaserList)
        prompt = teasers.get_option("t2").prompt
        assert isinstance(prompt, Content)
        start = prompt.plain.index("Baustelle")
        dim = [s for s in prompt.spans if str(s.style) == "dim"]
        assert any(s.start <= start and s.end >= start + len("Baustelle ·") for s in dim)
        headline_at = prompt.plain.index("Promenade")
        assert not any(s.start <= headline_at < s.end for s in dim)  # the headline is not dim
        summary_at = prompt.plain.index("Die Bauarbeiten")
        assert any(s.start <= summary_at < s.end for s in dim)


def test_a_long_kicker_leaves_room_for_the_headline() -> None:
    """A kicker of 34 characters filled a narrow row and cut the headline away whole (a
    helper's tour): it is shortened, the headline never."""
    teaser = Teaser(
        "https://www.spiegel.de/x",
        "Liebe Bahn, wie kann man das so verbocken?",
        kicker="Aufregung um Greta Thunberg im ICE",
    )
    first_line = teaser_prompt(1, teaser).plain.split("\n")[0]
    assert first_line == "1. Aufregung um Greta… · Liebe Bahn, wie kann man das so verbocken?"
    assert len(first_line.split(" · ")[0]) <= 3 + KICKER_CHARS


async def test_long_more_list_collapses_and_expands_on_enter(store: Store, config: Config) -> None:
    grouped_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        teasers = app.query_one(TeaserList)
        text = screen_text(app)
        assert "+ 3 more" in text
        for _, title in MOST_READ[:5]:
            assert title[:20] in text
        for _, title in MOST_READ[5:]:
            assert title[:20] not in text
        assert teasers.border_title == "Teasers (12)"
        await assert_digits_match_screen(app, pilot)

        # 9 is the fifth most-read; `]` goes on to the `+ 3 more` row, Enter opens it.
        await pilot.press("9", "right_square_bracket")
        assert teasers.current is None
        assert teasers.highlighted_option is not None
        assert teasers.highlighted_option.id == "more2"
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(app)
        assert "+ 3 more" not in text
        for _, title in MOST_READ:
            assert title[:20] in text
        # The cursor sits on the first teaser the row revealed, numbered on from the rest.
        assert teasers.current is not None and teasers.current.title == MOST_READ[5][1]
        numbers = shown_numbers(app)
        assert numbers[10].startswith("Gymnasium") and numbers[12].startswith("Baustelle am")
        await assert_digits_match_screen(app, pilot)
        # Nothing was opened by the Enter on `+ 3 more`.
        assert app.detail.history.current is not None
        assert app.detail.history.current.url is None

        # Enter on a teaser still opens it in the article pane.
        await pilot.press("2", "enter")
        await pilot.pause()
        current = app.detail.history.current
        assert (
            current is not None and current.url == "https://stadt.example/politik/ratssitzung-789"
        )


async def test_more_row_expands_on_click(store: Store, config: Config) -> None:
    grouped_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        teasers = app.query_one(TeaserList)
        index = teasers.get_option_index("more2")
        y = teasers._index_to_line[index] - teasers.scroll_offset.y + 1  # under the top border
        assert await pilot.click(TeaserList, offset=(6, y))
        await pilot.pause()
        assert "+ 3 more" not in screen_text(app)
        assert teasers.current is not None and teasers.current.title == MOST_READ[5][1]


async def test_expansion_lasts_while_previews_arrive_and_resets_for_a_new_article(
    store: Store, config: Config
) -> None:
    grouped_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        teasers = app.query_one(TeaserList)
        teasers.jump(8)
        await pilot.press("right_square_bracket", "enter")
        assert len([o for o in teasers.options if o.id and o.id.startswith("t")]) == 12
        highlighted = teasers.current
        # A preview fills in a summary: same article, the list keeps its shape and cursor.
        filled = tuple(
            Teaser(
                t.url,
                t.title,
                t.description or "Aus der Vorschau.",
                t.kind,
                t.kicker,
                t.block,
                t.group,
            )
            for t in teasers.teasers
        )
        teasers.set_teasers(filled, keep_highlight=True)
        assert len([o for o in teasers.options if o.id and o.id.startswith("t")]) == 12
        assert teasers.current is not None and highlighted is not None
        assert teasers.current.url == highlighted.url
        # The loaded page adds a link in the text: every row moves, the cursor stays on its teaser.
        grown = (Teaser("https://stadt.example/neu", "Neu im Text", kind="inline"), *filled)
        teasers.set_teasers(grown, keep_highlight=True)
        assert teasers.current is not None and teasers.current.url == highlighted.url
        # Another article's teasers start collapsed again.
        teasers.set_teasers(filled[:-1])
        assert len([o for o in teasers.options if o.id and o.id.startswith("t")]) == 9
        assert teasers.get_option_index("more2") > 0


async def test_one_unlabelled_block_has_no_heading(store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "enter")
        await pilot.pause()
        teasers = app.query_one(TeaserList)
        assert not any(o.disabled for o in teasers.options)
        assert "In the article" not in screen_text(app)


def test_an_unlabelled_block_is_in_the_article_only_when_its_links_are() -> None:
    """A page's related block without a label was headed "In the article" too, though the
    text holds none of its links (a helper's tour, on the mopo page)."""
    from newsreader.core.models import TeaserGroup, TeaserKind
    from newsreader.ui.teaser_list import teaser_blocks, unlabelled_heading

    def teaser(n: int, kind: TeaserKind, group: TeaserGroup) -> Teaser:
        return Teaser(url=f"https://a.example/{n}", title=f"T{n}", kind=kind, group=group)

    found = [
        teaser(1, "inline", "related"),
        teaser(2, "related", "related"),
        teaser(3, "related", "related"),
        teaser(4, "related", "more"),
    ]
    # The store keeps a block's teasers together; each run of one label and group is a block.
    inline = [found[0]]
    assert [unlabelled_heading(b, inline) for b in teaser_blocks(inline)] == ["In the article"]
    rest = found[1:]
    assert [unlabelled_heading(b, rest) for b in teaser_blocks(rest)] == ["Related", "More stories"]
