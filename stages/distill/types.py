"""What goes to a teacher and what comes back: requests, responses and the run's counters."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from schemas.teacher import ModelPrice, SamplingParams


@dataclass(frozen=True)
class TeacherRequest:
    """One chat completion to ask for. N samples of one prompt are N requests with sample_index 0..N-1."""

    messages: tuple[dict[str, str], ...] | list[dict[str, str]]  # OpenAI chat messages
    sampling: SamplingParams
    sample_index: int = 0  # part of the cache key: the same prompt sampled twice is two requests
    tag: str = ""  # the caller's id (e.g. the prompt id); not part of the cache key

    def cache_key(self, model: str) -> str:
        """sha256 over (model, messages, sampling params, sample_index): equal keys mean the same paid request."""
        payload = {
            "model": model,
            "messages": [dict(m) for m in self.messages],
            "sampling": self.sampling.model_dump(mode="json"),
            "sample_index": self.sample_index,
        }
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def estimated_tokens(self) -> int:
        """Tokens to reserve against a tokens-per-minute limit before sending: prompt chars/4 + max_tokens."""
        chars = sum(len(str(m.get("content") or "")) for m in self.messages)
        return chars // 4 + self.sampling.max_tokens


@dataclass
class TeacherResponse:
    """The answer to one request: served from the cache, answered by the teacher, or failed (`error` set)."""

    request: TeacherRequest
    content: str | None
    reasoning_content: str | None  # as the server sent it (DeepSeek / vLLM reasoning parsers), else None
    finish_reason: str | None  # "length": truncated at max_tokens, the content is kept
    prompt_tokens: int
    completion_tokens: int  # includes the reasoning tokens
    reasoning_tokens: int
    cached: bool  # served from the persistent request cache, not sent
    error: str | None  # failed after retries, rejected by the server, malformed response, ...
    attempts: int
    latency_s: float
    cached_prompt_tokens: int = 0  # prompt tokens the provider served from its prefix cache (cheaper)
    cost_usd: float = 0.0  # what the request cost when it was sent (price table); 0 without a price
    status: int | None = None  # HTTP status of the last attempt (None for vLLM in-process and network errors)

    @property
    def ok(self) -> bool:
        return self.error is None

    # Fields stored in the request cache: the answer, not the request (which the key stands for) or run facts.
    _CACHED_FIELDS = (
        "content",
        "reasoning_content",
        "finish_reason",
        "prompt_tokens",
        "completion_tokens",
        "reasoning_tokens",
        "cached_prompt_tokens",
        "cost_usd",
        "attempts",
        "latency_s",
    )

    def to_cache(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._CACHED_FIELDS}

    @classmethod
    def from_cache(cls, request: TeacherRequest, stored: dict[str, Any]) -> TeacherResponse:
        """A cached response; `cost_usd` and `attempts` keep what the original request cost."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in stored.items() if k in known}
        values.update(request=request, cached=True, error=None)
        values.setdefault("attempts", 0)
        values.setdefault("latency_s", 0.0)
        for name in ("content", "reasoning_content", "finish_reason"):
            values.setdefault(name, None)
        for name in ("prompt_tokens", "completion_tokens", "reasoning_tokens"):
            values.setdefault(name, 0)
        return cls(**values)


def cost_usd(
    price: ModelPrice | None, prompt_tokens: int, completion_tokens: int, cached_prompt_tokens: int = 0
) -> float:
    """USD for one request from a per-million-token price; 0 without a price."""
    if price is None:
        return 0.0
    cached = min(max(cached_prompt_tokens, 0), prompt_tokens)
    cached_rate = price.input_per_mtok if price.cached_input_per_mtok is None else price.cached_input_per_mtok
    return (
        (prompt_tokens - cached) * price.input_per_mtok
        + cached * cached_rate
        + completion_tokens * price.output_per_mtok
    ) / 1e6


@dataclass
class ClientStats:
    """Counters of a client, summed over its `generate` calls. Token and cost totals are what this client *spent*
    (sent requests); cached responses cost nothing now and are counted in `cached` only."""

    sent: int = 0  # requests sent to the teacher that ended (answered or failed), retries not counted
    cached: int = 0  # served from the persistent request cache
    failed: int = 0  # sent but failed (error set): retries exhausted, 4xx, malformed response
    retried: int = 0  # retry attempts over all requests
    truncated: int = 0  # answered with finish_reason "length"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cached_prompt_tokens: int = 0
    cost_usd: float = 0.0
    budget_exhausted: bool = False
    not_sent: int = 0  # requests skipped because the budget ran out

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["total_tokens"] = self.total_tokens
        out["cost_usd"] = round(self.cost_usd, 6)
        return out
