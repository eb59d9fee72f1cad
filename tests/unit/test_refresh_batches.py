"""Fetched feeds go to the workers in batches, one transaction each (refresh/run.py): bigger
batches write fewer bytes per entry (bench/scale.py), but only while fetching goes on as the
workers store."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from newsreader.core.models import FeedOutcome
from newsreader.core.refresh import run
from newsreader.core.refresh.ingest import FeedJob, ingest_feeds
from newsreader.core.store.store import Store


def _rss(n: int) -> bytes:
    return (
        f'<rss version="2.0"><channel><title>Feed {n}</title><item><title>Meldung {n}</title>'
        f"<link>https://a.example/{n}</link></item></channel></rss>"
    ).encode()


def test_a_batch_can_fill_while_every_worker_stores_one() -> None:
    """A body keeps its place among the bodies at once until it is stored. Were every place
    taken by the batches the workers store, fetching would stop until one is stored (batches
    of 32 with 32 waiting bodies: a cold refresh of 500 farm feeds took 3.1 s, not 2.7 s)."""
    assert run._BODIES_AT_ONCE - run._WORKERS * run._BATCH >= run._BATCH


def test_feeds_fetched_together_are_stored_a_full_batch_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full batch goes at once, the rest after the wait; each feed gets its own outcome."""
    path = tmp_path / "cache.sqlite3"
    store = Store(path)
    urls = [f"https://a.example/{n}.xml" for n in range(run._BATCH + 5)]
    ids = [store.add_feed(url).id for url in urls]
    store.close()
    sizes: list[int] = []

    def counted(
        db_path: str, jobs: list[FeedJob], sketch_after: int | None = None
    ) -> list[FeedOutcome]:
        sizes.append(len(jobs))
        return ingest_feeds(db_path, jobs, sketch_after)

    monkeypatch.setattr(run, "ingest_feeds", counted)

    async def store_all() -> list[FeedOutcome]:
        with ThreadPoolExecutor(max_workers=1) as ingester:
            batcher = run._Batcher(asyncio.get_running_loop(), ingester, str(path))
            futures = [
                batcher.add(FeedJob(feed_id, _rss(n), url, {}, 200, None, None))
                for n, (feed_id, url) in enumerate(zip(ids, urls, strict=True))
            ]
            assert sizes == [] or sizes == [run._BATCH]  # the full batch left without waiting
            return list(await asyncio.gather(*futures))

    outcomes = asyncio.run(store_all())
    assert sizes == [run._BATCH, 5]
    assert [o.feed_id for o in outcomes] == ids
    assert all(o.new_entries == 1 and o.error is None for o in outcomes)
    store = Store(path)
    assert store.conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == len(ids)
    store.close()
