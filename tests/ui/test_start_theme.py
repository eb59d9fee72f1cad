"""Starting in the dark theme takes no second pass over the stylesheets (issue 15: the
reader's start against a bare Textual app); the light one still restyles, and both end in the
state Textual's own theme switch leaves."""

from __future__ import annotations

from typing import Any

import pytest

from newsreader.core.config import Config, ReaderConfig
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.themes import DARK, LIGHT, SETTING
from tests.ui.conftest import sample_cache, wait_for

pytestmark = pytest.mark.usefixtures("utc_timezone")


class Counted(NewsreaderApp):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.css_refreshes = 0
        self.at_first_frame: tuple[int, str, str] | None = None

    def refresh_css(self, animate: bool = True) -> None:
        self.css_refreshes += 1
        super().refresh_css(animate)

    def _display(self, screen: Any, renderable: Any) -> None:
        super()._display(screen, renderable)
        if self.at_first_frame is None:
            background = self.screen.styles.background.hex
            self.at_first_frame = (self.css_refreshes, self.theme, background)


@pytest.mark.parametrize(
    ("saved", "refreshes", "background"), [(None, 0, "#121212"), (LIGHT, 1, "#F7F5F0")]
)
async def test_start_theme(
    store: Store, saved: str | None, refreshes: int, background: str
) -> None:
    sample_cache(store)
    if saved is not None:
        store.set_setting(SETTING, saved)
    app = Counted(store, Config(reader=ReaderConfig(refresh_on_start=False)), offline=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.at_first_frame is not None)
        assert app.at_first_frame == (refreshes, saved or DARK, background)
        theme = app.current_theme
        assert app.has_class(f"-theme-{theme.name}")
        assert app.has_class("-dark-mode") == theme.dark
        assert app.has_class("-light-mode") == (not theme.dark)
        assert app.get_css_variables()["background"] == background
