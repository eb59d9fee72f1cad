"""The garbage collector held off while the reader starts, and given back at its first frame.

The start-up (Textual's imports and ours, the config, the store) makes tens of thousands of
objects and only a few hundred cycles of garbage, yet the collector walked them over and over:
about 4 % of the instructions to the first frame with a million cached entries. `newsreader`
holds it off from its start (cli.main); the reader gives it back after its first frame, a
command as soon as it is known. Imports nothing of ours: the App, the command line and a
refresh's worker processes use it.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


def hold_collector() -> None:
    gc.disable()


def release_collector() -> None:
    """Also where it was never held (tests, other callers): then a no-op."""
    gc.enable()


# Young objects collected every 10,000 rather than 700, the older generations as usual. A
# refresh makes containers by the million and nearly all of them die young without a cycle: at
# the default, a cold refresh of 2,000 farm feeds ran the collector 117 times in each worker
# and 98 times in the refreshing process (30 and 34 ms of CPU); with this, 10 times in each
# worker (between its batches, 1 ms in all) and 45 times in the refreshing process (7-12 ms).
# Not for a worker's other jobs: a page's extraction leaves garbage that holds lxml trees, and
# `refresh --full` peaked at 57-59 MB rather than 54 with it (bench/prefetch.py).
SELDOM = (10_000, 20, 100)


def freeze_once() -> None:
    """What a process has made so far (its imports) lives as long as it does: frozen, the
    collector's passes leave it alone. Once per process: tests run many refreshes in one, and
    would freeze each earlier one's garbage."""
    if not gc.get_freeze_count():
        gc.freeze()


def collect_seldom() -> None:
    """For the refreshing process, once its imports are in (`SELDOM`)."""
    freeze_once()
    gc.set_threshold(*SELDOM)


@contextlib.contextmanager
def collecting_seldom() -> Iterator[None]:
    """For a worker's batch of feeds (`SELDOM`); the thresholds as they were after it."""
    before = gc.get_threshold()
    gc.set_threshold(*SELDOM)
    try:
        yield
    finally:
        gc.set_threshold(*before)
