"""Jobs that end while the reader quits. Under `run_test` (the suite, the benches) the App's
loop still handles messages after its screens are pruned; a handler that looked for a pane
then raised NoMatches, which run_test re-raises: CI failed that way twice. Each case posts its
message right after the screens go, where a job that ends during the teardown lands (a
helper's review found these; each failed before). In the terminal, the loop has ended by then
and such messages are dropped."""

from __future__ import annotations

import asyncio

import pytest
from textual.message import Message

from newsreader.core.config import Config
from newsreader.core.models import FeedOutcome
from newsreader.core.store.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.messages import PAGE, REFRESH, WRITE, JobDone
from newsreader.ui.refresh_job import RefreshProgress, RefreshWaiting
from newsreader.ui.store_writes import FlagsWritten
from newsreader.ui.sync_job import SyncFinished
from tests.ui.conftest import clock, sample_cache, wait_for

LATE: dict[str, Message] = {
    "refresh finished": JobDone(REFRESH, None, None, RuntimeError("boom")),
    "refresh progress": RefreshProgress(FeedOutcome(1, "https://x.example/"), 1, 2),
    "refresh waiting": RefreshWaiting(None),
    "sync finished": SyncFinished(None, "boom"),
    "all read written": JobDone(WRITE, "all_read", 3),
    "flag written": JobDone(WRITE, FlagsWritten(1, "read"), None),
    "theme written": JobDone(WRITE, "theme", None),
    "page loaded": JobDone(PAGE, "https://example.org/a/1", None),
}


@pytest.mark.parametrize("name", list(LATE))
async def test_a_job_ending_as_the_reader_quits_is_let_be(
    name: str, store: Store, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample_cache(store)
    app = NewsreaderApp(store, config, offline=True, clock=clock)
    close_all = app._close_all

    async def then_the_late_message() -> None:
        await close_all()
        app.post_message(LATE[name])
        await asyncio.sleep(0.2)  # the App's loop, still running, handles it

    monkeypatch.setattr(app, "_close_all", then_the_late_message)
    async with app.run_test(size=(140, 40)) as pilot:  # re-raises what a handler raised
        await wait_for(pilot, lambda: app.ready)
    assert app.return_code in (0, None)
