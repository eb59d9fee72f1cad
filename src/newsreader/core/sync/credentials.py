"""Where the sync password comes from: a command, the environment, the config file (owner-only,
checked by load_config) or the system keyring. It is never stored, logged or printed."""

from __future__ import annotations

import os
import subprocess

from newsreader.core.config import SyncConfig
from newsreader.core.errors import SyncAuthError

PASSWORD_ENV = "NEWSREADER_SYNC_PASSWORD"
KEYRING_SERVICE = "newsreader"
_COMMAND_TIMEOUT = 30.0


def sync_password(sync: SyncConfig) -> str:
    if sync.password_command:
        return _from_command(sync.password_command)
    if env := os.environ.get(PASSWORD_ENV):
        return env
    if sync.password:
        return sync.password
    if from_keyring := _from_keyring(sync.user):
        return from_keyring
    raise SyncAuthError(
        f"no sync password: set sync.password_command, {PASSWORD_ENV}, or store it with "
        f"`keyring set {KEYRING_SERVICE} {sync.user}`"
    )


def _from_command(command: str) -> str:
    """Run through the shell like newsboat's *-passwordeval; only the first line counts.
    Its stderr goes to the user's terminal (a pinentry may ask there); its output never
    appears in an error message."""
    try:
        done = subprocess.run(
            command,
            shell=True,
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            timeout=_COMMAND_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SyncAuthError(f"sync.password_command took over {_COMMAND_TIMEOUT:.0f} s") from None
    except OSError as exc:
        raise SyncAuthError(f"sync.password_command could not run: {exc.strerror}") from None
    if done.returncode != 0:
        raise SyncAuthError(f"sync.password_command failed (exit {done.returncode})")
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    if not lines or not lines[0]:
        raise SyncAuthError("sync.password_command printed no password")
    return lines[0]


def _from_keyring(user: str) -> str | None:
    try:
        # Optional and slow to import (it probes backends): only when nothing else gave one.
        import keyring  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    try:
        value = keyring.get_password(KEYRING_SERVICE, user)
    except Exception:  # any backend failure means "not there", never a traceback
        return None
    return value if isinstance(value, str) and value else None
