"""`newsreader --demo`: the edition served, subscribed and refreshed before the reader opens.

The refresh is the real one — fetch, parse, store over HTTP — so the reader opens on content
that went through exactly the path a user's own feeds take.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from newsreader.core.config import Config
from newsreader.core.refresh.run import refresh
from newsreader.core.store.store import Store
from newsreader.demo.server import DemoServer


def prepare_demo(data_dir: Path, *, config: Config | None = None) -> DemoServer:
    """Start the server, subscribe every feed in a fresh store at `data_dir`, refresh once.

    The caller owns the returned server and stops it when the reader exits; article pages and
    teasers are fetched from it on demand.
    """
    server = DemoServer().start()
    try:
        store = Store.in_dir(data_dir)
        try:
            for url, title, tags in server.feed_urls():
                store.add_feed(url, title=title, tags=tags)
            asyncio.run(refresh(store, config or Config()))
        finally:
            store.close()
    except BaseException:
        server.stop()
        raise
    return server
