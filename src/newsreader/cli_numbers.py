"""Numbers typed on the command line, as SQLite can take them.

Python's int has no bound and SQLite's integers are 64 bits: `show 99999999999999999999`
reached the database and ended in an OverflowError traceback (a helper's tour).
"""

from __future__ import annotations

import argparse

LARGEST = 2**63 - 1


def whole_number(text: str) -> int:
    """An argparse type: an int within SQLite's range, or a one-line usage error."""
    try:
        value = int(text)
    except ValueError:  # also a number of over 4,300 digits
        raise argparse.ArgumentTypeError(f"not a whole number: {text[:40]!r}") from None
    if abs(value) > LARGEST:
        raise argparse.ArgumentTypeError(f"{text[:40]} is too large")
    return value
