"""The command line run in-process, as tests of its output need it."""

from __future__ import annotations

import pytest

from newsreader.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`newsreader ARGS…` through `main`: (exit code, stdout, stderr)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err
