"""The reader's refresh: started on the background loop, and what is said when it ends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from textual.message import Message

from newsreader.core.config import Config
from newsreader.core.models import FeedOutcome, RefreshReport
from newsreader.core.store.store import Store
from newsreader.ui.background import BackgroundLoop
from newsreader.ui.messages import REFRESH, RefreshProgress
from newsreader.ui.text import one_line


def start_refresh(
    net: BackgroundLoop,
    store: Store,
    config: Config,
    post: Callable[[Message], object],
    feed_ids: list[int] | None = None,
    *,
    due_only: bool = False,
) -> None:
    """Every feed (or those of `feed_ids`; with `due_only`, those whose poll interval has
    passed), on the background loop: progress as `RefreshProgress`, the end as `JobDone`."""
    from newsreader.core.refresh.run import refresh  # the network stack: lazily

    def progress(outcome: FeedOutcome, done: int, total: int) -> None:
        post(RefreshProgress(outcome, done, total))

    net.submit(
        lambda: refresh(store, config, feed_ids=feed_ids, progress=progress, due_only=due_only),
        group=REFRESH,
    )


def feed_ids_of(store: Store, feed_id: int | None, tag: str | None) -> list[int] | None:
    """What `r` refreshes: one feed, a tag's feeds, or (None) every feed."""
    if feed_id is not None:
        return [feed_id]
    if tag is not None:
        return [f.id for f in store.feeds(counts=False) if tag in f.tags]
    return None


@dataclass(frozen=True, slots=True)
class RefreshNote:
    text: str
    severity: Literal["warning", "error"]
    # Nothing could be fetched: said once per session, everything cached stays browsable.
    network_down: bool


def refresh_note(report: RefreshReport | None, error: str | None) -> RefreshNote | None:
    if error is not None:
        return RefreshNote(f"Refresh failed: {error}", "error", network_down=True)
    if report is None or not report.failed:
        return None
    url, reason = report.failed[0]
    if len(report.failed) == report.feeds:
        text = f"No feed could be fetched: {one_line(reason, 200)}"
        return RefreshNote(text, "error", network_down=True)
    text = (
        f"{len(report.failed)} of {report.feeds} feeds failed; "
        f"first: {one_line(url, 100)}: {one_line(reason, 200)}"
    )
    return RefreshNote(text, "warning", network_down=False)
