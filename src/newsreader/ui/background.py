"""One background thread with its own asyncio loop for the reader's network work and writes.

The core's refresh, page and preview calls are coroutines that also write the store; running
them here keeps fetching, parsing hand-off and SQLite writes off the UI's loop, and one long-lived
thread means one SQLite connection instead of one per worker. The reader's own writes (read,
star, mark all read) go to one writer thread beside it, in the order they were asked for, so a
busy database never stalls the UI. Reads too slow for the UI thread (the saved searches' counts)
go to one reader thread, with its own connection. Every job reports back as one `JobDone`
message, posted from these threads (`post_message` is thread-safe).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

from textual.message import Message

from newsreader.ui.messages import READ, WRITE, JobDone

T = TypeVar("T")

WRITE_GRACE = 65.0  # seconds; SQLite's busy timeout is 60


class BackgroundLoop:
    def __init__(self, post: Callable[[Message], object]) -> None:
        self._post = post
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._writer: ThreadPoolExecutor | None = None
        self._reader: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._jobs: dict[str, dict[Future[Any], Hashable]] = {}

    def _ensure(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                self._thread = threading.Thread(target=run, name="newsreader-net", daemon=True)
                self._thread.start()
                ready.wait()
                self._loop = loop
            return self._loop

    def submit(
        self,
        job: Callable[[], Awaitable[T]],
        *,
        group: str,
        exclusive: bool = False,
        key: Hashable = None,
    ) -> None:
        """Run `job()` on the background loop; its outcome comes back as `JobDone(group, key)`.

        `exclusive` cancels the jobs of the same group still running: the page the user has
        moved away from is not worth the bandwidth (they report back as cancelled).
        """
        loop = self._ensure()
        if exclusive:
            self.cancel(group)

        async def run() -> T:
            return await job()

        future = asyncio.run_coroutine_threadsafe(run(), loop)
        with self._lock:
            self._jobs.setdefault(group, {})[future] = key

        def finished(fut: Future[T]) -> None:
            with self._lock:
                self._jobs.get(group, {}).pop(fut, None)
            if fut.cancelled():
                self._post(JobDone(group, key, cancelled=True))
                return
            error = fut.exception()
            self._post(JobDone(group, key, None if error else fut.result(), error))

        future.add_done_callback(finished)

    def write(self, write: Callable[[], T], *, key: Hashable = None) -> None:
        """A store write on the one writer thread, reported as `JobDone(WRITE, key)`."""
        with self._lock:
            if self._writer is None:
                self._writer = ThreadPoolExecutor(1, thread_name_prefix="newsreader-writes")
            writer = self._writer

        async def run() -> T:
            return await asyncio.get_running_loop().run_in_executor(writer, write)

        self.submit(run, group=WRITE, key=key)

    async def after_writes(self) -> None:
        """Wait, on the background loop, until the writes asked for so far have landed (a sync
        then sends the marks the user just made: they are queued by those writes)."""
        with self._lock:
            writer = self._writer
        if writer is not None:
            await asyncio.get_running_loop().run_in_executor(writer, lambda: None)

    def read(self, read: Callable[[], T], *, key: Hashable = None) -> None:
        """A slow store read on the one reader thread, reported as `JobDone(READ, key)`."""
        with self._lock:
            if self._reader is None:
                self._reader = ThreadPoolExecutor(1, thread_name_prefix="newsreader-reads")
            reader = self._reader

        async def run() -> T:
            return await asyncio.get_running_loop().run_in_executor(reader, read)

        self.submit(run, group=READ, key=key)

    def cancel(self, group: str) -> None:
        with self._lock:
            running = list(self._jobs.get(group, {}))
        for future in running:
            future.cancel()

    def running(self, group: str) -> list[Hashable]:
        """The keys of the jobs of `group` not yet finished (tests wait on this too)."""
        with self._lock:
            return list(self._jobs.get(group, {}).values())

    def stop(self) -> None:
        with self._lock:
            writes = list(self._jobs.get(WRITE, {}))
        # What the user marked before quitting is kept: the writes finish before the loop goes.
        wait(writes, timeout=WRITE_GRACE)
        with self._lock:
            loop, thread, writer, reader = self._loop, self._thread, self._writer, self._reader
            self._loop = self._thread = self._writer = self._reader = None
        if loop is None:
            return

        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        # Shutting down: a late failure in a cancelled task has nowhere useful to go.
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(cancel_all(), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(timeout=5)
        if not loop.is_running():
            loop.close()
        if writer is not None:
            writer.shutdown(wait=True)
        if reader is not None:
            reader.shutdown(wait=False, cancel_futures=True)
