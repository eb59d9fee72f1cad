"""The feed pane's rows stay one line each, scrollbar or not: a count that arrives later (the
reader's first refresh of a fresh cache) is drawn in a row measured when it had none."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from newsreader.core.config import Config, ReaderConfig
from newsreader.core.parsed import ParsedFeed
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.feed_pane import FeedPane, _RowText
from newsreader.ui.pane_updates import show_feeds
from tests.ui.conftest import entry, screen_text, wait_for

pytestmark = pytest.mark.usefixtures("utc_timezone")


async def test_counts_that_come_with_the_first_refresh_show_beside_each_feed(
    store: Store,
) -> None:
    ids = [
        store.add_feed(f"https://n{n}.example/feed.xml", title=f"Gemeinde {n:02d}").id
        for n in range(60)  # more rows than the pane is high: it has a scrollbar
    ]
    app = NewsreaderApp(store, Config(reader=ReaderConfig(refresh_on_start=False)), offline=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.query_one(FeedPane)._shown)
        for n, feed_id in enumerate(ids):  # what a refresh stores
            entries = tuple(entry(n * 10 + k, f"Meldung {n}-{k}") for k in range(3))
            store.record_feed(
                feed_id,
                ParsedFeed(title=f"Gemeinde {n:02d}", site_url=None, entries=entries),
                status=200,
                etag=None,
                last_modified=None,
            )
        show_feeds(app)  # as the refresh's end does
        await pilot.pause(0.3)
        lines = screen_text(app).splitlines()
        all_row = next(line for line in lines if line.lstrip().startswith("All"))
        assert "180" in all_row.split("│")[0], all_row
        first = next(line for line in lines if "Gemeinde 00" in line)
        assert first.split("│")[0].rstrip().endswith("3"), first


@pytest.mark.parametrize(
    "label", ["Weird 🦆 Feed", "Stadt Münster", "東京ニュース速報の地域版です", "A" * 30]
)
def test_a_row_takes_the_same_cells_whatever_its_label(label: str) -> None:
    """Labels are cut and padded by terminal cells: an emoji takes two, and its row's count
    stood a column right of the others' (a helper's tour)."""
    plain = _RowText(label="Stadt", unread=12).render().plain
    row = _RowText(label=label, unread=12).render().plain
    assert cell_len(row) == cell_len(plain) and row.endswith("   12")
    # A feed's error line under it, cut the same way (CJK text wrapped the pane).
    failed = _RowText(label=label, unread=12, error=label * 3).render().plain.split("\n")
    assert [cell_len(line) <= cell_len(plain) for line in failed] == [True, True]
