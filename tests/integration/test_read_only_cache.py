"""A cache on a read-only mount stays readable, and nothing tries to write it.

File modes do not stop root (CI runs as root), so these tests bind-mount the data dir
read-only in a private mount namespace (`unshare -m`) and run newsreader inside it.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.store.store import DB_NAME, Store
from tests.support.schema1_cache import FIXTURE as SCHEMA1_CACHE

CLOSED_PROXY = "http://127.0.0.1:9"


def _can_mount_read_only(tmp_path: Path) -> bool:
    probe = tmp_path / "probe"
    probe.mkdir()
    if shutil.which("unshare") is None:
        return False
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount --bind -o ro {probe} {probe}"],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@pytest.fixture
def read_only(tmp_path: Path) -> None:
    if not _can_mount_read_only(tmp_path):
        pytest.skip("unshare -m with a bind mount is not permitted here")


def in_read_only_mount(
    folder: Path, *args: str, script: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`newsreader ARGS` (or a Python script) with `folder` mounted read-only over itself."""
    command = [sys.executable, "-c", script] if script else [sys.executable, "-m", "newsreader"]
    quoted = " ".join(f"'{part}'" for part in [*command, *args])
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount --bind -o ro '{folder}' '{folder}' && {quoted}"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(folder.parent),
            "NEWSREADER_CONFIG": str(folder.parent / "none.toml"),
            "HTTP_PROXY": CLOSED_PROXY,
            "HTTPS_PROXY": CLOSED_PROXY,
            "NO_PROXY": "",
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        },
    )


def filled_cache(folder: Path) -> int:
    """A cache with one feed and two unread entries, closed cleanly (no -wal, no -shm)."""
    store = Store.in_dir(folder)
    feed = store.add_feed("http://127.0.0.1:9/feed.xml", title="Domstadt-Kurier")
    entries = tuple(
        ParsedEntry(
            key=f"k{n}",
            title=f"Ägidiimarkt {n}",
            url=f"http://127.0.0.1:9/artikel/{n}",
            summary=f"<p>Text {n} über Münster</p>",
            published=datetime(2026, 11, 20 + n, 8, 0, tzinfo=UTC),
        )
        for n in range(2)
    )
    store.record_feed(
        feed.id,
        ParsedFeed(title="Domstadt-Kurier", site_url=None, entries=entries),
        status=200,
        etag=None,
        last_modified=None,
    )
    first = store.entries(limit=1)[0].id
    store.close()
    return first


def unread_ids(folder: Path) -> list[int]:
    conn = sqlite3.connect(folder / DB_NAME)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM entries WHERE read = 0 ORDER BY id")]
    finally:
        conn.close()


@pytest.mark.usefixtures("read_only")
def test_reading_commands_read_a_read_only_cache(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    first = filled_cache(folder)
    assert not (folder / f"{DB_NAME}-shm").exists()  # so `mode=ro` alone cannot open it
    before = (folder / DB_NAME).read_bytes()

    done = in_read_only_mount(folder, "feeds", "--json", "--data-dir", str(folder))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["title"] == "Domstadt-Kurier"
    assert done.stderr.count("\n") == 1 and "read-only" in done.stderr
    assert "Traceback" not in done.stderr

    done = in_read_only_mount(folder, "--data-dir", str(folder), "articles", "--search", "münster")
    assert (
        done.returncode == 0 and "Ägidiimarkt 1" in done.stdout and "Ägidiimarkt 0" in done.stdout
    )

    # `show` would fetch the page when online; on a read-only cache it stays offline.
    done = in_read_only_mount(folder, "--data-dir", str(folder), "show", str(first))
    assert done.returncode == 0, done.stderr
    assert "Ägidiimarkt" in done.stdout and "Text" in done.stdout

    done = in_read_only_mount(folder, "--data-dir", str(folder), "export")
    assert done.returncode == 0 and "Domstadt-Kurier" in done.stdout

    assert (folder / DB_NAME).read_bytes() == before
    assert len(unread_ids(folder)) == 2


@pytest.mark.usefixtures("read_only")
@pytest.mark.parametrize(
    "args",
    [
        ("refresh",),
        ("add", "http://127.0.0.1:9/other.xml"),
        ("remove", "1"),
        ("mark", "1", "--read"),
        ("reextract",),
        (),  # the reader without --offline would refresh and mark
    ],
)
def test_writing_commands_refuse_with_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    folder = tmp_path / "data"
    filled_cache(folder)
    done = in_read_only_mount(folder, "--data-dir", str(folder), *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"cannot write the cache in {folder} (read-only file system)" in done.stderr
    assert len(unread_ids(folder)) == 2


@pytest.mark.usefixtures("read_only")
def test_a_data_dir_that_cannot_be_created_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    done = in_read_only_mount(folder, "feeds", "--data-dir", str(folder / "missing" / "deeper"))
    assert done.returncode == 2
    assert done.stderr == (
        f"newsreader: cannot create the data dir {folder / 'missing' / 'deeper'}: "
        "Read-only file system\n"
    )


def test_an_impossible_data_dir_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "newsreader", "--data-dir", str(blocker / "data"), "feeds"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "NEWSREADER_CONFIG": str(tmp_path / "none.toml")},
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"newsreader: cannot create the data dir {blocker / 'data'}: ")
    assert done.stderr.count("\n") == 1


@pytest.mark.usefixtures("read_only")
def test_an_older_schema_on_a_read_only_mount_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(SCHEMA1_CACHE, folder / DB_NAME)
    before = (folder / DB_NAME).read_bytes()
    done = in_read_only_mount(folder, "--data-dir", str(folder), "articles")
    assert done.returncode == 2 and done.stdout == ""
    assert "older newsreader (schema 1)" in done.stderr and "Traceback" not in done.stderr
    assert (folder / DB_NAME).read_bytes() == before


READER_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from newsreader.cli import build_parser
    from newsreader.commands import open_store
    from newsreader.core.config import Config, ReaderConfig
    from newsreader.ui.app import NewsreaderApp

    args = build_parser().parse_args(["--offline", "--data-dir", sys.argv[1]])
    store = open_store(args, Path(sys.argv[1]))
    assert store.read_only

    async def main() -> None:
        app = NewsreaderApp(store, Config(reader=ReaderConfig(refresh_on_start=False)),
                            offline=True)
        async with app.run_test() as pilot:
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause(0.5)
            await pilot.press("m", "s")
            await pilot.pause(0.5)
            print("unread", store.unread_count())

    asyncio.run(main())
    """
)


@pytest.mark.usefixtures("read_only")
def test_the_offline_reader_opens_a_read_only_cache_and_marks_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    filled_cache(folder)
    done = in_read_only_mount(folder, str(folder), script=READER_SCRIPT)
    assert done.returncode == 0, done.stderr
    assert "unread 2" in done.stdout
    assert len(unread_ids(folder)) == 2
