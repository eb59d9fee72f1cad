"""Fetched feeds go to the workers in batches, one transaction each (refresh/handover.py): bigger
batches write fewer bytes per entry (bench/scale.py). A batch's feeds reach its worker one at
a time as they come, and fetching goes on while the workers store."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from newsreader.core.models import FeedOutcome
from newsreader.core.refresh import handover
from newsreader.core.refresh.ingest import FeedJob, ingest_feeds
from newsreader.core.store.store import Store


def _rss(n: int) -> bytes:
    return (
        f'<rss version="2.0"><channel><title>Feed {n}</title><item><title>Meldung {n}</title>'
        f"<link>https://a.example/{n}</link></item></channel></rss>"
    ).encode()


def _job(feed_id: int, n: int) -> FeedJob:
    return FeedJob(feed_id, _rss(n), f"https://a.example/{n}.xml", {}, 200, None, None)


def _counting_batches(sizes: list[int]) -> Callable[..., list[FeedOutcome]]:
    """A worker job that notes each batch's size in `sizes` and stores nothing."""

    def ingest(
        db_path: str, jobs: Iterable[FeedJob], sketch_after: int | None = None
    ) -> list[FeedOutcome]:
        ids = [job.feed_id for job in jobs]
        sizes.append(len(ids))
        return [FeedOutcome(feed_id=feed_id, url="") for feed_id in ids]

    return ingest


def _batches_counted(monkeypatch: pytest.MonkeyPatch, wait: float, longest: float) -> list[int]:
    """Each batch's size, as stored from now on, with these BATCH_WAIT and BATCH_LONGEST."""
    sizes: list[int] = []
    monkeypatch.setattr(handover, "ingest_feeds", _counting_batches(sizes))
    monkeypatch.setattr(handover, "BATCH_WAIT", wait)
    monkeypatch.setattr(handover, "BATCH_LONGEST", longest)
    return sizes


def test_a_body_gives_its_place_back_once_a_worker_read_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A body holds one of the places for bodies only until its worker reads it, not until its
    batch is stored: while every worker stores, fetching goes on (with places held until
    stored, 32 waiting bodies and batches of 32, fetching stopped then)."""
    read: list[int] = []
    storing = threading.Event()
    stored = threading.Event()

    def ingest(
        db_path: str, jobs: Iterable[FeedJob], sketch_after: int | None = None
    ) -> list[FeedOutcome]:
        for job in jobs:
            read.append(job.feed_id)
        storing.set()
        assert stored.wait(30)
        return [FeedOutcome(feed_id=feed_id, url="") for feed_id in read]

    monkeypatch.setattr(handover, "ingest_feeds", ingest)

    async def fetch_and_store() -> list[FeedOutcome]:
        loop = asyncio.get_running_loop()
        places = handover.BodyPlaces(loop, 2)

        async def one(n: int) -> FeedOutcome:
            async with places.place() as handed_on:
                return await batcher.add(_job(n, n), handed_on)

        with ThreadPoolExecutor(max_workers=1) as ingester:
            batcher = handover.Batcher(loop, ingester, "unused")
            try:
                tasks = [asyncio.create_task(one(n)) for n in range(7)]
                await asyncio.wait_for(asyncio.to_thread(storing.wait, 30), 30)
                # Seven bodies through two places, all read before anything was stored.
                assert read == list(range(7))
            finally:
                stored.set()
                batcher.flush()
            return list(await asyncio.gather(*tasks))

    outcomes = asyncio.run(fetch_and_store())
    assert [o.feed_id for o in outcomes] == list(range(7))


def test_a_batch_fed_slowly_is_stored_after_its_longest_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Feeds that keep trickling in do not hold a batch (and their outcomes) open for long."""
    sizes = _batches_counted(monkeypatch, wait=0.5, longest=0.35)

    async def trickle() -> list[FeedOutcome]:
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(max_workers=1) as ingester:
            batcher = handover.Batcher(loop, ingester, "unused")
            futures = []
            for n in range(8):
                futures.append(batcher.add(_job(n, n), lambda: None))
                await asyncio.sleep(0.1)
            batcher.flush()
            return list(await asyncio.gather(*futures))

    outcomes = asyncio.run(trickle())
    assert [o.feed_id for o in outcomes] == list(range(8))
    assert len(sizes) >= 2 and sum(sizes) == 8 and max(sizes) < 8


def test_feeds_fetched_together_are_stored_a_full_batch_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full batch goes at once, the rest after the wait; each feed gets its own outcome."""
    path = tmp_path / "cache.sqlite3"
    store = Store(path)
    urls = [f"https://a.example/{n}.xml" for n in range(handover.BATCH + 5)]
    ids = [store.add_feed(url).id for url in urls]
    store.close()
    sizes: list[int] = []

    def counted(
        db_path: str, jobs: Iterable[FeedJob], sketch_after: int | None = None
    ) -> list[FeedOutcome]:
        batch = list(jobs)
        sizes.append(len(batch))
        return ingest_feeds(db_path, batch, sketch_after)

    monkeypatch.setattr(handover, "ingest_feeds", counted)

    async def store_all() -> list[FeedOutcome]:
        with ThreadPoolExecutor(max_workers=1) as ingester:
            batcher = handover.Batcher(asyncio.get_running_loop(), ingester, str(path))
            futures = [
                batcher.add(FeedJob(feed_id, _rss(n), url, {}, 200, None, None), lambda: None)
                for n, (feed_id, url) in enumerate(zip(ids, urls, strict=True))
            ]
            assert sizes == [] or sizes == [handover.BATCH]  # the full batch left without waiting
            return list(await asyncio.gather(*futures))

    outcomes = asyncio.run(store_all())
    assert sizes == [handover.BATCH, 5]
    assert [o.feed_id for o in outcomes] == ids
    assert all(o.new_entries == 1 and o.error is None for o in outcomes)
    store = Store(path)
    assert store.conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == len(ids)
    store.close()


def test_once_every_fetch_is_in_nothing_waits_for_feeds_that_will_not_come(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The open batch goes when the last fetch is in, and a body whose fetch ended before it
    but reaches the batcher after is stored at once: no batch waits out BATCH_WAIT."""
    sizes = _batches_counted(monkeypatch, wait=60.0, longest=120.0)

    async def last_fetches() -> list[FeedOutcome]:
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(max_workers=1) as ingester:
            batcher = handover.Batcher(loop, ingester, "unused")
            futures = [batcher.add(_job(n, n), lambda: None) for n in range(3)]
            batcher.no_more_fetches()
            futures.append(batcher.add(_job(3, 3), lambda: None))
            try:
                return list(await asyncio.wait_for(asyncio.gather(*futures), 20))
            finally:
                batcher.flush()

    outcomes = asyncio.run(last_fetches())
    assert [o.feed_id for o in outcomes] == [0, 1, 2, 3] and sizes == [3, 1]
