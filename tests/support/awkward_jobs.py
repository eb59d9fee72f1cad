"""Jobs whose answer pickles in the worker but cannot be rebuilt in the refreshing process.

Kept apart from the tests, as dying_jobs.py is: a worker imports a job's module to run it,
and it refuses ssl, which the test modules' imports load.
"""

from __future__ import annotations

import threading


class TwoPartError(Exception):
    """Like many a library's exception: its __init__ wants more than it keeps in `args`, so
    pickle, which rebuilds it from `args`, cannot."""

    def __init__(self, what: str, where: str) -> None:
        super().__init__(f"{what} at {where}")


def raise_two_part() -> None:
    raise TwoPartError("bad bytes", "line 3")


class HoldsALock(Exception):
    """Like lxml's XMLSyntaxError, which keeps its parser's error log: it does not pickle."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.lock = threading.Lock()


def raise_unpicklable() -> None:
    raise HoldsALock("the parser gave up")
