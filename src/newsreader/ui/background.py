"""One background thread with its own asyncio loop for all network work.

The core's refresh, page and preview calls are coroutines that also write the store; running
them here keeps fetching, parsing hand-off and SQLite writes off the UI's loop, and one long-lived
thread means one SQLite connection instead of one per worker. Results come back to the UI only as
messages (`post_message` is thread-safe).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


class BackgroundLoop:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

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
        coro: Coroutine[Any, Any, T],
        done: Callable[[T | None, BaseException | None], None],
    ) -> Future[T]:
        """Run `coro` on the background loop; `done(result, error)` runs on that thread."""
        future = asyncio.run_coroutine_threadsafe(coro, self._ensure())

        def finished(fut: Future[T]) -> None:
            if fut.cancelled():
                return
            error = fut.exception()
            done(None if error else fut.result(), error)

        future.add_done_callback(finished)
        return future

    def stop(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
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
