"""Refresh jobs whose worker is killed (by the OOM killer, say) at a chosen moment.

Kept apart from the tests that use them: a worker imports a job's module to run it, and it
refuses ssl, which the test modules' imports (the fetcher) load.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable

from newsreader.core.models import FeedOutcome
from newsreader.core.refresh.ingest import FeedJob, ingest_feeds


def settle_dies(db_path: str, cluster_days: int | None, rules: object) -> int:
    """Killed while it settles, after every feed is stored."""
    os.kill(os.getpid(), signal.SIGKILL)
    return 0


def ingest_then_die(
    db_path: str, jobs: Iterable[FeedJob], sketch_after: int | None = None
) -> list[FeedOutcome]:
    """Killed after its batch's commit and before it answers."""
    ingest_feeds(db_path, jobs, sketch_after)
    os.kill(os.getpid(), signal.SIGKILL)
    return []


def die_at_once(
    db_path: str, jobs: Iterable[FeedJob], sketch_after: int | None = None
) -> list[FeedOutcome]:
    """Killed before it stores anything."""
    os.kill(os.getpid(), signal.SIGKILL)
    return []
