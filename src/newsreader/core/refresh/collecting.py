"""How often a refresh's processes run the garbage collector.

A refresh makes containers by the million, and nearly all of them die young without a cycle.
At the collector's usual thresholds (700, 10, 10) a cold refresh of 2,000 farm feeds ran it
117 times in each worker and 98 times in the refreshing process: 30 and 34 ms of CPU. With
young objects collected every 10,000, the middle generation every 20 of those and the oldest
every 100 (the thresholds tests/conftest.py gives the test processes), the refreshing process
ran it 45 times (6.6 to 12 ms) and each worker 11 times, between its batches (under 1 ms).

A worker keeps the usual thresholds for its other jobs: a page's extraction leaves garbage
that holds lxml trees, and `refresh --full` peaked at 57-59 MB rather than 54 with the rare
collections (bench/prefetch.py). A refresh inside the reader changes nothing: the reader's
process keeps its own collector (newsreader/collector.py, ui/reader_start.py).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

SELDOM = (10_000, 20, 100)


def collect_seldom() -> None:
    """For the rest of the process: the command line's `refresh`, which does nothing else."""
    gc.set_threshold(*SELDOM)


@contextlib.contextmanager
def collecting_seldom() -> Iterator[None]:
    """While a worker parses and stores a batch of feeds; the thresholds as they were after.
    The thresholds are the process's: only for a process that runs one call at a time."""
    before = gc.get_threshold()
    gc.set_threshold(*SELDOM)
    try:
        yield
    finally:
        gc.set_threshold(*before)
