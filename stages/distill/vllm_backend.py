"""vLLM in-process teacher: batch generation with `vllm.LLM(...).chat(...)` on this machine's GPUs.

Needs the `vllm` package and a CUDA GPU; `VllmTeacherClient(...)` (what `make_teacher` builds for
`backend: vllm`) raises a `RuntimeError` naming whichever is missing, so CPU machines fail fast with a clear
message instead of deep inside vLLM. The request cache, budget and stats are the HTTP client's (`client.py`,
`budget.py`): a rerun serves completed requests from the same SQLite cache, and the budget is checked between
batches.

The N samples of one prompt (N requests that differ only in `sample_index`) go to vLLM as one conversation with
`SamplingParams(n=N)`, so the prompt is prefilled once; the i-th output answers the i-th smallest sample index.
The text comes back as the model wrote it: `reasoning_content` is None and splitting `<think>...</think>` off the
answer is the caller's job (vLLM's reasoning parsers belong to its server, not to `LLM.chat`).

What is reused from datatrove 0.10.1 (`datatrove/pipeline/inference/`): the choice of fields
(`reasoning` or `reasoning_content`, usage, finish_reason) in the HTTP client. Its runner is not used: its vLLM
backend is a `vllm serve` subprocess behind HTTP (which the `openai` backend already covers, pointed at any
server), its request cache (aiosqlite + xxhash, neither installed here) is keyed by document id and rollout index
and tied to its chunked Document checkpoints, and it has no Retry-After handling, jittered backoff, rate limits
or token/cost budget, which a paid API needs.
"""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tqdm import tqdm

from schemas.teacher import TeacherConfig
from stages.distill.budget import budget_reached
from stages.distill.client import TeacherClient
from stages.distill.types import TeacherRequest, TeacherResponse

# vllm.SamplingParams fields that may come through `sampling.extra_body` (the OpenAI-only ones are dropped).
_VLLM_SAMPLING_KEYS = {
    "top_k",
    "min_p",
    "presence_penalty",
    "frequency_penalty",
    "repetition_penalty",
    "stop",
    "stop_token_ids",
    "min_tokens",
    "skip_special_tokens",
    "spaces_between_special_tokens",
    "logprobs",
}


def vllm_unavailable_reason() -> str | None:
    """Why vLLM in-process cannot run here, or None when it can (vllm importable and a CUDA GPU visible)."""
    if importlib.util.find_spec("vllm") is None:
        return "the `vllm` package is not installed (pip install vllm, on a machine with a CUDA GPU)"
    try:
        import torch
    except ImportError:
        return "torch is not installed"
    if not torch.cuda.is_available():
        return "no CUDA GPU is visible (torch.cuda.is_available() is False)"
    return None


class VllmTeacherClient(TeacherClient):
    """`backend: vllm`: the model named in `config.model` loaded in this process with `config.vllm_kwargs`."""

    batch_conversations = 512  # conversations per LLM.chat call: the budget is checked and the cache committed between

    def __init__(self, config: TeacherConfig, cache_path: Path | None = None):
        reason = vllm_unavailable_reason()
        if reason is not None:
            raise RuntimeError(f"teacher.backend 'vllm' cannot run here: {reason}. Use backend 'openai' instead.")
        super().__init__(config, cache_path)
        self._llm: Any = None

    def _load(self) -> Any:
        if self._llm is None:
            from vllm import LLM

            self._llm = LLM(model=self.config.model, **self.config.vllm_kwargs)
        return self._llm

    def generate(self, requests: Iterable[TeacherRequest], progress: bool = True) -> Iterator[TeacherResponse]:
        """As `TeacherClient.generate`, run in the caller's thread (vLLM sets up its engine in the main thread)."""
        model = self.config.model
        groups: dict[str, list[tuple[TeacherRequest, str]]] = {}
        for request in requests:
            key = request.cache_key(model)
            hit = self._from_cache(request, key)
            if hit is not None:
                yield hit
                continue
            groups.setdefault(_group_key(request), []).append((request, key))
        batch: list[list[tuple[TeacherRequest, str]]] = []
        pending = list(groups.values())
        bar = tqdm(total=sum(len(g) for g in pending), unit="req", desc=f"vllm {model}", disable=not progress)
        try:
            for group in pending:
                if budget_reached(self.config, self.stats):
                    self.stats.budget_exhausted = True
                if self.stats.budget_exhausted:
                    self.stats.not_sent += len(group)
                    continue
                batch.append(group)
                if len(batch) >= self.batch_conversations:
                    yield from self._run_batch(batch, bar)
                    batch = []
            if batch:
                yield from self._run_batch(batch, bar)
        finally:
            bar.close()

    def _run_batch(self, batch: list[list[tuple[TeacherRequest, str]]], bar: tqdm) -> Iterator[TeacherResponse]:
        from vllm import SamplingParams as VllmSamplingParams

        conversations, params = [], []
        for group in batch:
            group.sort(key=lambda item: item[0].sample_index)
            first = group[0][0]
            sampling = first.sampling
            extra = {k: v for k, v in sampling.extra_body.items() if k in _VLLM_SAMPLING_KEYS}
            conversations.append([dict(m) for m in first.messages])
            params.append(
                VllmSamplingParams(
                    n=len(group),
                    temperature=sampling.temperature,
                    top_p=sampling.top_p,
                    max_tokens=sampling.max_tokens,
                    seed=None if sampling.seed is None else sampling.seed + first.sample_index,
                    **extra,
                )
            )
        started = time.monotonic()
        try:
            outputs = self._load().chat(conversations, sampling_params=params, use_tqdm=False)
        except Exception as exc:  # noqa: BLE001 - one failed batch becomes failed responses, not a crash
            for group in batch:
                for request, key in group:
                    response = self.failure_response(
                        request, f"vLLM error: {type(exc).__name__}: {exc}", 1, started, None
                    )
                    self._record(response, key)
                    bar.update(1)
                    yield response
            return
        elapsed = time.monotonic() - started
        for group, output in zip(batch, outputs, strict=True):
            prompt_tokens = len(output.prompt_token_ids or [])
            for (request, key), sample in zip(group, output.outputs, strict=True):
                response = TeacherResponse(
                    request=request,
                    content=sample.text,
                    reasoning_content=None,
                    finish_reason=sample.finish_reason,
                    prompt_tokens=prompt_tokens,
                    completion_tokens=len(sample.token_ids),
                    reasoning_tokens=0,
                    cached=False,
                    error=None,
                    attempts=1,
                    latency_s=elapsed,
                )
                self._record(response, key)
                bar.update(1)
                yield response


def _group_key(request: TeacherRequest) -> str:
    """Requests that differ only in sample_index share a group (one conversation, n samples)."""
    return json.dumps(
        [[dict(m) for m in request.messages], request.sampling.model_dump(mode="json")],
        sort_keys=True,
        ensure_ascii=False,
    )
