"""The garbage collector held off while the reader starts, and given back at its first frame.

The start-up (Textual's imports and ours, the config, the store) makes tens of thousands of
objects and only a few hundred cycles of garbage, yet the collector walked them over and over:
about 4 % of the instructions to the first frame with a million cached entries. `newsreader`
holds it off from its start (cli.main); the reader gives it back after its first frame, a
command as soon as it is known. Imports nothing of ours: the App and the command line use it.
"""

from __future__ import annotations

import gc


def hold_collector() -> None:
    gc.disable()


def release_collector() -> None:
    """Also where it was never held (tests, other callers): then a no-op."""
    gc.enable()
