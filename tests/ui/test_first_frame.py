"""What the reader does before its first frame (issue 15: on a million cached entries, the
start is held to 1.4 times a bare Textual app's): the list's length is counted once, with the
filter the list shows; the watched count waits for the frame; the write of the hide rules,
coming back before it, does not load the feed pane, which is mounted after it; the objects of
the start-up are frozen, so no full collection walks them before the frame."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from newsreader import commands
from newsreader.cli import main
from newsreader.core.config import Config, ReaderConfig, WatchConfig
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.headline_view import HeadlineView
from tests.ui.conftest import add_feed, entry, wait_for

pytestmark = pytest.mark.usefixtures("utc_timezone")

# `count_rows` for a list that shows one story once: the versions it leaves out.
_LATER_VERSIONS = "e.cluster_id IS NOT NULL"


class _FirstFrame(NewsreaderApp):
    """Notes what this thread's connection ran until the first frame with headlines."""

    def __init__(self, store: Store, config: Config) -> None:
        super().__init__(store, config, offline=True)
        self.before_first_frame: list[str] | None = None
        self.statements: list[str] = []
        self.first_list: HeadlineView | None = None
        self.counting_at_first_frame: bool | None = None
        self.threads_before = set(threading.enumerate())  # other tests' may still be ending
        self.threads_at_first_frame: set[str] = set()
        self.empty_note_at_first_frame: bool | None = None
        store.conn.set_trace_callback(self.statements.append)

    def _display(self, screen: Any, renderable: Any) -> None:
        super()._display(screen, renderable)
        view = self.query(HeadlineView)
        if self.before_first_frame is None and view and view.first().count:
            self.before_first_frame = list(self.statements)
            self.first_list = view.first()
            self.counting_at_first_frame = self.watch_counter.busy
            started = set(threading.enumerate()) - self.threads_before
            self.threads_at_first_frame = {t.name for t in started}
            self.empty_note_at_first_frame = bool(self.query("#list-empty"))
            self.store.conn.set_trace_callback(None)
            self.call_later(self.exit)

    async def _after_first_paint(self) -> None:
        pass  # only the first frame is watched


async def test_the_first_list_is_counted_once_with_the_filter_it_shows(store: Store) -> None:
    add_feed(
        store,
        "https://stadt.example/feed",
        "Stadt",
        [entry(n, f"Meldung {n} aus dem Kreuzviertel") for n in range(1, 30)],
    )
    config = Config(
        reader=ReaderConfig(refresh_on_start=False), watch=WatchConfig(words=("Kreuzviertel",))
    )
    app = _FirstFrame(store, config)
    async with app.run_test(size=(140, 32)) as pilot:
        await pilot.pause(0.2)
    assert app.before_first_frame is not None
    counts = [s for s in app.before_first_frame if _LATER_VERSIONS in s]
    assert len(counts) == 1
    view = app.first_list
    assert view is not None
    assert view.filter.watch == ("Kreuzviertel",) and view.filter.one_per_story
    first = view.source.row(0)
    assert first is not None and first.watched == "Kreuzviertel"  # in the first frame's rows
    # The watched count (Python checks, row by row, on the reader thread) comes after it.
    assert app.counting_at_first_frame is False
    # Nor has the writer thread (the hide rules) begun: no thread of the reader's SQLite work.
    assert not [
        n for n in app.threads_at_first_frame if n.startswith(("newsreader-r", "newsreader-w"))
    ]
    # The note for an empty list is not made for a list with headlines.
    assert app.empty_note_at_first_frame is False


