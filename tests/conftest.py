"""Shared fixtures: a loopback HTTP server, an isolated data dir, the dev corpus."""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.loopback import LoopbackServer

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev"


MEMORY_FS = Path("/dev/shm")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Set up every pytest process (the xdist workers too) to waste less time.

    Temporary files go to memory when the machine has a tmpfs and nobody chose TMPDIR:
    the suite makes hundreds of SQLite caches, and on a disk each new one waits ~60 ms for
    SQLite's fdatasync calls. Nothing here tests durability across a power cut, so a real
    file in memory proves the same. The xdist workers and every subprocess inherit it."""
    if "TMPDIR" not in os.environ and MEMORY_FS.is_dir() and os.access(MEMORY_FS, os.W_OK):
        os.environ["TMPDIR"] = str(MEMORY_FS)
        tempfile.tempdir = None  # gettempdir() may have cached the old answer
    # Each reader test builds a Textual app of thousands of objects that live for the test, so
    # they reach the oldest generation and the collector keeps walking the whole heap: with
    # the default thresholds 21 reader tests ran 21 full collections, 2.5 s of their 13 s of
    # CPU. Rarer collections (the same objects freed, later) spend ~0.3 s. Garbage is still
    # collected, and pytest collects harder at the end, so a finalizer's error is still seen.
    gc.set_threshold(10_000, 20, 100)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `slow` run first: under xdist a long test started last keeps one core
    busy while the other has nothing left to do. The order is stable, the same in every
    xdist worker (they must collect alike)."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    srv = LoopbackServer().start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every default path into tmp, so no test touches the user's real cache or config."""
    path = tmp_path / "data"
    path.mkdir()
    monkeypatch.setenv("NEWSREADER_DATA_DIR", str(path))
    monkeypatch.setenv("NEWSREADER_CONFIG", str(tmp_path / "config.toml"))
    return path


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus/dev is not present")
    return CORPUS
