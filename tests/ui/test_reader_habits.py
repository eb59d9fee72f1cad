"""Issue 13 in the reader: counts that follow every mark, the welcome screen's exit, teaser
headers, a footer of live keys, newsboat's keys, feed upkeep in the feed pane, room to read."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import Footer, Input

from newsreader.core.article_records import Page, Teaser
from newsreader.core.config import Config
from newsreader.core.models import EntryFilter
from newsreader.core.store.store import Store
from newsreader.ui.add_feed_dialog import AddFeedDialog
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.article_view import ArticleView
from newsreader.ui.confirm_dialog import ConfirmDialog
from newsreader.ui.feed_dialog import EditFeedDialog
from newsreader.ui.feed_pane import FeedPane
from newsreader.ui.headline_view import AGE_WIDTH, MARKS_WIDTH, TITLE_SHARE, HeadlineView
from newsreader.ui.palette import READER_COMMANDS
from newsreader.ui.status_bar import StatusBar
from newsreader.ui.subscribing import subscriptions_changed
from newsreader.ui.welcome_screen import WelcomeScreen
from tests.ui.conftest import (
    NOW,
    Notes,
    add_feed,
    clock,
    entry,
    sample_cache,
    screen_text,
    wait_for,
    writes_done,
)

SIZE = (140, 36)


def feed_rows(app: NewsreaderApp) -> list[str]:
    pane = app.query_one(FeedPane)
    return [str(pane.get_option_at_index(i).prompt) for i in range(pane.option_count)]


async def panes_ready(pilot: object, app: NewsreaderApp) -> None:
    await wait_for(pilot, lambda: app.ready and bool(app.query_one(FeedPane).option_count))


def footer_text(app: NewsreaderApp) -> str:
    lines = screen_text(app).splitlines()
    return lines[-1] if app.query(Footer) else ""


async def test_feed_counts_follow_marks_and_mark_all_at_once(store: Store, config: Config) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await panes_ready(pilot, app)
        assert feed_rows(app)[0].split() == ["All", "6"]
        zeitung = next(r for r in feed_rows(app) if "Westfälisch" in r)
        assert zeitung.split()[-1] == "3"
        await pilot.press("m")  # the newest headline is the Zeitung's
        await writes_done(pilot)
        assert feed_rows(app)[0].split() == ["All", "5"]
        assert next(r for r in feed_rows(app) if "Westfälisch" in r).split()[-1] == "2"
        await pilot.press("m")
        await writes_done(pilot)
        assert feed_rows(app)[0].split() == ["All", "6"]
        await pilot.press("A")
        await writes_done(pilot)
        assert feed_rows(app)[0].split() == ["All"]
        assert "0 unread" in screen_text(app)


async def test_welcome_goes_after_the_first_feed_and_escape_keeps_the_sample_hint(
    store: Store, config: Config
) -> None:
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.ready)
        assert "d to open the sample edition" in screen_text(app)
        assert "Sample edition" in footer_text(app)
        # As if the add dialog had subscribed: the first feed arrives.
        app.push_screen(WelcomeScreen())
        await pilot.pause()
        sample_cache(store)
        subscriptions_changed(app, "Subscribed.")
        await pilot.pause()
        assert not isinstance(app.screen, WelcomeScreen)
        text = screen_text(app)
        assert "No subscriptions yet" not in text and "Welcome" not in text
        view = app.query_one(HeadlineView)
        assert view.has_focus and view.cursor == 0 and view.current is not None
        assert "Sample edition" not in footer_text(app)  # `d` means nothing with feeds


async def test_a_teaser_page_names_its_site_and_shows_the_url_once(
    store: Store, config: Config
) -> None:
    sample_cache(store)
    url = "https://example.org/t/1"
    store.save_page(
        Page(url=url, final_url=url, fetched_at=NOW, title="Neue Radwege", text="Der Rat."),
        b"<html></html>",
    )
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "enter")  # Münster baut neue Fahrradstraße
        await wait_for(pilot, lambda: app.ready and app.detail.article.shown is not None)
        await pilot.press("1", "enter")
        await wait_for(pilot, lambda: app.detail.current_url == url)
        await pilot.pause()
        shown = app.detail.article.shown
        assert shown is not None and shown.source == "Stadt Münster"
        assert screen_text(app).count("example.org/t/1") == 1


async def test_footer_lists_only_live_keys_and_palette_only_reader_commands(
    store: Store, config: Config
) -> None:
    sample_cache(store)
    url = "https://example.org/t/1"
    store.save_page(Page(url=url, final_url=url, fetched_at=NOW, text="x"), b"<html></html>")
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=(200, 36)) as pilot:
        await pilot.press("j", "enter")
        await wait_for(pilot, lambda: app.ready and app.detail.article.shown is not None)
        app.query_one(ArticleView).focus()
        await pilot.pause()
        footer = footer_text(app)
        assert "Browser" in footer
        assert "Show more" not in footer and "Back" not in footer and "Forward" not in footer
        await pilot.press("1", "enter")
        await wait_for(pilot, lambda: app.detail.current_url == url)
        app.query_one(ArticleView).focus()
        await pilot.pause()
        assert "Back" in footer_text(app) and "Forward" not in footer_text(app)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert titles == ["Theme", "Quit"]
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        palette = app.screen
        palette.query_one(Input).value = "star"
        await pilot.pause(0.3)
        assert "Star / unstar" in screen_text(app)
    wanted = {"add_feed", "import_opml", "toggle_star", "toggle_read", "refresh"}
    assert wanted <= {action for _, _, action in READER_COMMANDS}
    assert {"open_browser", "toggle_filter('unread')"} <= {a for _, _, a in READER_COMMANDS}


async def test_newsboat_keys(store: Store, config: Config) -> None:
    sample_cache(store)
    stadt, zeitung = sorted(store.feeds(), key=lambda f: f.title)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        view = app.query_one(HeadlineView)
        await pilot.press("J")  # the first feed
        assert app.filters.feed_id == stadt.id
        await pilot.press("J")
        assert app.filters.feed_id == zeitung.id
        await pilot.press("K")
        assert app.filters.feed_id == stadt.id
        # n walks the unread of this feed, then crosses into the next one with unread.
        await pilot.press("l")  # opens (marks read) the first
        await writes_done(pilot)
        app.query_one(ArticleView).focus()
        await pilot.press("n")
        assert view.cursor == 1 and app.detail.entry is not None
        assert app.detail.entry.id == view.current.id if view.current else False
        await pilot.press("n", "n")
        await writes_done(pilot)
        assert app.filters.feed_id == zeitung.id
        assert view.current is not None and view.current.title == "Preußen gewinnt Derby"
        await pilot.press("N")  # back across: the oldest unread of the Stadt feed is gone
        # q and h in the article go back to the list; q quits only from there.
        app.query_one(ArticleView).focus()
        await pilot.press("q")
        assert view.has_focus and app.is_running
        app.query_one(ArticleView).focus()
        await pilot.press("h")
        assert view.has_focus
        # C: few unread, no question.
        await pilot.press("C")
        await writes_done(pilot)
        assert store.unread_count() == 0
        await pilot.press("q")
    assert not app.is_running


async def test_catch_up_asks_first_above_fifty(store: Store, config: Config) -> None:
    add_feed(store, "https://a.example/feed", "Viel", [entry(i, f"Meldung {i}") for i in range(60)])
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "60" in screen_text(app)
        await pilot.press("n")
        assert store.unread_count() == 60
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await writes_done(pilot)
        assert store.unread_count() == 0


async def test_feed_pane_removes_renames_and_shows_failures(store: Store, config: Config) -> None:
    sample_cache(store)
    stadt, zeitung = sorted(store.feeds(), key=lambda f: f.title)
    store.record_failure(zeitung.id, status=404, error="HTTP 404 Not Found")
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await panes_ready(pilot, app)
        rows = feed_rows(app)
        failed = next(r for r in rows if "Westfälisch" in r)
        assert failed.lstrip().startswith("! ") and "HTTP 404" in failed
        pane = app.query_one(FeedPane)
        pane.focus()
        pane.highlighted = 2  # All, # lokal, Stadt Münster
        app.filters = EntryFilter(feed_id=stadt.id)  # the feed in view, named in the header
        assert "feed: Stadt Münster" in app.query_one(StatusBar).filter_label
        await pilot.press("E")
        await wait_for(pilot, lambda: isinstance(app.screen, EditFeedDialog))
        app.screen.query_one("#feed-title", Input).value = "Rathaus"
        app.screen.query_one("#feed-title", Input).focus()
        await pilot.press("enter")
        await writes_done(pilot)
        renamed = store.feed(stadt.id)
        assert renamed is not None and renamed.title == "Rathaus"
        assert any("Rathaus" in r for r in feed_rows(app))
        assert "feed: Rathaus" in app.query_one(StatusBar).filter_label
        assert {r.feed_title for r in store.entries(EntryFilter(feed_id=stadt.id))} == {"Rathaus"}
        pane.highlighted = next(i for i, r in enumerate(feed_rows(app)) if "Westfälisch" in r)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("escape")
        assert len(store.feeds()) == 2
        await pilot.press("d", "y")
        await writes_done(pilot)
        assert [f.id for f in store.feeds()] == [stadt.id]
        assert not any("Westfälisch" in r for r in feed_rows(app))


async def test_headline_titles_keep_sixty_percent_and_a_steady_source_column(
    store: Store, config: Config
) -> None:
    sample_cache(store)
    for width in (100, 120, 140):
        app = NewsreaderApp(store, config, offline=True, clock=clock)
        async with app.run_test(size=(width, 40)) as pilot:
            await pilot.pause()
            view = app.query_one(HeadlineView)
            row_width = view.scrollable_content_region.width
            source = view.source_width(row_width)
            title_cells = row_width - MARKS_WIDTH - source - 1 - AGE_WIDTH
            assert title_cells >= TITLE_SHARE * row_width, (width, row_width, source)
            app.filters = EntryFilter(search="Preußen")
            await pilot.pause()
            assert view.source_width(row_width) == source


async def test_below_100_columns_the_feed_pane_hides_and_f_shows_it(
    store: Store, config: Config
) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.ready and app.detail.article.shown is not None)
        await pilot.pause()
        assert not app.query_one("#feeds-slot").display
        assert "Summary of" in screen_text(app)  # the article's body is on screen
        await pilot.press("f")
        assert app.query_one("#feeds-slot").display


async def test_n_back_into_the_previous_feed_lands_on_its_last_unread(
    store: Store, config: Config
) -> None:
    """`N` past a feed's first unread goes to the previous feed's last unread, as `n` goes
    to the next feed's first: it left the cursor on that feed's first row, read or not (a
    helper's tour), and the next `N` left the feed, past its other unread ones."""
    titles = ["Aachen 0", "Aachen 1", "Aachen 2", "Aachen 3"]
    aachen = add_feed(
        store,
        "https://a.example/feed",
        "Aachen",
        [entry(n, title, url=f"https://a.example/{n}") for n, title in enumerate(titles)],
    )
    bonn = add_feed(
        store,
        "https://b.example/feed",
        "Bonn",
        [entry(10 + n, f"Bonn {n}", url=f"https://b.example/{n}") for n in range(2)],
    )
    read = [e.id for e in store.entries() if e.title in ("Aachen 0", "Aachen 3")]
    store.set_read(read)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        view = app.query_one(HeadlineView)
        await pilot.press("J", "J")
        assert app.filters.feed_id == bonn
        await pilot.press("N")
        assert app.filters.feed_id == aachen
        assert view.current is not None and view.current.title == "Aachen 2"
        await pilot.press("N")
        assert view.current is not None and view.current.title == "Aachen 1"


async def test_n_wraps_around_to_unread_headlines_above(store: Store, config: Config) -> None:
    """Past the last unread, `n` starts again from the top and says so (newsboat does): it
    used to say "No more unread headlines." with unread ones above the cursor. In a feed, it
    wraps to the first feed with unread ones; only when nothing is unread does it stop."""
    aachen = add_feed(
        store,
        "https://a.example/feed",
        "Aachen",
        [entry(n, f"Aachen {n}", url=f"https://a.example/{n}") for n in range(3)],
    )
    bonn = add_feed(
        store,
        "https://b.example/feed",
        "Bonn",
        [entry(10 + n, f"Bonn {n}", url=f"https://b.example/{n}") for n in range(2)],
    )
    store.set_read([e.id for e in store.entries() if e.title in ("Aachen 0", "Bonn 0", "Bonn 1")])
    notes = Notes()
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await wait_for(pilot, lambda: app.ready)
        view = app.query_one(HeadlineView)
        await pilot.press("J", "J")  # Bonn: nothing unread, and no feed after it with any
        assert app.filters.feed_id == bonn
        await pilot.press("n")
        assert app.filters.feed_id == aachen
        first = view.current
        assert first is not None and first.title in ("Aachen 1", "Aachen 2")
        assert any("Wrapped around" in m and "top" in m for m in notes.messages)
        # All feeds, cursor on the last unread: `n` comes back to the first one.
        app.filters = EntryFilter()
        await pilot.pause()
        unread = [e.title for e in store.entries() if not e.read]
        while view.current is None or view.current.title != unread[-1]:
            await pilot.press("j")
        await pilot.press("n")
        assert view.current is not None and view.current.title == unread[0]
        # Nothing unread anywhere: it stops and says so.
        store.set_read([e.id for e in store.entries()])
        await pilot.press("n")
        assert notes.messages[-1] == "No more unread headlines."


async def test_a_dialog_hides_the_footer_of_the_keys_it_takes_over(
    store: Store, config: Config
) -> None:
    """Under a dialog the headline list's footer ("n Next unread", "q Quit") listed keys the
    dialog's input takes as text; it is hidden while the dialog is open, and back after."""
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=False, clock=clock)  # no refresh on start
    async with app.run_test(size=SIZE) as pilot:
        await panes_ready(pilot, app)
        await wait_for(pilot, lambda: "Next unread" in footer_text(app))
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddFeedDialog))
        await pilot.pause()
        assert "Next unread" not in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: "Next unread" in footer_text(app))


