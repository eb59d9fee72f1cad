"""The headline marks of `articles` (the reader's), and ASCII ones for a terminal whose
encoding lacks them. Apart from output.py so that `articles --help` shows the marks the
listing will print without loading what the listing needs."""

from __future__ import annotations

import sys

MARKS = ("●", "★", "€", "↓")  # unread, starred, paywalled, readable offline
ASCII_MARKS = ("N", "*", "$", "o")


def headline_marks() -> tuple[str, ...]:
    """The reader's marks when stdout can encode them, else ASCII ones (N * $ o)."""
    try:
        # A stream that names no encoding (Textual's capture of print) gets the ASCII ones.
        "".join(MARKS).encode(getattr(sys.stdout, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return ASCII_MARKS
    return MARKS
