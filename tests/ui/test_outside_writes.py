"""Changes another process makes to the cache reach the open reader: cron's `refresh --due`,
`newsreader mark` or `remove` in another terminal. They showed only after a restart (a
helper's tour: rows still marked unread, a removed feed still in the pane)."""

from __future__ import annotations

from newsreader.core.config import Config
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.status_bar import StatusBar
from tests.ui.conftest import clock, sample_cache, screen_text, wait_for, writes_done
from tests.ui.test_reader_habits import feed_rows

SIZE = (140, 36)


async def test_marks_and_removals_made_elsewhere_show_in_the_open_reader(
    store: Store, config: Config
) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready and bool(feed_rows(app)))
        # The reader's own start-up writes done: an outside write in the few milliseconds of
        # one of its own is taken for its own (outside_writes.py), as at a start it may be.
        await writes_done(pilot)
        status = app.query_one(StatusBar)
        assert status.unread == 6
        elsewhere = Store(store.path)  # its own connection, as another process has
        derby = next(e.id for e in elsewhere.entries() if e.title == "Preußen gewinnt Derby")
        elsewhere.set_read([derby])
        await wait_for(pilot, lambda: status.unread == 5, timeout=8)
        line = next(x for x in screen_text(app).splitlines() if "Preußen gewinnt" in x)
        assert "●" not in line
        zeitung = next(f.id for f in elsewhere.feeds() if f.title == "Westfälische Zeitung")
        elsewhere.remove_feed(zeitung)
        await wait_for(pilot, lambda: not any("Westfälisch" in r for r in feed_rows(app)), 8)
        assert "Preußen gewinnt" not in screen_text(app)
        assert status.unread == 3
        elsewhere.close()
