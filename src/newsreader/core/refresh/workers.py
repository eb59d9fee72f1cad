"""A small process pool for parsing and storing: plain child processes fed over pipes.

`ProcessPoolExecutor` with the spawn method (the only safe one in a threaded program) also
starts multiprocessing's resource tracker, a third interpreter of ~12 MB, and loads the
multiprocessing machinery into every worker. A refresh needs none of that: its jobs are
picklable calls, so each worker is `python -m newsreader.core.refresh.worker_process`
(worker_process.py), reading pickled calls on stdin and answering on stdout, length-prefixed.
The workers of one pool take turns writing through an flock on a temporary file (see
`FileGate`), and a killed refresh takes its workers with it: they exit when their stdin closes.
A `Stream` argument is sent item by item after its call, as its items come: the worker handles
each as it arrives, and neither side holds them all (a batch of feed bodies) at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from typing import Any, Generic, ParamSpec, TypeVar

from newsreader.core.errors import WorkerDied
from newsreader.core.refresh.worker_process import Streamed, read_message

_Job = tuple["Future[Any]", tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]]
_P = ParamSpec("_P")
_T = TypeVar("_T")
_Item = TypeVar("_Item")
_PIPE_BYTES = 256 * 1024


class Stream(Generic[_Item]):
    """An argument whose items are put in after the call was submitted, until `end()`.

    Iterating it waits for each item: a worker of the pool gets each as it is put (pickled
    into its pipe after the call), a thread that runs the call itself iterates it directly.
    Each item's `taken` runs once it is handed on, from the thread that takes it.
    """

    def __init__(self) -> None:
        self._items: queue.SimpleQueue[tuple[_Item, Callable[[], None]] | None]
        self._items = queue.SimpleQueue()

    def put(self, item: _Item, taken: Callable[[], None]) -> None:
        self._items.put((item, taken))

    def end(self) -> None:
        """No more items: the call goes on to its end. Ending twice is harmless."""
        self._items.put(None)

    def __iter__(self) -> Iterator[_Item]:
        while (entry := self._items.get()) is not None:
            item, taken = entry
            del entry
            taken()
            yield item
            del item

    def __reduce__(self) -> tuple[type[Streamed], tuple[()]]:
        return Streamed, ()


class WorkerPool(Executor):
    """Up to `workers` child processes; jobs go to whichever is free, in submission order, and
    a new one starts only when no running one is free (`_next_job`). A future's done-callback
    runs on the pool's thread while its worker counts as free: it must not wait for another
    job of the pool (asyncio's `run_in_executor` only hands the result to its loop)."""

    def __init__(self, workers: int) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._gate_path = _new_gate_file()
        self._lock = threading.Lock()
        self._procs: list[subprocess.Popen[bytes]] = []
        self._closed = False
        self._killed = False  # see kill(): no new worker is started after it
        # Threads whose worker is running and waiting for a job (`_next_job`).
        self._waiting_workers = 0
        self._waiting_changed = threading.Condition()
        self._threads = [
            threading.Thread(target=self._serve, name=f"newsreader-worker-{n}", daemon=True)
            for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_T]:
        future: Future[_T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot submit to a pool that was shut down")
            # Pickled only when a worker takes it: queued jobs hold no second copy of a body.
            self._jobs.put((future, (fn, args, kwargs)))
        self._wake_threads_without_a_worker()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if cancel_futures:
            with contextlib.suppress(queue.Empty):
                while True:
                    item = self._jobs.get_nowait()
                    if item is not None:
                        item[0].cancel()
        for _ in self._threads:
            self._jobs.put(None)
        self._wake_threads_without_a_worker()
        if wait:
            for thread in self._threads:
                thread.join()
        with contextlib.suppress(OSError):
            os.unlink(self._gate_path)

    def kill(self) -> None:
        """Stop every worker now, mid-job: a cancelled refresh must not wait for a big feed.
        SQLite rolls back whatever transaction a killed worker had open. A job that a pool
        thread takes after this fails rather than starting a fresh worker."""
        with self._lock:
            self._killed = True
            procs = list(self._procs)
        for proc in procs:
            with contextlib.suppress(OSError):
                proc.kill()

    def _serve(self) -> None:
        """One thread per worker process: hand it a job, wait for the answer, repeat."""
        proc: subprocess.Popen[bytes] | None = None
        waiting = False  # counted among the threads whose worker waits for a job
        held: Future[Any] | None = None  # the job this thread has taken
        try:
            while True:
                item = self._next_job(proc, waiting)
                waiting = False  # `_next_job` took the count back, on every path
                if item is None:
                    break
                future, call = item
                if not future.set_running_or_notify_cancel():
                    continue
                held = future
                del item
                try:
                    if proc is None or proc.poll() is not None:
                        try:
                            proc = self._start()
                        except Exception as exc:
                            # The interpreter gone (a venv rebuilt under a running reader),
                            # no processes or files left: this job fails, the next one tries
                            # again. No process exists yet.
                            proc = None
                            failed = WorkerDied(f"could not start a worker: {exc}")
                            future.set_exception(failed)
                            continue
                    if proc is None:
                        future.set_exception(WorkerDied("the pool's workers were stopped"))
                        continue
                    fn, args, kwargs = call
                    streams = [a for a in (*args, *kwargs.values()) if isinstance(a, Stream)]
                    del fn, args, kwargs
                    try:
                        _send(proc, call)
                        for stream in streams:
                            for piece in stream:
                                _send(proc, piece)
                                del piece  # the worker has it: not held here until the next
                            _send(proc, None)
                    except (OSError, EOFError):
                        code = proc.wait()
                        proc = None  # the next job gets a fresh worker
                        future.set_exception(WorkerDied(f"worker process died (exit code {code})"))
                        continue
                    except Exception as exc:  # could not pickle it: the worker has half a call
                        _stop(proc, kill=True)
                        proc = None
                        future.set_exception(exc)
                        continue
                    del call, streams  # the worker has the bodies: not held here as it parses
                    try:
                        answer = _receive(proc)
                    except (OSError, EOFError):
                        code = proc.wait()
                        proc = None
                        future.set_exception(WorkerDied(f"worker process died (exit code {code})"))
                        continue
                    try:
                        ok, value = _unpickled(answer)
                    except Exception as exc:
                        # Read whole, so the worker is in step for its next job: only this
                        # answer cannot be rebuilt here (the worker sends none such, _pickled).
                        ok, value = False, RuntimeError(f"unreadable answer: {exc!r}")
                    del answer
                    # Counted as waiting before the submitter hears back: a job it submits at
                    # once is this worker's, not a reason to start another.
                    self._count_waiting(+1)
                    waiting = True
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
                    held = None  # answered: its result is not kept alive until the next job
                except Exception as exc:
                    # A fault in the pool itself, not the worker's: this job fails, the
                    # worker (in an unknown state) goes, and the thread serves the next job.
                    # Ended by it, the thread left its job and the jobs queued behind it
                    # waiting for ever, and their refresh with them.
                    if proc is not None:
                        _stop(proc, kill=True)
                        proc = None
                    if waiting:
                        self._count_waiting(-1)
                        waiting = False
                    if not future.done():
                        future.set_exception(WorkerDied(f"the worker pool failed: {exc!r}"))
        finally:
            if waiting:  # counted, then something failed before `_next_job`
                self._count_waiting(-1)
            if held is not None and not held.done():
                # Whatever ended this thread, the job it held gets an answer: its refresh
                # waits for one (and for the warm-ups) before it ends.
                held.set_exception(WorkerDied("the worker pool's thread failed"))
            if proc is not None:
                _stop(proc)

    def _next_job(self, proc: subprocess.Popen[bytes] | None, waiting: bool) -> _Job | None:
        """The next job (None: shut down) for the thread whose worker is `proc` (`waiting`:
        already counted as waiting, `_count_waiting`). A thread with a running worker waits for
        one; a thread without (none started yet, or it died) takes one only when no running
        worker is waiting for it, as starting a worker costs 0.08 s of CPU and ~25 MB.
        Otherwise a refresh whose changed feeds made one batch started a second worker for
        the settling job that follows it."""
        if proc is not None and proc.poll() is None:
            if not waiting:
                self._count_waiting(+1)
            try:
                return self._jobs.get()
            finally:
                self._count_waiting(-1)
        if waiting:  # its worker ended since it was counted
            self._count_waiting(-1)
        while True:
            with self._waiting_changed:
                self._waiting_changed.wait_for(
                    lambda: not self._jobs.empty() and not self._waiting_workers
                )
            try:
                return self._jobs.get_nowait()
            except queue.Empty:  # a running worker's thread took it first
                continue

    def _count_waiting(self, change: int) -> None:
        """Count a thread in or out of those whose worker waits for a job (`_next_job`)."""
        with self._waiting_changed:
            self._waiting_workers += change
            self._waiting_changed.notify_all()

    def _wake_threads_without_a_worker(self) -> None:
        with self._waiting_changed:
            self._waiting_changed.notify_all()

    def _start(self) -> subprocess.Popen[bytes] | None:
        """A fresh worker, or None once the pool was killed: a cancelled refresh waits for
        no new worker to parse and store the batch queued next."""
        with self._lock:
            if self._killed:
                return None
        proc = subprocess.Popen(
            [sys.executable, "-m", "newsreader.core.refresh.worker_process", self._gate_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # Never the terminal: under the reader a stray line would land in the UI.
            stderr=subprocess.DEVNULL,
        )
        assert proc.stdin is not None
        # A farm body (~125 KB) fits in the pipe whole: with Linux's 64 KB the pool's thread
        # and the worker took turns per 64 KB. Its bytes wait in the kernel, not in either
        # process. Cold refresh of 2,000 farm feeds, 3 interleaved runs under load 4-5: wall
        # 12.6 s instead of 14.4, CPU 14.8 s instead of 15.4 (whole batches: 15.2 s, 14.4 s).
        with contextlib.suppress(OSError, AttributeError):  # not Linux: its own size
            fcntl.fcntl(proc.stdin.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        with self._lock:
            self._procs.append(proc)
            if self._killed:  # killed while this one started: its job fails as it is sent
                proc.kill()
        return proc


def _new_gate_file() -> str:
    """An empty file of this pool's own, for the workers' flock (`FileGate`). Not
    tempfile.mkstemp: tempfile brings shutil, bz2, lzma and random into the refreshing
    process, 1 MB of its memory for one file."""
    folders = [os.environ.get("TMPDIR") or "/tmp", "/tmp", "/var/tmp", os.getcwd()]
    failure: OSError | None = None
    for folder in folders:
        for _ in range(100):  # a name taken: another one
            path = os.path.join(folder, f"newsreader-gate-{os.urandom(8).hex()}")
            try:
                os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                continue
            except OSError as exc:  # not there, or not ours to write: the next folder
                failure = exc
                break
            return path
    raise failure or FileExistsError("no free name for the workers' lock file")


def _send(proc: subprocess.Popen[bytes], call: object) -> None:
    """Pickled straight into the pipe, a frame at a time: a batch of bodies (~1 MB) is never
    held a second time as one pickled string, here or in the worker, which reads it the same
    way (pickle's framing says where a call ends)."""
    assert proc.stdin is not None
    pickle.dump(call, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
    proc.stdin.flush()


def _receive(proc: subprocess.Popen[bytes]) -> bytes:
    assert proc.stdout is not None
    return read_message(proc.stdout)


def _unpickled(answer: bytes) -> tuple[bool, Any]:
    ok, value = pickle.loads(answer)
    return bool(ok), value


def _stop(proc: subprocess.Popen[bytes], *, kill: bool = False) -> None:
    if kill:
        proc.kill()
    with contextlib.suppress(OSError):
        assert proc.stdin is not None
        proc.stdin.close()  # the worker's signal to exit
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