async def test_an_80_column_footer_still_shows_help(store: Store, config: Config) -> None:
    """The footer came before `? Help` with the list's keys and the App's q and n, and an
    80-column terminal cut it off mid-word (a helper's tour)."""
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await panes_ready(pilot, app)
        await wait_for(pilot, lambda: "? Help" in footer_text(app))
        assert "q Quit" in footer_text(app)


async def test_a_teaser_read_in_place_that_a_feed_carries_is_read(
    store: Store, config: Config
) -> None:
    """Opening a teaser whose story a feed lists too left that headline unread (a helper's
    tour): it is marked read, row and counts, as opening it from the list does."""
    story = "https://example.org/a/2"
    teaser = Teaser(story, "Sperrung der Weseler Straße", "Am Wochenende.")
    add_feed(
        store,
        "https://stadt.example/feed",
        "Stadt",
        [entry(1, "Fahrradstraße eröffnet", teasers=(teaser,)), entry(2, "Sperrung", url=story)],
    )
    store.save_page(
        Page(url=story, final_url=story, fetched_at=NOW, text="Die Weseler Straße ist zu."),
        b"<html></html>",
    )
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await panes_ready(pilot, app)
        view = app.query_one(HeadlineView)
        assert view.current is not None and view.current.title == "Fahrradstraße eröffnet"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.detail.article.shown is not None)
        app.detail.teasers.focus()
        await pilot.press("1", "enter")
        await wait_for(pilot, lambda: app.detail.current_url == story)
        await writes_done(pilot)
        assert store.unread_ids_at(story) == []
        assert app.query_one(StatusBar).unread == 0
        row = next(x for x in screen_text(app).splitlines() if "Sperrung" in x)
        assert "●" not in row


async def test_the_feed_pane_stops_at_its_ends_and_takes_g_and_G(
    store: Store, config: Config
) -> None:
    """j on the last feed went round to "All" and G did nothing there (a helper's tour); the
    feed pane moves as the headline list does."""
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await panes_ready(pilot, app)
        pane = app.query_one(FeedPane)
        pane.focus()
        await pilot.press("G")
        last = pane.highlighted
        assert last == pane.option_count - 1
        await pilot.press("j")
        assert pane.highlighted == last
        await pilot.press("g")
        assert pane.highlighted == 0
        await pilot.press("k")
        assert pane.highlighted == 0
        await pilot.press("j")
        assert pane.highlighted == 1
