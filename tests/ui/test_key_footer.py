"""The footer is rebuilt when the keys it shows change, and only then."""

from __future__ import annotations

from newsreader.core.config import Config
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.key_footer import KeyFooter
from tests.ui.conftest import clock, sample_cache, wait_for


async def test_the_footer_keeps_its_keys_until_the_shown_bindings_change(
    store: Store, config: Config
) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: bool(app.query(KeyFooter)) and bool(app.query("FooterKey")))
        footer = app.query_one(KeyFooter)
        await pilot.pause()
        keys = list(footer.children)
        # Moving along the headlines changes nothing the footer shows: same widgets.
        await pilot.press("j", "j", "k")
        footer.screen.refresh_bindings()
        await pilot.pause()
        assert list(footer.children) == keys
        # Into the feed pane: other keys (d, E on a feed row), so a new set of widgets.
        await pilot.press("shift+tab")
        await pilot.pause()
        assert list(footer.children) != keys
