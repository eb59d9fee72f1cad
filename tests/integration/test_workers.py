"""The refresh's worker processes: answers, errors, a worker that dies, shutting down."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import pickle
import platform
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path

import pytest

from newsreader.core.errors import WorkerDied
from newsreader.core.refresh import ingest, workers
from newsreader.core.refresh.ingest import _WORKER_CACHE_KIB, FeedJob, _store, ingest_feeds
from newsreader.core.refresh.worker_process import FileGate
from newsreader.core.refresh.workers import Stream, WorkerPool
from newsreader.core.store.store import Store
from tests.support.awkward_jobs import raise_two_part, raise_unpicklable
from tests.support.feedgen import items, rss


def pid_of_worker() -> int:
    return os.getpid()


def fails() -> None:
    raise ValueError("bad feed bytes")


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def slow(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


FEED_URL = "https://lokal.example/feed.xml"


def thresholds_in_and_after_a_batch(db_path: str, feed_id: int) -> list[tuple[int, int, int]]:
    """Run in a worker: the collector's thresholds as each feed of a batch is taken, and
    after the batch."""
    seen: list[tuple[int, int, int]] = []

    def feeds() -> Iterable[FeedJob]:
        for _ in range(2):
            seen.append(gc.get_threshold())
            yield FeedJob(
                feed_id, rss(items(2)), "https://lokal.example/feed.xml", {}, 200, None, None
            )

    outcomes = ingest_feeds(db_path, feeds())
    assert sum(o.new_entries for o in outcomes) == 2, outcomes
    return [*seen, gc.get_threshold()]


def usual_thresholds() -> tuple[int, ...]:
    """A fresh interpreter's, as the workers start with them."""
    done = subprocess.run(
        [sys.executable, "-c", "import gc; print(*gc.get_threshold())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return tuple(map(int, done.stdout.split()))


def test_a_worker_runs_the_collector_seldom_only_while_it_stores_a_batch(tmp_path: Path) -> None:
    """refresh/collecting.py: a batch of feeds with young objects collected every 10,000; the
    worker's other jobs (a page's extraction) with the usual thresholds."""
    store = Store(tmp_path / "cache.sqlite3")
    feed = store.add_feed(FEED_URL)
    store.close()
    pool = WorkerPool(1)
    try:
        seen = pool.submit(
            thresholds_in_and_after_a_batch, str(tmp_path / "cache.sqlite3"), feed.id
        )
        inside = seen.result(timeout=30)
        later = pool.submit(gc.get_threshold).result(timeout=30)
    finally:
        pool.shutdown()
    usual = usual_thresholds()
    assert inside == [(10_000, 20, 100), (10_000, 20, 100), usual]
    assert later == usual


def test_a_batch_stored_in_the_refreshing_process_leaves_its_collector_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refresh of a few feeds ingests on a thread of its own process (the reader's, too):
    no worker there, so the collector's thresholds are the process's own all along."""
    monkeypatch.setattr(ingest, "_stores", {})  # this test's, closed below
    store = Store(tmp_path / "cache.sqlite3")
    feed = store.add_feed(FEED_URL)
    before = gc.get_threshold()
    gc.set_threshold(1_234, 11, 12)
    try:
        seen = thresholds_in_and_after_a_batch(str(store.path), feed.id)
    finally:
        gc.set_threshold(*before)
        for opened in ingest._stores.values():
            opened.close()
        store.close()
    assert seen == [(1_234, 11, 12)] * 3


def test_jobs_run_in_other_processes_and_errors_come_back() -> None:
    pool = WorkerPool(2)
    try:
        pids = {pool.submit(pid_of_worker).result(timeout=30) for _ in range(6)}
        assert os.getpid() not in pids and 1 <= len(pids) <= 2
        assert pool.submit(divmod, 17, 5).result(timeout=30) == (3, 2)
        with pytest.raises(ValueError, match="bad feed bytes"):
            pool.submit(fails).result(timeout=30)
    finally:
        pool.shutdown()


def test_a_worker_that_cannot_start_fails_its_job_and_the_next_one_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The interpreter gone, as when a reader's venv is rebuilt while it runs: each job fails
    at once with the reason (it waited for ever), and a worker starts once it can again."""
    pool = WorkerPool(2)
    try:
        monkeypatch.setattr(sys, "executable", str(tmp_path / "rebuilt-venv" / "python"))
        for _ in range(3):
            _job_fails(pool, r"could not start a worker: .*No such file")
        monkeypatch.setattr(sys, "executable", None)  # Python could not tell (it may say so)
        _job_fails(pool, "could not start a worker")
        monkeypatch.undo()
        assert _serves(pool)
    finally:
        pool.shutdown()


def _job_fails(pool: WorkerPool, reason: str) -> None:
    with pytest.raises(WorkerDied, match=reason):
        pool.submit(divmod, 17, 5).result(timeout=30)


def _serves(pool: WorkerPool) -> bool:
    return pool.submit(divmod, 17, 5).result(timeout=30) == (3, 2)


def test_an_error_that_cannot_be_unpickled_comes_back_as_its_text() -> None:
    """An exception that pickles in the worker but cannot be rebuilt from its args fails its
    job with its type and text, and the same worker serves the next job. The pool's thread
    died on it, and the job waited for ever."""
    pool = WorkerPool(1)
    try:
        first = pool.submit(pid_of_worker).result(timeout=30)
        with pytest.raises(RuntimeError, match=r"^TwoPartError: bad bytes at line 3$"):
            pool.submit(raise_two_part).result(timeout=30)
        with pytest.raises(RuntimeError, match=r"^HoldsALock: the parser gave up$"):
            pool.submit(raise_unpicklable).result(timeout=30)  # its text, not pickle's
        assert pool.submit(pid_of_worker).result(timeout=30) == first
    finally:
        pool.shutdown()


def test_a_fault_in_the_pool_fails_its_job_and_the_pool_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fault in the pool itself (one no real worker makes: reading its answer raises)
    fails that job, and the pool's thread serves the next: it ended, and that job and every
    job queued behind it waited for ever, as did their refresh."""

    def broken(proc: object) -> bytes:
        raise ValueError("a fault in the pool itself")

    pool = WorkerPool(1)
    try:
        monkeypatch.setattr(workers, "_receive", broken)
        _job_fails(pool, "the worker pool failed: ValueError")
        monkeypatch.undo()
        assert _serves(pool)
    finally:
        pool.shutdown()


def pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def test_jobs_one_after_another_keep_to_the_worker_already_running() -> None:
    """A refresh whose changed feeds made one batch, then its settling job: one worker, not
    a second one started for the second job (0.08 s of CPU and ~25 MB each)."""
    pool = WorkerPool(2)
    try:
        pids = [pool.submit(pid_of_worker).result(timeout=30) for _ in range(5)]
    finally:
        pool.shutdown()
    assert len(set(pids)) == 1
    assert os.getpid() not in pids


def die_after_answering() -> int:
    """Answers, then its worker dies (a crash between two jobs)."""
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGKILL)).start()
    return os.getpid()


def test_a_worker_that_dies_between_jobs_is_replaced_by_one_worker() -> None:
    pool = WorkerPool(2)
    try:
        gone = pool.submit(die_after_answering).result(timeout=30)
        deadline = time.monotonic() + 30
        while pid_alive(gone) and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = [pool.submit(pid_of_worker).result(timeout=30) for _ in range(3)]
    finally:
        pool.shutdown()
    assert gone not in pids
    assert len(set(pids)) == 1


def pid_alive(pid: int) -> bool:
    """A child not reaped yet still has its pid: a zombie's state is Z."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z"


def test_a_second_worker_starts_when_the_first_is_busy() -> None:
    pool = WorkerPool(2)
    try:
        busy = pool.submit(pid_after, 1.0)
        deadline = time.monotonic() + 30
        while not busy.running() and time.monotonic() < deadline:
            time.sleep(0.01)
        other = pool.submit(pid_of_worker).result(timeout=30)
        first = busy.result(timeout=30)
    finally:
        pool.shutdown()
    assert other != first


def test_a_dead_worker_fails_its_job_and_the_next_job_gets_a_new_one() -> None:
    pool = WorkerPool(1)
    try:
        first = pool.submit(pid_of_worker).result(timeout=30)
        with pytest.raises(WorkerDied, match="exit code -9"):
            pool.submit(die).result(timeout=30)
        second = pool.submit(pid_of_worker).result(timeout=30)
        assert second != first
    finally:
        pool.shutdown()


def test_a_job_that_cannot_be_pickled_fails_alone() -> None:
    """Calls are pickled straight into the worker's pipe: one that fails half-way (a body
    already written, then something unpicklable) must not leave the worker reading garbage."""
    pool = WorkerPool(1)
    try:
        with pytest.raises((pickle.PicklingError, AttributeError)):
            pool.submit(len, (b"x" * 300_000, lambda: 0)).result(timeout=30)
        assert pool.submit(divmod, 17, 5).result(timeout=30) == (3, 2)
        assert pool.submit(len, b"y" * 300_000).result(timeout=30) == 300_000
    finally:
        pool.shutdown()


def pool_inside_a_slow_job(
    queued_seconds: float,
) -> tuple[WorkerPool, Future[float], Future[float]]:
    """A one-worker pool half a second into a 30 s job, with another job queued behind it."""
    pool = WorkerPool(1)
    running = pool.submit(slow, 30.0)
    queued = pool.submit(slow, queued_seconds)
    deadline = time.monotonic() + 30
    while not running.running() and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.5)  # the worker has started and is inside the job
    return pool, running, queued


def test_shutdown_cancels_queued_jobs_and_kill_stops_a_running_one() -> None:
    pool, running, queued = pool_inside_a_slow_job(0.0)
    started = time.monotonic()
    pool.kill()
    pool.shutdown(wait=True, cancel_futures=True)
    assert time.monotonic() - started < 10
    assert queued.cancelled()
    with pytest.raises(WorkerDied):
        running.result(timeout=1)
    with pytest.raises(RuntimeError):
        pool.submit(pid_of_worker)


def note_each(path: str, items: Iterable[bytes]) -> list[int]:
    """Notes each item in a file as it is read: the sender can see what arrived."""
    sizes = []
    for item in items:
        sizes.append(len(item))
        with open(path, "a") as fh:
            fh.write(f"{len(item)}\n")
    return sizes


def _wait_for_lines(path: Path, count: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().split()) >= count:
            return
        time.sleep(0.01)
    raise AssertionError(f"the worker never read item {count}")


def test_a_stream_reaches_the_worker_item_by_item(tmp_path: Path) -> None:
    """A `Stream` argument's items follow the call one at a time: the worker reads the first
    while the second is not yet put, and each is reported taken once it is sent."""
    notes = tmp_path / "notes"
    pool = WorkerPool(1)
    try:
        stream: Stream[bytes] = Stream()
        taken: list[int] = []
        answer = pool.submit(note_each, str(notes), stream)
        for n, size in enumerate((300_000, 5, 70_000)):
            stream.put(b"x" * size, lambda n=n: taken.append(n))  # type: ignore[misc]
            _wait_for_lines(notes, n + 1)
            assert taken == list(range(n + 1))
        stream.end()
        assert answer.result(timeout=30) == [300_000, 5, 70_000]
        # The worker reads the next call after the stream's end.
        assert pool.submit(divmod, 17, 5).result(timeout=30) == (3, 2)
    finally:
        pool.shutdown()


def fail_on_second(items: Iterable[int]) -> None:
    for item in items:
        if item == 2:
            raise ValueError("bad second item")


def test_a_call_that_fails_mid_stream_leaves_the_worker_in_step() -> None:
    """What the call did not read is read past, so the next call is read as a call."""
    pool = WorkerPool(1)
    try:
        stream: Stream[int] = Stream()
        for n in (1, 2, 3, 4):
            stream.put(n, lambda: None)
        stream.end()
        with pytest.raises(ValueError, match="bad second item"):
            pool.submit(fail_on_second, stream).result(timeout=30)
        assert pool.submit(divmod, 17, 5).result(timeout=30) == (3, 2)
    finally:
        pool.shutdown()


def die_on_first(items: Iterable[bytes]) -> None:
    for _ in items:
        os.kill(os.getpid(), signal.SIGKILL)


def test_a_worker_that_dies_mid_stream_fails_its_job_alone() -> None:
    pool = WorkerPool(1)
    try:
        stream: Stream[bytes] = Stream()
        answer = pool.submit(die_on_first, stream)
        stream.put(b"feed", lambda: None)
        deadline = time.monotonic() + 30
        while not answer.done() and time.monotonic() < deadline:
            stream.put(b"y" * 100_000, lambda: None)  # into a closed pipe, once it died
            time.sleep(0.05)
        with pytest.raises(WorkerDied):
            answer.result(timeout=1)
        assert pool.submit(divmod, 17, 5).result(timeout=30) == (3, 2)
    finally:
        pool.shutdown()


def test_kill_and_end_stop_a_worker_waiting_for_its_stream() -> None:
    """A cancelled refresh kills its workers and ends the open stream: the pool's thread,
    waiting for the stream's next item, lets shutdown finish."""
    pool = WorkerPool(1)
    stream: Stream[int] = Stream()
    waiting = pool.submit(sum, stream)
    stream.put(1, lambda: None)
    time.sleep(0.5)
    started = time.monotonic()
    pool.kill()
    stream.end()
    pool.shutdown(wait=True, cancel_futures=True)
    assert time.monotonic() - started < 10
    with pytest.raises(WorkerDied):
        waiting.result(timeout=1)


def test_file_gate_excludes_other_processes(tmp_path: Path) -> None:
    """The gate the workers of one refresh share: a second holder waits for the first."""
    gate_path = str(tmp_path / "gate")
    pool = WorkerPool(1)
    try:
        with FileGate(gate_path):
            waiting = pool.submit(hold_gate, gate_path)
            time.sleep(1.0)
            assert not waiting.done()  # blocked on our lock
        assert waiting.result(timeout=30) == "held"
    finally:
        pool.shutdown()


def hold_gate(path: str) -> str:
    with FileGate(path):
        return "held"


def tls_in_worker() -> str:
    import hashlib

    try:
        import ssl  # noqa: F401
    except ImportError:
        return "no tls; sha1 " + hashlib.sha1(b"feed").hexdigest()[:8] + " " + hashlib.sha1().name
    return "tls loaded"


def test_workers_have_no_tls_and_still_hash() -> None:
    """A worker parses untrusted bytes and never opens a connection: TLS is refused there."""
    pool = WorkerPool(1)
    try:
        assert pool.submit(tls_in_worker).result(timeout=30) == "no tls; sha1 65c3466e sha1"
    finally:
        pool.shutdown()


_SURVIVORS: list[bytes] = []


def fill_the_heap_and_free_most(size: int = 2048) -> None:
    """40 MB in 2 KB blocks (glibc's heap, not Python's small-object arenas); every 64th is
    kept, so what is freed lies in holes between blocks in use, not at the heap's end."""
    blocks = [b"x" * size for _ in range(20_000)]
    _SURVIVORS.extend(blocks[::64])


def resident_and_peak_kb() -> tuple[int, int]:
    with open("/proc/self/status") as fh:
        fields = dict(line.split(":", 1) for line in fh)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


@pytest.mark.skipif(
    not Path("/proc/self/status").exists() or platform.libc_ver()[0] != "glibc",
    reason="glibc's malloc, read in /proc",
)
def test_a_worker_gives_back_what_a_job_freed() -> None:
    """A refresh's memory is its process tree's: a worker holds what it uses between
    batches, not the most a batch ever took (glibc kept freed holes resident)."""
    pool = WorkerPool(1)
    try:
        pool.submit(fill_the_heap_and_free_most).result(timeout=30)
        resident, peak = pool.submit(resident_and_peak_kb).result(timeout=30)
    finally:
        pool.shutdown()
    assert peak - resident > 30_000


def page_cache_kib(db_path: str) -> int:
    return -int(_store(db_path).conn.execute("PRAGMA cache_size").fetchone()[0])


def sqlite_memory_kib() -> int | None:
    """What SQLite counts as its memory in this process, where ctypes reaches the very
    library the sqlite3 module runs on; None where it cannot."""
    name = ctypes.util.find_library("sqlite3")
    if name is None:
        return None
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.sqlite3_libversion.restype = ctypes.c_char_p
    if lib.sqlite3_libversion().decode() != sqlite3.sqlite_version:
        return None
    lib.sqlite3_memory_used.restype = ctypes.c_int64
    return int(lib.sqlite3_memory_used()) // 1024


def store_a_batch(db_path: str, jobs: list[FeedJob]) -> int | None:
    """In a worker: SQLite's memory once the batch is stored, before the worker, done with
    the job, lets go of its page cache."""
    outcomes = ingest_feeds(db_path, jobs)
    assert all(o.error is None and o.new_entries == 30 for o in outcomes)
    return sqlite_memory_kib()


def test_a_worker_lets_go_of_its_page_cache_after_each_batch(tmp_path: Path) -> None:
    """A worker's page cache holds one transaction's pages (a smaller one wrote the same pages
    out and read them back several times over); another worker's commit empties it anyway,
    so it is freed once the batch is stored, and the tree holds one worker's at a time. The
    refreshing process keeps SQLite's default."""
    db = tmp_path / "cache.sqlite3"
    store = Store(db)
    ids = [store.add_feed(f"https://f{n}.example/feed.xml").id for n in range(40)]
    store.close()
    # Words of their own in every entry: index rows and text that fill pages.
    text = " ".join(f"Antrag a#x{k} wurde beraten." for k in range(40))
    jobs = [
        FeedJob(
            feed_id,
            rss(
                [
                    replace(item, content=f"<p>{text.replace('#', str(n * 100 + i))}</p>")
                    for i, item in enumerate(
                        items(30, base=f"https://f{n}.example", prefix=f"Meldung {n}")
                    )
                ]
            ),
            f"https://f{n}.example/feed.xml",
            {},
            200,
            None,
            None,
        )
        for n, feed_id in enumerate(ids)
    ]
    pool = WorkerPool(1)
    try:
        assert pool.submit(page_cache_kib, str(db)).result(timeout=30) == _WORKER_CACHE_KIB
        before = pool.submit(store_a_batch, str(db), jobs).result(timeout=60)
        after = pool.submit(sqlite_memory_kib).result(timeout=30)  # the next job, same worker
    finally:
        pool.shutdown()
    assert page_cache_kib(str(db)) == 2000
    if before is None or after is None or not before:  # or the library counts nothing
        pytest.skip("ctypes does not reach the SQLite library the sqlite3 module uses")
    assert before - after > 1024, (before, after)  # a cache of over 1 MiB, full of the batch, freed


def test_a_killed_pool_starts_no_new_worker_for_its_queued_jobs() -> None:
    """A cancelled refresh kills the workers, ends its open batch, then shuts the pool down.
    A pool thread that sees its worker die before that shutdown must not start a fresh worker
    for the next queued batch: the cancelled refresh would wait for it to parse and store."""
    pool, _, queued = pool_inside_a_slow_job(5.0)
    started = time.monotonic()
    pool.kill()
    time.sleep(0.3)  # the refresh's thread, busy elsewhere (ending its open batch), or slow
    pool.shutdown(wait=True, cancel_futures=True)
    assert time.monotonic() - started < 3, "the queued job ran on a fresh worker"
    assert queued.cancelled() or isinstance(queued.exception(timeout=1), WorkerDied)


def test_the_pool_makes_its_lock_file_where_it_can_and_removes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    pool = WorkerPool(1)
    assert pool.submit(pid_of_worker).result(timeout=30) != os.getpid()
    (gate,) = tmp_path.iterdir()  # the workers took turns on it
    assert gate.name.startswith("newsreader-gate-")
    pool.shutdown()
    assert not gate.exists()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "gone"))  # no such folder: the next one
    pool = WorkerPool(1)
    assert pool.submit(pid_of_worker).result(timeout=30) != os.getpid()
    pool.shutdown()


def test_the_refreshing_process_loads_no_tempfile_nor_deflate() -> None:
    """Its own memory is part of the refresh tree's (issue 15): tempfile brought shutil, bz2,
    lzma and random (1 MB), ISA-L 0.4 MB, and the refreshing process stores no text."""
    script = (
        "import sys\n"
        "from newsreader.core.refresh.run import refresh\n"
        "from newsreader.core.refresh.workers import WorkerPool\n"
        "pool = WorkerPool(1)\n"
        "pool.submit(sum, [1, 2]).result(timeout=30)\n"
        "pool.shutdown()\n"
        "print(sorted(m for m in ('tempfile', 'shutil', 'isal') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
