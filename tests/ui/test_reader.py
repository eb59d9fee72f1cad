"""Behaviour of the reader with a real store (and the loopback server where it fetches)."""

from __future__ import annotations

import pytest

from newsreader.core.article_records import Page, Teaser
from newsreader.core.config import Config, ReaderConfig
from newsreader.core.models import EntryFilter
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.article_view import ArticleView
from newsreader.ui.feed_pane import FeedPane
from newsreader.ui.headline_view import HeadlineView
from newsreader.ui.help_screen import HelpScreen
from newsreader.ui.teaser_list import TeaserList
from tests.ui.conftest import (
    NOW,
    add_feed,
    clock,
    entry,
    sample_cache,
    screen_text,
    wait_for,
    writes_done,
)

WIDE = (140, 40)


def article_text(app: NewsreaderApp) -> str:
    view = app.query_one(ArticleView)
    shown = view.shown
    return "" if shown is None else shown.title + "\n" + shown.body


async def test_headlines_newest_first_with_markers(store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        view = app.query_one(HeadlineView)
        assert view.count == 6
        assert view.current is not None and view.current.title == "Preußen gewinnt Derby"
        text = screen_text(app)
        assert "3m Preußen gewinnt" in text
        assert "€" in text  # the paywalled Plus article
        assert "6 unread" in text


async def test_open_marks_read_and_shows_article_with_teasers(store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("j", "enter")
        await writes_done(pilot)
        view = app.query_one(HeadlineView)
        assert view.current is not None
        opened = view.current
        assert opened.title == "Münster baut neue Fahrradstraße"
        assert store.entry(opened.id).read  # type: ignore[union-attr]
        assert "Münster baut neue Fahrradstraße" in article_text(app)
        teasers = app.query_one(TeaserList)
        assert [t.title for t in teasers.teasers][:2] == [
            "Neue Radwege in der Innenstadt",
            "Baustelle an der Promenade",
        ]
        text = screen_text(app)
        assert "5 unread" in text
        assert "1. Neue Radwege in der Innenstadt" in text
        assert "Der Rat stimmt zu." in text
        assert "Feed text only" in text


async def test_teaser_walk_with_brackets_and_digits(store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("j", "enter", "right_square_bracket")
        teasers = app.query_one(TeaserList)
        assert teasers.has_focus and teasers.highlighted == 0
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert teasers.highlighted == 2
        await pilot.press("right_square_bracket")  # wraps
        assert teasers.highlighted == 0
        await pilot.press("left_square_bracket")
        assert teasers.highlighted == 2
        await pilot.press("2")
        assert teasers.highlighted == 1


async def test_offline_teaser_cached_and_not_cached(store: Store, config: Config) -> None:
    sample_cache(store)
    store.mark_page_failed("https://example.org/t/1")  # a 404 when it was tried
    store.save_page(
        Page(
            url="https://example.org/t/2",
            final_url="https://example.org/t/2",
            fetched_at=NOW,
            title="Baustelle an der Promenade",
            text="Die Promenade ist **bis Mai** gesperrt.",
            teasers=(Teaser("https://example.org/t/9", "Umleitung für Radfahrer", "Karte"),),
        ),
        b"<html></html>",
    )
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("j", "enter", "2", "enter")
        await pilot.pause()
        assert "bis Mai" in article_text(app)
        assert app.query_one(TeaserList).teasers[0].title == "Umleitung für Radfahrer"
        # A teaser of the teaser that was never fetched: said plainly, nothing fetched.
        await pilot.press("1", "enter")
        await pilot.pause()
        assert "Not available offline" in screen_text(app)
        assert "was never" in " ".join(screen_text(app).split())
        # Back twice returns to the article, forward once to the cached teaser.
        await pilot.press("backspace")
        await pilot.pause()
        assert "bis Mai" in article_text(app)
        await pilot.press("alt+left")
        await pilot.pause()
        assert "Münster baut neue Fahrradstraße" in article_text(app)
        await pilot.press("alt+right")
        await pilot.pause()
        assert "bis Mai" in article_text(app)
        # One that failed when a run tried it was not "never fetched" (a helper's tour).
        await pilot.press("backspace", "1", "enter")
        await wait_for(pilot, lambda: "fetched when it" in " ".join(screen_text(app).split()))


def _article_with_a_teaser(store: Store, server: object, article_url: str, teaser_url: str) -> None:
    from tests.support.loopback import LoopbackServer

    assert isinstance(server, LoopbackServer)
    teaser = Teaser(teaser_url, "Promenade wird fertig", "Bauarbeiten im Plan")
    story = entry(1, "Rat beschließt Radwege", url=article_url, teasers=(teaser,))
    add_feed(store, server.url("/feed"), "Lokales", [story])


async def test_follow_teaser_online_loads_page_and_back_forward(
    store: Store, config: Config, server: object
) -> None:
    from tests.support.loopback import LoopbackServer
    from tests.ui.pages import LONG_PARAGRAPHS, article_html

    assert isinstance(server, LoopbackServer)
    html = {"content_type": "text/html; charset=utf-8"}
    article_url = server.route(
        "/artikel", article_html("Rat beschließt Radwege", LONG_PARAGRAPHS), **html
    )
    teaser_url = server.route(
        "/teaser",
        article_html(
            "Promenade wird fertig", [p.replace("Absatz", "Teil") for p in LONG_PARAGRAPHS]
        ),
        **html,
    )
    _article_with_a_teaser(store, server, article_url, teaser_url)
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("enter")
        # The feed text first, then the extracted page swapped in.
        await wait_for(pilot, lambda: "Absatz 3" in article_text(app))
        assert server.hits["/artikel"] == 1
        await pilot.press("right_square_bracket", "enter")
        await wait_for(pilot, lambda: "Teil 3" in article_text(app))
        assert store.has_page(teaser_url)
        await pilot.press("backspace")
        await pilot.pause()
        assert "Absatz 3" in article_text(app)
        await pilot.press("alt+right")
        await pilot.pause()
        assert "Teil 3" in article_text(app)
        assert server.hits["/teaser"] == 1  # forward reads the cache


async def test_a_page_that_failed_is_asked_for_again_when_opened_again(
    store: Store, config: Config, server: object
) -> None:
    """Read on the train: a page that failed while the network was away stayed failed until
    a restart, for articles and teasers alike (a helper's tour). And `o`/`y` in the teaser
    list take the highlighted teaser, which Enter would open, not the page on screen."""
    from tests.support.loopback import LoopbackServer
    from tests.ui.pages import LONG_PARAGRAPHS, article_html

    assert isinstance(server, LoopbackServer)
    down = {"on": True}
    page = article_html("Rat beschließt Radwege", LONG_PARAGRAPHS).encode("utf-8")

    def flaky(_: object) -> tuple[int, dict[str, str], bytes]:
        if down["on"]:
            return 503, {"Content-Type": "text/plain"}, b"down"
        return 200, {"Content-Type": "text/html; charset=utf-8"}, page

    article_url = server.route("/artikel", handler=flaky)
    teaser_url = server.url("/teaser")
    _article_with_a_teaser(store, server, article_url, teaser_url)
    config = Config(network=config.network.__class__(retries=0), reader=config.reader)
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("enter")
        await wait_for(pilot, lambda: "could not load the full" in screen_text(app))
        assert app.current_url() == article_url
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert app.query_one(TeaserList).has_focus
        assert app.current_url() == teaser_url
        down["on"] = False
        await pilot.press("escape")
        await pilot.pause()
        app.query_one(HeadlineView).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Absatz 3" in article_text(app))
        assert server.hits["/artikel"] == 2


async def test_filters_unread_starred_paywalled_and_feed(store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        view = app.query_one(HeadlineView)
        await pilot.press("enter", "j", "s")  # read the first, star the second
        await writes_done(pilot)
        await pilot.press("u")
        assert view.filter == EntryFilter(unread=True)
        assert view.count == 5
        await pilot.press("u", "asterisk")
        assert view.count == 1 and view.current is not None
        assert view.current.title == "Münster baut neue Fahrradstraße"
        await pilot.press("asterisk", "p")
        assert view.count == 5
        assert all(not (view.source.row(i) or view.current).paywalled for i in range(5))
        await pilot.press("escape")
        assert view.count == 6
        # The feed pane: choose the tag "lokal".
        await wait_for(pilot, lambda: app.ready)
        app.query_one("#feeds").focus()
        await pilot.press("j", "enter")
        assert view.filter.tag == "lokal"
        assert view.count == 3
        assert "tag: lokal" in screen_text(app)


async def test_search_folds_umlauts(store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("slash", *"Muenster", "enter")
        view = app.query_one(HeadlineView)
        assert view.filter.search == "Muenster"
        titles = [view.source.row(i).title for i in range(view.count)]  # type: ignore[union-attr]
        assert titles == ["Münster baut neue Fahrradstraße"]
        assert view.has_focus
        await pilot.press("slash", "escape")
        assert view.count == 6


async def test_mark_all_read_for_the_current_filter(store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        app.query_one("#feeds").focus()
        await pilot.press("j", "j", "enter")  # the feed "Stadt Münster"
        await pilot.press("A")
        await writes_done(pilot)
        assert store.count_entries(EntryFilter(unread=True)) == 3
        assert "3 unread" in screen_text(app)


async def test_feed_pane_keeps_the_highlight_when_its_counts_change(
    store: Store, config: Config
) -> None:
    """Counts update under the user's cursor (a refresh ending, `A`): the highlight stays put."""
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        pane = app.query_one(FeedPane)
        pane.focus()
        await pilot.press("j", "j")  # onto "Stadt Münster", not chosen
        await pilot.press("A")
        await writes_done(pilot)
        assert store.count_entries(EntryFilter(unread=True)) == 0
        assert pane.highlighted == 2


async def test_a_read_mark_redraws_only_the_feed_rows_it_changes(
    store: Store, config: Config
) -> None:
    """With 2,000 feeds, making every row again took a second per mark: the rows whose count
    did not change keep their option; the feed's and "All"'s show the new count."""
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        pane = app.query_one(FeedPane)
        rows = 1 + len(store.tags()) + len(store.feeds())  # "All", the tags, the feeds
        await wait_for(pilot, lambda: pane.option_count == rows)  # filled after the first paint
        before = [pane.get_option_at_index(i) for i in range(pane.option_count)]
        prompts = [str(option.prompt) for option in before]
        first = app.query_one(HeadlineView).current
        assert first is not None and first.feed_id is not None and not first.read
        await pilot.press("m")
        await writes_done(pilot)
        after = [pane.get_option_at_index(i) for i in range(pane.option_count)]
        changed = [i for i, option in enumerate(after) if str(option.prompt) != prompts[i]]
        feed_row = 1 + len(store.tags()) + [f.id for f in store.feeds()].index(first.feed_id)
        assert 0 in changed and feed_row in changed
        assert all(after[i] is before[i] for i in range(len(after)))  # none made again
        assert "5 unread" in screen_text(app)


async def test_toggle_read_and_star_write_the_store(store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        view = app.query_one(HeadlineView)
        first = view.current
        assert first is not None
        await pilot.press("m", "s")
        await writes_done(pilot)
        stored = store.entry(first.id)
        assert stored is not None and stored.read and stored.starred
        assert "5 unread" in screen_text(app)
        await pilot.press("m")
        await writes_done(pilot)
        assert "6 unread" in screen_text(app)
        assert not store.entry(first.id).read  # type: ignore[union-attr]


async def test_navigation_keys_over_a_large_cache(store: Store, config: Config) -> None:
    add_feed(store, "https://big.example/feed", "Big", [entry(n, f"Nr {n}") for n in range(1500)])
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        view = app.query_one(HeadlineView)
        assert view.count == 1500
        await pilot.press("G")
        assert view.current is not None and view.current.title == "Nr 1499"
        await pilot.press("k", "k")
        assert view.current.title == "Nr 1497"
        await pilot.press("pageup")
        assert view.cursor < 1497
        await pilot.press("g")
        assert view.current.title == "Nr 0"
        await pilot.press("end", "home", "pagedown", "down")
        assert view.cursor > 20
        # Widgets are not mounted per row.
        assert len(list(view.children)) == 0


async def test_mouse_click_opens_a_headline(store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        assert await pilot.click(HeadlineView, offset=(20, 2))
        await pilot.pause()
        view = app.query_one(HeadlineView)
        assert view.cursor == 2
        assert view.current is not None and view.current.title in article_text(app)


async def test_narrow_terminal_stacks_panes(store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=(80, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        headlines = app.query_one(HeadlineView).region
        detail = app.query_one("#detail").region
        assert detail.y > headlines.y
        assert detail.width >= 70


async def test_resizing_the_terminal_restacks_the_panes(store: Store, config: Config) -> None:
    """Narrowed below 100 columns the panes stack, and widened again they stand side by
    side: the layout was decided at start only (a helper's tour), and a reader started wide
    and narrowed kept a nine-column article."""
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await pilot.press("enter")
        await pilot.resize_terminal(80, 30)
        await pilot.pause()
        headlines = app.query_one(HeadlineView).region
        detail = app.query_one("#detail").region
        assert detail.y > headlines.y and detail.width >= 70
        assert not app.query_one("#feeds-slot").display
        await pilot.resize_terminal(*WIDE)
        await pilot.pause()
        headlines = app.query_one(HeadlineView).region
        detail = app.query_one("#detail").region
        assert detail.x > headlines.x and detail.y == headlines.y
        assert app.query_one("#feeds-slot").display


async def test_wide_terminal_puts_panes_side_by_side(store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await pilot.pause()
        headlines = app.query_one(HeadlineView).region
        detail = app.query_one("#detail").region
        assert detail.x > headlines.x and detail.y == headlines.y


async def test_keys_are_remappable_and_help_lists_every_binding(store: Store) -> None:
    sample_cache(store)
    config = Config(reader=ReaderConfig(refresh_on_start=False), keys={"headline.next": "n"})
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n")
        assert app.query_one(HeadlineView).cursor == 1
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        ids = {row.id for row in app.screen.rows}
        assert {"headline.next", "teaser.next", "detail.back", "app.refresh"} <= ids
        row = next(r for r in app.screen.rows if r.id == "headline.next")
        assert row.keys == "n"
        text = screen_text(app)
        assert "teaser.next" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_show_more_caps_long_articles(store: Store) -> None:
    paragraphs = "".join(f"<p>Absatz {n} " + "Text " * 60 + "</p>" for n in range(200))
    add_feed(store, "https://long.example/f", "Lang", [entry(1, "Lang", summary=paragraphs)])
    config = Config(reader=ReaderConfig(refresh_on_start=False, article_max_chars=5000))
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        more = app.query_one("#show-more")
        assert more.display
        body_before = app.query_one(ArticleView).body_source
        assert len(body_before) <= 5000
        app.query_one(ArticleView).focus()
        await pilot.press("plus")
        await pilot.pause()
        assert len(app.query_one(ArticleView).body_source) > len(body_before)


async def test_empty_cache_says_how_to_subscribe(store: Store, config: Config) -> None:
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "No subscriptions yet" in text
        assert "newsreader add URL" in text
        await pilot.press("j", "k", "enter", "G", "m", "s", "o", "right_square_bracket")
        assert app.is_running


async def test_paywalled_article_says_so(store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("j", "j", "j", "j", "enter")
        await pilot.pause()
        shown = app.query_one(ArticleView).shown
        assert shown is not None and shown.title.startswith("Plus:")
        assert "Paywalled" in (shown.note or "")
        assert "Summary of Plus" in shown.body  # the free teaser text


async def test_previews_fill_in_teasers_in_place(
    store: Store, config: Config, server: object
) -> None:
    from tests.support.loopback import LoopbackServer
    from tests.ui.pages import LONG_PARAGRAPHS, article_html

    assert isinstance(server, LoopbackServer)
    html = {"content_type": "text/html; charset=utf-8"}
    article = server.route("/artikel", article_html("Rat tagt", LONG_PARAGRAPHS), **html)
    bare = server.route("/vorschau", article_html("Kita öffnet im Herbst", LONG_PARAGRAPHS), **html)
    add_feed(
        store,
        server.url("/feed"),
        "Lokales",
        [entry(1, "Rat tagt", url=article, teasers=(Teaser(bare, bare),))],
    )
    app = NewsreaderApp(store, config, offline=False, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("enter")
        teasers = app.query_one(TeaserList)
        await wait_for(
            pilot, lambda: any(t.title == "Kita öffnet im Herbst" for t in teasers.teasers)
        )
        assert "Kita öffnet im Herbst" in screen_text(app)


async def test_command_palette_runs_reader_actions(store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("enter", "ctrl+p")
        await pilot.pause()
        await pilot.press(*"unread only")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one(HeadlineView).filter.unread


async def test_a_reload_of_the_cache_leaves_the_article_where_the_reader_is(
    store: Store, server: object
) -> None:
    """A refresh's end, mark all read or a cron write reload the panes: the article being
    read went back to its first part and the top, because its teasers' previews had come
    in since it was shown (a helper's review). A real change is shown where the reader is."""
    from tests.support.loopback import LoopbackServer

    assert isinstance(server, LoopbackServer)
    article = "https://stadt.example/a/1"
    long_text = "\n\n".join(f"Absatz {n}: " + "Wort " * 60 for n in range(40))
    teaser_url = server.route(
        "/t",
        "<html><head><title>T</title><meta name='description' content='Beschreibung da'>",
        content_type="text/html; charset=utf-8",
    )
    teasers = (Teaser(teaser_url, "Ein Teaser", ""),)
    add_feed(
        store,
        "https://stadt.example/feed",
        "Stadt",
        [entry(1, "Lang", url=article, teasers=teasers)],
    )
    page = Page(url=article, final_url=article, fetched_at=NOW, title="Lang", text=long_text)
    store.save_page(page, b"<html></html>")
    reader = ReaderConfig(refresh_on_start=False, article_max_chars=1000)
    app = NewsreaderApp(store, Config(reader=reader), offline=False, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("enter")
        view = app.query_one(ArticleView)
        await wait_for(pilot, lambda: "Beschreibung da" in screen_text(app))
        view.action_show_more()
        view.action_show_more()
        view.scroll_end(animate=False)
        await pilot.pause()
        shown_chars, where = len(view.body_source), view.scroll_y
        assert shown_chars > 2000 and where > 0
        app.store_changed()
        await pilot.pause()
        assert (len(view.body_source), view.scroll_y) == (shown_chars, where)
        changed = Page(
            url=article, final_url=article, fetched_at=NOW, text="Nachtrag\n\n" + long_text
        )
        store.save_page(changed, b"<html></html>")
        app.store_changed()
        await wait_for(pilot, lambda: view.body_source.startswith("Nachtrag"))
        assert len(view.body_source) > 2000  # as far as "Show more" had opened it


@pytest.mark.parametrize("offline", [False, True])
async def test_a_teaser_page_with_nothing_to_read_says_so(
    store: Store, config: Config, offline: bool
) -> None:
    """A cached teaser page without text or description said "Loading …" for ever online,
    and "never fetched" offline (a helper's review)."""
    sample_cache(store)
    empty = Page(url="https://example.org/t/1", final_url="https://example.org/t/1", fetched_at=NOW)
    store.save_page(empty, b"<html><body></body></html>")
    app = NewsreaderApp(store, config, offline=offline, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("j", "enter", "1", "enter")
        await wait_for(pilot, lambda: "No article text" in screen_text(app))
        text = " ".join(screen_text(app).split())
        assert "Loading" not in text and "never fetched" not in text
