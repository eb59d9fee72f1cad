"""[sync] in config.toml and where the password comes from."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from newsreader.core.config import SyncConfig
from newsreader.core.config_file import load_config
from newsreader.core.errors import ConfigError, SyncAuthError
from newsreader.core.sync.credentials import PASSWORD_ENV, sync_password

SECTION = '[sync]\nservice = "greader"\nurl = "https://rss.example.org/api/greader.php"\n'


def write(tmp_path: Path, text: str, mode: int = 0o644) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_sync_section_loads(tmp_path: Path) -> None:
    path = write(tmp_path, SECTION + 'user = "alice"\npassword_command = "echo x"\n')
    sync = load_config(path).sync
    assert sync.enabled and sync.service == "greader" and sync.user == "alice"
    assert "echo x" not in repr(load_config(path))


def test_sync_is_off_by_default(tmp_path: Path) -> None:
    assert not load_config(tmp_path / "none.toml").sync.enabled


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[sync]\nservice = "inoreader"\n', "sync.service must be one of greader, fever"),
        ('[sync]\nservice = "fever"\nurl = "ftp://x"\nuser = "a"\n', "sync.url must be an http"),
        (SECTION, "sync.user is missing"),
        (
            '[sync]\nservice = "fever"\nurl = "https://a:b@x.org/fever"\nuser = "a"\n',
            "must not carry a user or password",
        ),
    ],
)
def test_sync_mistakes_are_one_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_plain_password_needs_an_owner_only_file(tmp_path: Path) -> None:
    text = SECTION + 'user = "alice"\npassword = "hunter2-secret"\n'
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text, 0o644))
    assert "chmod 600" in str(caught.value) and "hunter2" not in str(caught.value)
    sync = load_config(write(tmp_path, text, 0o600)).sync
    assert sync.password == "hunter2-secret" and "hunter2" not in repr(sync)


def test_password_sources_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "from-env")
    command = f"{sys.executable} -c \"print('from-command'); print('second line')\""
    assert sync_password(SyncConfig(password_command=command, password="p")) == "from-command"
    assert sync_password(SyncConfig(password="from-file")) == "from-env"
    monkeypatch.delenv(PASSWORD_ENV)
    assert sync_password(SyncConfig(password="from-file")) == "from-file"


def test_password_command_failures_are_one_line_without_output() -> None:
    command = f"{sys.executable} -c \"print('leaked-secret'); raise SystemExit(3)\""
    with pytest.raises(SyncAuthError) as caught:
        sync_password(SyncConfig(password_command=command))
    assert "exit 3" in str(caught.value) and "leaked" not in str(caught.value)


def test_no_password_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    with pytest.raises(SyncAuthError, match="no sync password"):
        sync_password(SyncConfig(service="greader", user="nobody-in-any-keyring-xyz"))
