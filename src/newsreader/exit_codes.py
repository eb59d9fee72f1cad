"""The exit codes of `newsreader`, in a module that imports nothing of ours.

Anything may import it (the command line, the commands, the core's callers) without pulling in
argparse, the reader or an import circle. docs/architecture.md lists what each code means.
"""

from __future__ import annotations

from typing import Final

OK: Final = 0
# Some feeds or pages failed; the rest were fetched and stored.
FAILED: Final = 1
# A usage error or bad input: unknown option, no such feed, unreadable file.
USAGE: Final = 2
# Ctrl-C: the shell's convention, 128 + SIGINT.
INTERRUPTED: Final = 130
