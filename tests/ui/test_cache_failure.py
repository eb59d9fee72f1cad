"""The cache failing under the reader (a full disk, a damaged file): one line and exit 2, as
every command gives, never Textual's traceback of the reader's insides."""

from __future__ import annotations

import pytest
from rich.console import Console

from newsreader.core.config import Config
from newsreader.core.errors import StoreError
from newsreader.core.models import EntryFilter
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.text import OneLineError
from tests.ui.conftest import clock, sample_cache


async def test_a_cache_failing_under_the_reader_ends_it_with_one_line(
    store: Store, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample_cache(store)

    def failing(self: Store, filt: EntryFilter | None = None) -> int:
        # A fault no real cache makes on demand: SQLite's "disk I/O error" as the store says it.
        raise StoreError(f"the cache {self.path} failed: disk I/O error")

    monkeypatch.setattr(Store, "count_rows", failing)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    with pytest.raises(OneLineError) as raised:
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
    assert app.return_code == 2
    console = Console(width=200, record=True, color_system=None)
    console.print(raised.value)
    shown = console.export_text().strip()
    assert shown == f"newsreader: the cache {store.path} failed: disk I/O error"
