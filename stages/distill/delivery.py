"""How answered requests reach the caller: in batches, and each successful one only after the request cache has
committed it, so that a run killed at any moment loses no response the caller has seen."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from pathlib import Path

from stages.distill.request_cache import RequestCache
from stages.distill.types import TeacherResponse

Emit = Callable[[list[TeacherResponse]], None]  # hands a batch of responses to the caller's thread
DONE = object()  # end of a stream of batches (responses to the caller, commits to the cache writer)


class Outbox:
    """Collects the responses finished in one event-loop iteration and passes them on as one batch: successful
    ones to the cache writer (which emits them once committed), the others straight to the caller. Batching keeps
    the thread hand-offs per response low when hundreds of responses arrive together."""

    def __init__(self, loop: asyncio.AbstractEventLoop, writer: CacheWriter | None, emit: Emit):
        self._loop = loop
        self._writer = writer
        self._emit = emit
        self._commit: list[tuple[str, TeacherResponse]] = []
        self._direct: list[TeacherResponse] = []
        self._scheduled = False

    def add(self, key: str, response: TeacherResponse) -> None:
        if response.error is None and self._writer is not None:
            self._commit.append((key, response))
        else:
            self._direct.append(response)  # failures are not cached: a rerun retries them
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self.flush)

    def flush(self) -> None:
        self._scheduled = False
        if self._commit:
            assert self._writer is not None
            batch, self._commit = self._commit, []
            self._writer.submit(batch)
        if self._direct:
            batch, self._direct = self._direct, []
            self._emit(batch)


class CacheWriter:
    """Commits successful responses to the request cache on its own thread, then emits them.

    A response reaches the caller only after its commit, so a kill at any moment loses no response the caller has
    seen. Responses that arrive while a commit runs are committed together in the next transaction (group
    commit): one commit per response at a few hundred responses per second would stall the event loop.
    """

    def __init__(self, path: Path, model: str, emit: Emit):
        self._path = path
        self._model = model
        self._emit = emit
        self._pending: queue.SimpleQueue = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="teacher-cache-writer", daemon=True)
        self._thread.start()

    def submit(self, batch: list[tuple[str, TeacherResponse]]) -> None:
        if self._error is not None:
            raise RuntimeError(f"request cache write failed: {self._error}") from self._error
        self._pending.put(batch)

    def close(self) -> None:
        self._pending.put(DONE)
        self._thread.join()
        if self._error is not None:
            raise RuntimeError(f"request cache write failed: {self._error}") from self._error

    def _loop(self) -> None:
        cache = RequestCache(self._path)  # its own connection: WAL lets the engine read while this thread writes
        try:
            done = False
            while not done:
                parts = [self._pending.get()]
                while True:
                    try:
                        parts.append(self._pending.get_nowait())
                    except queue.Empty:
                        break
                done = parts[-1] is DONE
                batch = [item for part in parts if part is not DONE for item in part]
                if not batch:
                    continue
                cache.put_many([(key, self._model, response.to_cache()) for key, response in batch])
                self._emit([response for _, response in batch])
        except BaseException as exc:  # noqa: BLE001 - reported by submit/close on the engine's thread
            self._error = exc
        finally:
            cache.close()
