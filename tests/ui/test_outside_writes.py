"""Changes the command line makes to the cache reach the open reader: cron's `refresh --due`,
`newsreader mark` or `remove` in another terminal. They showed only after a restart (a
helper's tour: rows still marked unread, a removed feed still in the pane). The reader's own
writes, from any of its threads, cost no reload of their own (a helper's review)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsreader.cli import main
from newsreader.core.config import Config
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.headline_view import HeadlineView
from newsreader.ui.status_bar import StatusBar
from tests.ui.conftest import clock, sample_cache, screen_text, wait_for
from tests.ui.test_reader_habits import feed_rows

SIZE = (140, 36)


def command(store: Store, tmp_path: Path, *args: str) -> None:
    """`newsreader ARGS` on the reader's cache, as another terminal runs it."""
    config = tmp_path / "none.toml"
    config.write_text("")
    assert main(["--data-dir", str(store.path.parent), "--config", str(config), *args]) == 0


async def test_marks_and_removals_from_the_command_line_show_in_the_open_reader(
    store: Store, config: Config, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample_cache(store)
    derby = next(e.id for e in store.entries() if e.title == "Preußen gewinnt Derby")
    command(store, tmp_path, "articles")
    command(store, tmp_path, "show", str(derby), "--offline")
    assert store.command_writes() == 0  # commands that only read write nothing
    capsys.readouterr()
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready and bool(feed_rows(app)))
        status = app.query_one(StatusBar)
        assert status.unread == 6
        command(store, tmp_path, "mark", str(derby), "--read")
        assert store.command_writes() == 1
        await wait_for(pilot, lambda: status.unread == 5, timeout=8)
        line = next(x for x in screen_text(app).splitlines() if "Preußen gewinnt" in x)
        assert "●" not in line
        command(store, tmp_path, "remove", "Westfälische Zeitung")
        await wait_for(pilot, lambda: not any("Westfälisch" in r for r in feed_rows(app)), 8)
        assert "Preußen gewinnt" not in screen_text(app)
        assert status.unread == 3


async def test_the_reader_s_own_writes_cost_no_reload(store: Store, config: Config) -> None:
    """Writes from the reader's other connections (its writer thread, a dialog's thread)
    moved SQLite's data_version as another process's do, and were taken for outside ones: a
    full reload, the row just read gone from an unread-only list."""
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready and bool(feed_rows(app)))
        view = app.query_one(HeadlineView)
        reloads: list[int] = []
        real_reload = view.reload

        def counted_reload() -> None:
            reloads.append(1)
            real_reload()

        view.reload = counted_reload  # type: ignore[method-assign]
        own = Store(store.path)  # as the reader's writer thread or a dialog's thread writes
        own.set_read([e.id for e in own.entries()][:2])
        own.close()
        app.outside.look()
        await pilot.pause()
        assert reloads == []
