"""The teacher client: send chat requests to a teacher model reliably and never pay twice for one.

`TeacherClient` (an OpenAI-compatible HTTP teacher) runs an asyncio engine in a background thread and hands the
responses to the caller through a plain iterator, in completion order. Around each request it:

- serves it from the persistent request cache (`request_cache.py`) when a previous run already got it;
- stops sending once the token/cost budget is reached (in-flight requests finish; the rest count as `not_sent`);
- keeps at most `concurrency` requests in flight and respects the requests/tokens-per-minute buckets
  (`rate_limit.py`);
- retries 429/5xx/timeouts/connection resets with full-jitter backoff, honouring `Retry-After` (a 429's
  Retry-After pauses every request, not only the one that got it) (`retry.py`);
- commits each successful response to the cache before the caller sees it, so a run killed at any moment resumes
  without re-sending a completed request. Failed responses are returned with `error` set and not cached.

The sending lives in `engine.py`, the budget in `budget.py`, the hand-off to the caller in `delivery.py`.

`make_teacher` picks this client or the vLLM in-process one (`vllm_backend.py`) from `config.backend`.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from tqdm import tqdm

from schemas.teacher import TeacherConfig
from stages.distill.budget import count_sent
from stages.distill.delivery import DONE
from stages.distill.engine import HttpEngine
from stages.distill.http_backend import ChatCompletion
from stages.distill.request_cache import RequestCache
from stages.distill.types import ClientStats, TeacherRequest, TeacherResponse, cost_usd

__all__ = ["ClientStats", "TeacherClient", "TeacherRequest", "TeacherResponse", "make_teacher"]


class TeacherClient:
    """An OpenAI-compatible HTTP teacher with cache, budget, rate limits and retries (see the module docstring).

    `cache_path`: the SQLite request cache (e.g. OUTPUT/cache/requests.sqlite); None: no cache (every request is
    sent). `stats` sums all `generate` calls of this client.
    """

    def __init__(self, config: TeacherConfig, cache_path: Path | None = None):
        self.config = config
        self.cache = RequestCache(cache_path) if cache_path is not None else None
        self.stats = ClientStats()
        self._price = config.price()
        # Read at run time from the environment only; kept off the config, logs, errors and the cache.
        self._api_key = os.environ.get(config.api_key_env) or None
        if self._api_key is None and config.backend == "openai" and config.base_url.startswith("https://"):
            # Hosted APIs (https) all need a key: say so now, not after every request failed with 401.
            raise ValueError(
                f"teacher.api_key_env: the environment variable {config.api_key_env} is not set, and the teacher "
                f"at {config.base_url} needs an API key (servers on plain http, such as a local vLLM or "
                "`transformers serve`, need none)"
            )
        self._engine = HttpEngine(self, self._api_key)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(backend={self.config.backend!r}, model={self.config.model!r})"

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()

    def __enter__(self) -> TeacherClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the caller's side -----------------------------------------------------------------------------------------

    def generate(self, requests: Iterable[TeacherRequest], progress: bool = True) -> Iterator[TeacherResponse]:
        """Yield one response per request, in completion order (cached ones first, as they are found).

        Every request yields exactly one response (from the cache, answered, or with `error` set), except the
        requests skipped once the budget is reached: those yield nothing and are counted in `stats.not_sent`.
        Closing the iterator early (break, Ctrl-C) cancels the requests in flight; what was answered is cached.
        """
        responses: queue.SimpleQueue = queue.SimpleQueue()
        stop = threading.Event()
        engine = threading.Thread(
            target=self._produce_into, args=(requests, responses, stop), name="teacher-client", daemon=True
        )
        total = len(requests) if hasattr(requests, "__len__") else None  # type: ignore[arg-type]
        bar = tqdm(total=total, unit="req", desc=f"teacher {self.config.model}", disable=not progress, leave=False)
        engine.start()
        try:
            while True:
                batch = responses.get()
                if batch is DONE:
                    break
                if isinstance(batch, BaseException):
                    raise batch
                bar.update(len(batch))
                bar.set_postfix(
                    sent=self.stats.sent, cached=self.stats.cached, failed=self.stats.failed, refresh=False
                )
                yield from batch
        finally:
            stop.set()
            self._engine.cancel()
            engine.join()
            bar.close()

    def _produce_into(self, requests: Iterable[TeacherRequest], out: queue.SimpleQueue, stop: threading.Event) -> None:
        try:
            self._engine.produce(requests, out.put, stop)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread, raised there
            if not stop.is_set():
                out.put(self._redacted(exc))
        finally:
            out.put(DONE)

    def _redacted(self, exc: BaseException) -> BaseException:
        if self._api_key and self._api_key in str(exc):
            return RuntimeError(self._redact(str(exc)))
        return exc

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text

    # -- shared by the backends and the engine -----------------------------------------------------------------------

    def _from_cache(self, request: TeacherRequest, key: str) -> TeacherResponse | None:
        if self.cache is None:
            return None
        stored = self.cache.get(key)
        if stored is None:
            return None
        self.stats.cached += 1
        return TeacherResponse.from_cache(request, stored)

    def split_cached(
        self, requests: list[TeacherRequest]
    ) -> tuple[list[TeacherResponse], list[tuple[TeacherRequest, str]]]:
        """(responses served from the cache, (request, key) of the others), with one query for the batch."""
        keyed = [(request, request.cache_key(self.config.model)) for request in requests]
        stored = self.cache.get_many([key for _, key in keyed]) if self.cache is not None else {}
        hits = [TeacherResponse.from_cache(request, stored[key]) for request, key in keyed if key in stored]
        self.stats.cached += len(hits)
        return hits, [(request, key) for request, key in keyed if key not in stored]

    def _record(self, response: TeacherResponse, key: str) -> None:
        """Count a sent request's response and commit it to the cache if it succeeded."""
        count_sent(self.stats, response)
        if response.error is None and self.cache is not None:
            self.cache.put(key, self.config.model, response.to_cache())

    def success_response(
        self, request: TeacherRequest, completion: ChatCompletion, attempts: int, started: float, status: int | None
    ) -> TeacherResponse:
        """The response to a request the teacher answered, priced from the price table."""
        return TeacherResponse(
            request=request,
            content=completion.content,
            reasoning_content=completion.reasoning_content,
            finish_reason=completion.finish_reason,
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            reasoning_tokens=completion.reasoning_tokens,
            cached=False,
            error=None,
            attempts=attempts,
            latency_s=time.monotonic() - started,
            cached_prompt_tokens=completion.cached_prompt_tokens,
            cost_usd=cost_usd(
                self._price, completion.prompt_tokens, completion.completion_tokens, completion.cached_prompt_tokens
            ),
            status=status,
        )

    def failure_response(
        self, request: TeacherRequest, error: str, attempts: int, started: float, status: int | None
    ) -> TeacherResponse:
        """The response to a request that failed; the API key never appears in its error."""
        return TeacherResponse(
            request=request,
            content=None,
            reasoning_content=None,
            finish_reason=None,
            prompt_tokens=0,
            completion_tokens=0,
            reasoning_tokens=0,
            cached=False,
            error=self._redact(error),
            attempts=attempts,
            latency_s=time.monotonic() - started,
            status=status,
        )


def make_teacher(config: TeacherConfig, cache_path: Path | None = None) -> TeacherClient:
    """The client for `config.backend`: the OpenAI-compatible HTTP client, or vLLM in-process (needs vllm + CUDA;
    raises `RuntimeError` naming what is missing)."""
    if config.backend == "openai":
        return TeacherClient(config, cache_path)
    if config.backend == "vllm":
        from stages.distill.vllm_backend import VllmTeacherClient

        return VllmTeacherClient(config, cache_path)
    raise ValueError(f"teacher.backend: unknown backend {config.backend!r}; use 'openai' or 'vllm'")
