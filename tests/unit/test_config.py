"""config.toml: the shipped example is the defaults; mistakes are one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

import newsreader
from newsreader.core.config import Config, NetworkConfig
from newsreader.core.config_file import load_config
from newsreader.core.errors import ConfigError

EXAMPLE = Path(newsreader.__file__).parent / "config.example.toml"


def test_shipped_example_is_the_defaults() -> None:
    assert load_config(EXAMPLE) == Config()


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "none.toml") == Config()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[network]\nper_host = 'vier'\n", "network.per_host must be a whole number"),
        ("[reader]\nrefresh_on_start = 1\n", "reader.refresh_on_start must be true or false"),
        ("[network]\nconcurrency = 0\n", "network.concurrency must be at least 1"),
        ("[network]\nconcurrency = -5\n", "network.concurrency must be at least 1"),
        ("[network]\nread_timeout = -1.5\n", "network.read_timeout must be more than 0"),
        ("[network]\nconnect_timeout = 0\n", "network.connect_timeout must be more than 0"),
        ("[network]\ntotal_timeout = inf\n", "network.total_timeout must be more than 0"),
        ("[network]\nretries = 99\n", "network.retries must be at least 0 and at most 10"),
        (
            "[retention]\nmax_age_days = -1\n",
            "retention.max_age_days must be at least 0 and at most 36500",
        ),
        # Past SQLite's integers: `refresh` gave a 48-line traceback (a helper's tour).
        (
            "[cluster]\nwindow_days = 9000000000000000000\n",
            "cluster.window_days must be at least 1 and at most 3650",
        ),
        ("[cluster]\nwindow_days = -5\n", "cluster.window_days must be at least 1"),
        ("[cluster]\nwindow_days = 0\n", "cluster.window_days must be at least 1"),
        ("[reader]\nhistory_size = 0\n", "reader.history_size must be at least 1"),
        ("[reader]\nrefresh_minutes = -30\n", "reader.refresh_minutes must be at least 0"),
        ("[sync]\ntimeout = nan\n", "sync.timeout must be more than 0"),
        (
            "[network]\nmin_poll_minutes = 60\nmax_poll_minutes = 30\n",
            "network.max_poll_minutes must be at least network.min_poll_minutes",
        ),
        ("[keys]\n'app.quit' = 3\n", "[keys] maps binding ids to key strings"),
        ("[watch]\nnotify = 'popup'\n", "watch.notify must be one of off, bell, desktop, both"),
        ("[watch]\nnotify = true\n", "watch.notify must be a string"),
        ("[watch]\nbell = 'yes'\n", "watch.bell must be true or false"),
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


@pytest.mark.parametrize(
    ("text", "notify"),
    [
        ("", "off"),
        ("notify = 'both'\n", "both"),
        ("notify = 'desktop'\n", "desktop"),
        ("bell = true\n", "bell"),  # the first spelling of notify = "bell"
        ("bell = true\nnotify = 'desktop'\n", "desktop"),
        ("bell = false\n", "off"),
    ],
)
def test_watch_notify_is_taken(tmp_path: Path, text: str, notify: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[watch]\nwords = ['Kreuzviertel']\n{text}", encoding="utf-8")
    watch = load_config(path).watch
    assert watch.notify == notify and not load_config(path).warnings
    assert watch.rings_bell == (notify in ("bell", "both"))
    assert watch.notifies_desktop == (notify in ("desktop", "both"))


def test_unknown_sections_and_keys_are_warnings_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "[network]\nconcurency = 3\nper_host = 2\n[colours]\nbg = 'red'\n", encoding="utf-8"
    )
    config = load_config(path)
    assert (
        config.network.per_host == 2 and config.network.concurrency == NetworkConfig().concurrency
    )
    assert config.warnings == (
        f"{path}: unknown option network.concurency skipped",
        f"{path}: unknown section [colours] skipped",
    )


def test_unknown_binding_ids_are_warnings_and_dropped(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[keys]\n'app.refresh' = 'R'\n'app.refrsh' = 'F'\n", encoding="utf-8")
    config = load_config(path).with_known_bindings({"app.refresh", "app.quit"})
    assert config.keys == {"app.refresh": "R"}
    assert len(config.warnings) == 1 and "'app.refrsh'" in config.warnings[0]
    assert load_config(path).with_known_bindings({"app.refresh", "app.refrsh"}).warnings == ()


def test_a_named_config_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "none.toml", explicit=True)
