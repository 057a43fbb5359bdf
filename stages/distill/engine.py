"""The asyncio engine behind `TeacherClient`: runs on the client's background thread and sends the requests the
cache cannot answer, at most `concurrency` at a time, within the rate limits (`rate_limit.py`), with retries
(`retry.py`), until each is answered, fails, or the budget (`budget.py`) stops the sending."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from stages.distill.budget import budget_reached, count_sent
from stages.distill.delivery import CacheWriter, Emit, Outbox
from stages.distill.http_backend import OpenAIChatBackend, PermanentError, TransientError
from stages.distill.rate_limit import TokenBucket
from stages.distill.retry import backoff_s
from stages.distill.types import TeacherRequest, TeacherResponse

if TYPE_CHECKING:
    from stages.distill.client import TeacherClient

LOOKUP_BATCH = 256  # requests looked up in the cache with one query


class HttpEngine:
    """Sends one client's requests over HTTP; one per client, so a 429's Retry-After holds across `generate` calls.

    The API key is passed in, not read from the client: it stays off everything but the requests.
    """

    def __init__(self, client: TeacherClient, api_key: str | None):
        self.client = client
        self._api_key = api_key
        self._pause_until = 0.0  # monotonic time before which no attempt starts (a 429's Retry-After)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main_task: asyncio.Task | None = None
        self._rpm: TokenBucket | None = None
        self._tpm: TokenBucket | None = None

    def produce(self, requests: Iterable[TeacherRequest], emit: Emit, stop: threading.Event) -> None:
        """Run the asyncio engine on this (background) thread until every request is answered or skipped."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._main_task = loop.create_task(self._run(requests, emit, stop))
            loop.run_until_complete(self._main_task)
        except asyncio.CancelledError:
            pass  # the caller closed the iterator
        finally:
            self._main_task = None
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            self._loop = None

    def cancel(self) -> None:
        loop, task = self._loop, self._main_task
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):  # the loop already finished
                loop.call_soon_threadsafe(task.cancel)

    async def _run(self, requests: Iterable[TeacherRequest], emit: Emit, stop: threading.Event) -> None:
        cfg = self.client.config
        slots = asyncio.Semaphore(cfg.concurrency)
        self._rpm = TokenBucket.per_minute(cfg.requests_per_minute) if cfg.requests_per_minute else None
        self._tpm = TokenBucket.per_minute(cfg.tokens_per_minute) if cfg.tokens_per_minute else None
        in_flight: set[asyncio.Task] = set()
        writer = CacheWriter(self.client.cache.path, cfg.model, emit) if self.client.cache is not None else None
        outbox = Outbox(asyncio.get_running_loop(), writer, emit)
        pending = iter(requests)
        async with OpenAIChatBackend(cfg, self._api_key) as backend:
            try:
                while not stop.is_set():
                    chunk = list(itertools.islice(pending, LOOKUP_BATCH))
                    if not chunk:
                        break
                    hits, misses = self.client.split_cached(chunk)
                    if hits:
                        emit(hits)
                    for request, key in misses:
                        if not self.client.stats.budget_exhausted:
                            # Wait for a free slot first: the budget check then sees every response that came back.
                            await slots.acquire()
                            if budget_reached(cfg, self.client.stats):
                                slots.release()
                                self.client.stats.budget_exhausted = True
                        if self.client.stats.budget_exhausted:
                            self.client.stats.not_sent += 1
                            continue
                        task = asyncio.create_task(self._send(backend, request, key, outbox))
                        task.add_done_callback(lambda t: slots.release())
                        in_flight.add(task)
                        task.add_done_callback(in_flight.discard)
                if in_flight:
                    await asyncio.gather(*in_flight)
            finally:
                for task in in_flight:
                    task.cancel()
                if in_flight:
                    await asyncio.gather(*in_flight, return_exceptions=True)
                outbox.flush()
                if writer is not None:
                    # Commits what it holds (answered requests are worth keeping even after a cancel), then stops.
                    await asyncio.to_thread(writer.close)

    async def _send(self, backend: OpenAIChatBackend, request: TeacherRequest, key: str, outbox: Outbox) -> None:
        response = await self._attempts(backend, request)
        count_sent(self.client.stats, response)
        outbox.add(key, response)

    async def _attempts(self, backend: OpenAIChatBackend, request: TeacherRequest) -> TeacherResponse:
        """Send until answered, a permanent error, or `max_retries` retries spent."""
        cfg = self.client.config
        started = time.monotonic()
        reserved = request.estimated_tokens()
        attempt = 0
        while True:
            pause = self._pause_until - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            if self._rpm is not None:
                await self._rpm.acquire(1)
            if self._tpm is not None:
                await self._tpm.acquire(reserved)
            attempt += 1
            try:
                completion = await backend.complete(request)
            except TransientError as exc:
                if self._tpm is not None:
                    self._tpm.refund(reserved)
                if attempt > cfg.max_retries:
                    return self.client.failure_response(
                        request, f"gave up after {attempt} attempts: {exc}", attempt, started, exc.status
                    )
                if exc.retry_after_s is not None:
                    wait = exc.retry_after_s
                    if exc.status == 429:  # the server is rate limiting this client, not only this request
                        self._pause_until = max(self._pause_until, time.monotonic() + wait)
                else:
                    wait = backoff_s(attempt - 1, cfg.backoff_base_s, cfg.backoff_max_s)
                self.client.stats.retried += 1
                await asyncio.sleep(wait)
                continue
            except PermanentError as exc:
                if self._tpm is not None:
                    self._tpm.refund(reserved)
                return self.client.failure_response(request, str(exc), attempt, started, exc.status)
            except Exception as exc:  # noqa: BLE001 - a bad request (e.g. unserializable message) fails alone
                if self._tpm is not None:
                    self._tpm.refund(reserved)
                return self.client.failure_response(request, f"{type(exc).__name__}: {exc}", attempt, started, None)
            if self._tpm is not None:
                self._tpm.refund(reserved - completion.prompt_tokens - completion.completion_tokens)
            return self.client.success_response(request, completion, attempt, started, 200)
