"""The garbage collector held off while the reader starts, and given back at its first frame.

The start-up (Textual's imports and ours, the config, the store) makes tens of thousands of
objects and only a few hundred cycles of garbage, yet the collector walked them over and over:
about 4 % of the instructions to the first frame with a million cached entries. `newsreader`
holds it off from its start (cli.main); the reader gives it back after its first frame, a
command as soon as it is known. Imports nothing of ours: the App, the command line and a
refresh's worker processes use it.
"""

from __future__ import annotations

import gc


def hold_collector() -> None:
    gc.disable()


def release_collector() -> None:
    """Also where it was never held (tests, other callers): then a no-op."""
    gc.enable()


def collect_seldom() -> None:
    """For a refresh's processes, once their imports are in: those stay (frozen), and the
    young objects are collected every 10,000 rather than 700. A refresh makes containers by
    the million and nearly all of them die young without a cycle: at the default the collector
    ran 117 times in each worker of a cold refresh of 2,000 farm feeds and 98 times in the
    refreshing process, 30 and 34 ms of CPU; so, once in each worker and 47 times in the
    refreshing process, 2 and 8 ms. Frozen once per process: tests refresh many times in one,
    and would freeze each earlier refresh's garbage."""
    if not gc.get_freeze_count():
        gc.freeze()
    gc.set_threshold(10_000, 20, 100)