def test_the_hide_rules_coming_back_do_not_load_the_feed_pane() -> None:
    code = (
        "import sys\n"
        "from newsreader.ui.messages import WRITE, JobDone\n"
        "from newsreader.ui.store_writes import written\n"
        "written(None, JobDone(WRITE, 'hide_rules', result=0))  # nothing newly hidden\n"
        "print('newsreader.ui.feed_pane' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_probe_above_sees_the_feed_pane_load() -> None:
    """Not vacuous: another write coming back (a read mark's) does load it."""
    code = (
        "import sys\n"
        "from newsreader.ui.messages import WRITE, JobDone\n"
        "from newsreader.ui.store_writes import written\n"
        "class Reader:\n"
        "    def update_counts(self): pass\n"
        "written(Reader(), JobDone(WRITE, None))\n"
        "print('newsreader.ui.feed_pane' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


AFTER_FIRST_FRAME = (
    "newsreader.ui.detail_pane",  # the panes mounted after it
    "newsreader.ui.feed_pane",
    "newsreader.ui.key_footer",
    "newsreader.ui.attachments",  # what only a key or an article needs
    "newsreader.ui.browser",
    "newsreader.ui.refresh_job",  # a refresh starts after it
    "newsreader.ui.sync_job",  # only with [sync]: its records, its tables, hashlib
    "newsreader.core.store.sync",
    "newsreader.core.store.sync_pull",
    "newsreader.core.sync_records",
    "newsreader.ui.watch_notes",  # the watched count starts after it
    "newsreader.core.parsed",  # the records of the parse, a fetch, an opened article
    "newsreader.core.fetch_records",
    "newsreader.core.article_records",
    "hashlib",
)


def test_the_reader_imports_nothing_the_first_frame_does_without() -> None:
    code = (
        "import sys, newsreader.ui.app\n"
        f"print(sorted(set({AFTER_FIRST_FRAME!r}) & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


FULL_PASSES_CHILD = """
import gc, os, sys
from datetime import UTC, datetime
full = []
def note(phase, info):
    if phase == "stop" and info["generation"] == 2:
        full.append(1)
gc.callbacks.append(note)
from newsreader.core.config import Config, ReaderConfig
from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
store = Store.in_dir(sys.argv[1])
feed = store.add_feed("https://stadt.example/feed", title="Stadt")
items = tuple(
    ParsedEntry(key=str(n), title=f"Meldung {n}", url=f"https://stadt.example/{n}",
                summary="<p>Text</p>", published=datetime(2026, 1, 1, tzinfo=UTC))
    for n in range(50)
)
store.record_feed(feed.id, ParsedFeed("Stadt", None, items), status=200, etag=None,
                  last_modified=None)

class FirstFrame(NewsreaderApp):
    def _display(self, screen, renderable):
        super()._display(screen, renderable)
        if self.query_one("#headlines").count:
            print(len(full))
            os._exit(0)

    async def _after_first_paint(self):
        pass

full.clear()
FirstFrame(store, Config(reader=ReaderConfig(refresh_on_start=False)), offline=True).run(
    headless=True, size=(140, 40)
)
"""


def test_no_full_collection_walks_the_start_up_objects_before_the_first_frame(
    tmp_path: Path,
) -> None:
    """What exists when the reader runs (the modules, the config, the store) is frozen: the
    collector's first full pass came before the first frame and walked all of it."""
    out = subprocess.run(
        [sys.executable, "-c", FULL_PASSES_CHILD, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "NEWSREADER_CONFIG": str(tmp_path / "none.toml")},
    )
    assert out.stdout.strip() == "0"


def test_newsreader_starts_the_reader_with_the_collector_held_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The start-up's objects are not garbage: no pass walks them before the first frame."""
    seen: list[bool] = []

    def run_reader(store: Store, config: Config, *, offline: bool = False) -> int:
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr("newsreader.ui.app.run_reader", run_reader)
    (tmp_path / "config.toml").write_text("", encoding="utf-8")
    code = main(["--data-dir", str(tmp_path), "--config", str(tmp_path / "config.toml")])
    assert code == 0 and seen == [False]
    assert gc.isenabled()  # given back when main returns


def test_a_command_runs_with_the_collector_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[bool] = []

    def feeds(args: object, store: Store, config: Config) -> int:
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setitem(commands._COMMANDS, "feeds", feeds)
    (tmp_path / "config.toml").write_text("", encoding="utf-8")
    code = main(["feeds", "--data-dir", str(tmp_path), "--config", str(tmp_path / "config.toml")])
    assert code == 0 and seen == [True]


async def test_the_collector_runs_again_after_the_first_frame(store: Store) -> None:
    add_feed(store, "https://stadt.example/feed", "Stadt", [entry(1, "Meldung")])
    app = NewsreaderApp(store, Config(reader=ReaderConfig(refresh_on_start=False)), offline=True)
    gc.disable()  # as `newsreader` starts the reader
    try:
        async with app.run_test(size=(140, 32)) as pilot:
            # Waited for, not slept on: the suite's four processes once left the first frame
            # later than a fixed 0.2 s.
            await wait_for(pilot, lambda: app.ready)
            assert gc.isenabled()
    finally:
        gc.enable()
