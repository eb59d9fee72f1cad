"""config.toml: the shipped example is the defaults; mistakes are one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

import newsreader
from newsreader.core.config import Config, load_config
from newsreader.core.errors import ConfigError

EXAMPLE = Path(newsreader.__file__).parent / "config.example.toml"


def test_shipped_example_is_the_defaults() -> None:
    assert load_config(EXAMPLE) == Config()


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "none.toml") == Config()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[network]\nconcurency = 3\n", "unknown option network.concurency"),
        ("[network]\nper_host = 'vier'\n", "network.per_host must be a whole number"),
        ("[reader]\nrefresh_on_start = 1\n", "reader.refresh_on_start must be true or false"),
        ("[colours]\n", "unknown section [colours]"),
        ("[keys]\n'app.quit' = 3\n", "[keys] maps binding ids to key strings"),
        ("[network\n", "cannot read config"),
    ],
)
def test_mistakes_are_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_values_are_taken(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "[network]\nper_host = 2\nread_timeout = 5\n[keys]\n'app.refresh' = 'R'\n",
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.network.per_host == 2 and config.network.read_timeout == 5
    assert config.keys == {"app.refresh": "R"}
