"""The sample edition opened from the reader's welcome screen, as a throw-away session.

It gets its own store in a temp dir, never the user's cache: its feed URLs point at a loopback
port that is gone once the reader exits. Closing the session stops the server and deletes it all.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from newsreader.core.config import Config
from newsreader.core.store.store import Store
from newsreader.demo.run import prepare_demo
from newsreader.demo.server import DemoServer


@dataclass
class DemoEdition:
    """A running sample edition: its server, its store and the temp dir both live in."""

    server: DemoServer
    store: Store
    directory: Path

    @classmethod
    def prepare(cls, config: Config) -> DemoEdition:
        """Blocking (serves, subscribes, refreshes): run it in a worker thread."""
        directory = Path(tempfile.mkdtemp(prefix="newsreader-demo-"))
        try:
            server = prepare_demo(directory, config=config)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        return cls(server, Store.in_dir(directory), directory)

    def close(self) -> None:
        self.store.close()
        self.server.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
