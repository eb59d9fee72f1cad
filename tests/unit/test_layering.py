"""The core is headless: importing it must not pull in Textual."""

from __future__ import annotations

import subprocess
import sys


def test_core_does_not_import_textual() -> None:
    code = (
        "import sys, pkgutil, importlib, newsreader.core as core\n"
        "for m in pkgutil.iter_modules(core.__path__):\n"
        "    importlib.import_module('newsreader.core.' + m.name)\n"
        "import newsreader.cli, newsreader.commands\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('textual', 'rich')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


HEAVY = ("lxml", "feedparser", "trafilatura", "httpx")


def test_reader_app_starts_without_the_network_and_parsing_stack() -> None:
    """What the start-up comments promise: the reader paints cached headlines before any of
    these load (they come with the first refresh, article or dialog that needs them)."""
    code = (
        "import sys, newsreader.ui.app\n"
        # a None entry is a module refused before it loads (core/net's httpx._main), not one
        f"print(sorted(n for n, m in sys.modules.items() if m and n.split('.')[0] in {HEAVY!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_probe_sees_a_heavy_import() -> None:
    """The check above is not vacuous: a module that does load lxml shows in its list."""
    code = (
        "import sys, newsreader.core.subscribe.opml\n"
        f"print(sorted({{n.split('.')[0] for n in sys.modules}} & set({HEAVY!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "lxml" in out.stdout
