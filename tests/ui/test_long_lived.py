"""What the panes mounted after the first paint hold lives as long as the reader: it is
frozen, so the collector's full passes (on a million cached entries, one every few read marks)
do not walk 2,000 feed rows and hold up the next frame. Once per process, so each test runs
its reader in a child of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PANES_CHILD = """
import asyncio, gc, sys
from datetime import UTC, datetime
from newsreader.core.config import Config, ReaderConfig
from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.feed_pane import FeedPane

store = Store.in_dir(sys.argv[1])
for f in range(20):
    feed = store.add_feed(f"https://stadt{f}.example/feed", title=f"Stadt {f}")
    items = tuple(
        ParsedEntry(key=str(n), title=f"Meldung {n}", url=f"https://stadt{f}.example/{n}",
                    summary="<p>Text</p>", published=datetime(2026, 1, 1, tzinfo=UTC))
        for n in range(5)
    )
    store.record_feed(feed.id, ParsedFeed(f"Stadt {f}", None, items), status=200, etag=None,
                      last_modified=None)

async def main():
    app = NewsreaderApp(store, Config(reader=ReaderConfig(refresh_on_start=False)), offline=True)
    async with app.run_test(size=(140, 40)) as pilot:
        while not app.ready:
            await pilot.pause(0.05)
        await pilot.pause(0.1)
        pane = app.query_one(FeedPane)
        # gc.get_objects() leaves out what is frozen.
        tracked = {id(o) for o in gc.get_objects()}
        print(id(pane) in tracked, any(id(row) in tracked for row in pane._rows))

asyncio.run(main())
"""


@pytest.mark.usefixtures("utc_timezone")
def test_the_panes_mounted_after_the_first_paint_are_frozen(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PANES_CHILD, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "NEWSREADER_CONFIG": str(tmp_path / "none.toml")},
    )
    assert out.stdout.split() == ["False", "False"]
