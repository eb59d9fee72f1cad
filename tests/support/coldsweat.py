"""A real coldsweat (Fever API) server for the sync tests, in a venv of its own.

coldsweat pins its own Flask and feedparser, so it lives in `.venv-coldsweat`, installed with
hashes from requirements/coldsweat.lock (made with `pip-compile --generate-hashes` from
requirements/coldsweat.in) the first time a test needs it. Its fetcher asks an outside service
for every feed's favicon: the server runs with HTTP(S)_PROXY at a loopback trap that counts and
drops every connection, and NO_PROXY for loopback, so nothing leaves the machine.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LOCK_FILE = REPO / "requirements" / "coldsweat.lock"
VENV = REPO / ".venv-coldsweat"
_NETWORK_TROUBLE = (
    "Could not fetch URL",
    "NewConnectionError",
    "Max retries exceeded",
    "Temporary failure in name resolution",
    "No matching distribution found",
    "Network is unreachable",
    "ProxyError",
)


class PypiUnreachable(Exception):
    pass


def ensure_venv() -> Path:
    """The venv's `coldsweat` script; built once per lock file (two test workers wait for
    each other on a file lock). PypiUnreachable when pip cannot download."""
    stamp = VENV / ".installed"
    want = hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest()
    with open(REPO / ".venv-coldsweat.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.exists() and stamp.read_text() == want:
            return VENV / "bin" / "coldsweat"
        shutil.rmtree(VENV, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        done = subprocess.run(
            [
                str(VENV / "bin" / "pip"),
                "install",
                "--quiet",
                "--require-hashes",
                "-r",
                str(LOCK_FILE),
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if done.returncode != 0:
            output = done.stdout + done.stderr
            shutil.rmtree(VENV, ignore_errors=True)
            if any(sign in output for sign in _NETWORK_TROUBLE):
                raise PypiUnreachable(output.strip().splitlines()[-1])
            raise RuntimeError(f"installing coldsweat failed:\n{output[-3000:]}")
        stamp.write_text(want)
    return VENV / "bin" / "coldsweat"


class ProxyTrap:
    """A loopback 'proxy' that records who tried to go out and closes at once."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.attempts: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                with contextlib.suppress(OSError):
                    self.attempts.append(conn.recv(512))

    def close(self) -> None:
        self.sock.close()


class Coldsweat:
    """One coldsweat instance: its own SQLite file, its own port."""

    def __init__(self, script: Path, workdir: Path, trap: ProxyTrap) -> None:
        self.script = script
        self.workdir = workdir
        proxy = f"http://127.0.0.1:{trap.port}"
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(workdir),
            "FLASK_DATABASE_URL": f"sqlite:///{workdir / 'coldsweat.db'}",
            "FLASK_SECRET_KEY": "tests-only",
            "HTTP_PROXY": proxy,
            "HTTPS_PROXY": proxy,
            "http_proxy": proxy,
            "https_proxy": proxy,
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/fever"
        self.proc: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [str(self.script), *args],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"coldsweat {args[0]} failed: {done.stderr[-2000:]}")
        return done.stdout + done.stderr

    def setup(self, email: str, password: str) -> None:
        self.cli("setup", email, "-p", password)

    def import_opml(self, opml: Path, email: str) -> None:
        self.cli("import", str(opml), email)

    def fetch(self) -> None:
        self.cli("fetch")

    def pretend_feeds_are_due(self) -> None:
        """coldsweat skips feeds checked in the last 3 minutes: age its stamps instead of
        waiting."""
        conn = sqlite3.connect(self.workdir / "coldsweat.db")
        try:
            with conn:
                conn.execute("UPDATE feeds SET last_checked_on = NULL, last_updated_on = NULL")
        finally:
            conn.close()

    def start(self) -> Coldsweat:
        self.proc = subprocess.Popen(
            [str(self.script), "run", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "?api", b"", timeout=2):
                    return self
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        raise RuntimeError("coldsweat did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running(script: Path, workdir: Path, trap: ProxyTrap) -> Iterator[Coldsweat]:
    server = Coldsweat(script, workdir, trap)
    try:
        yield server
    finally:
        server.stop()
