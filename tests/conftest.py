"""Shared fixtures: a loopback HTTP server, an isolated data dir, the dev corpus."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.loopback import LoopbackServer

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev"


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
