"""A refresh's parse workers load no OpenSSL (issue 15: libcrypto was 3.6 MB of each worker's
memory): what they hash, they hash with CPython's own modules (core/hashes.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.farm import generate_feed

from newsreader.core.refresh.ingest import FeedJob, ingest_feeds
from newsreader.core.refresh.workers import WorkerPool
from newsreader.core.store.store import Store


def openssl_here() -> tuple[bool, bool]:
    """Whether this process loaded hashlib's OpenSSL module, and whether libcrypto is mapped
    into it (False where /proc tells nothing)."""
    maps = Path("/proc/self/maps")
    mapped = maps.exists() and "libcrypto" in maps.read_text()
    return sys.modules.get("_hashlib") is not None, mapped


def test_a_worker_stores_a_farm_feed_without_openssl(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    store = Store(db)
    feed_id = store.add_feed("http://127.0.0.2/feed/3.xml").id
    body = generate_feed(3)  # 120 KB, as the bench farm serves it
    job = FeedJob(feed_id, body, "http://127.0.0.2/feed/3.xml", {}, 200, None, None)
    pool = WorkerPool(1)
    try:
        [outcome] = pool.submit(ingest_feeds, str(db), [job]).result(timeout=60)
        loaded, mapped = pool.submit(openssl_here).result(timeout=30)
    finally:
        pool.shutdown()
    assert outcome.error is None and outcome.new_entries > 10
    assert (loaded, mapped) == (False, False)
    digests = {len(r[0]) for r in store.conn.execute("SELECT digest FROM entries")}
    assert digests == {16}
    store.close()


def test_the_store_hashes_without_hashlib() -> None:
    """Not even hashlib's fallback: in a worker hashlib.sha1 is CPython's, 8x slower than the
    digests the store makes (the checksum; BLAKE2b for a cache's older ones) and than
    OpenSSL's."""
    script = """
import sys
from datetime import UTC, datetime
from newsreader.core.parsed import ParsedEntry
from newsreader.core.store import feed_writes, stream_writes
from newsreader.core.store.entry_rows import entry_digest, legacy_digests
entry = ParsedEntry(key="k", title="Titel", url=None, author=None, summary="s",
                    content="Straßenfest " * 999, published=datetime(2026, 1, 1, tzinfo=UTC))
print(len(entry_digest(entry)), len(legacy_digests([entry], {"k": "0" * 40})["k"]),
      len(legacy_digests([entry], {"k": "0" * 32})["k"]))
print(sorted(m for m in ("hashlib", "_hashlib") if m in sys.modules))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split("\n")
    assert out[:2] == ["16 40 32", "[]"]
