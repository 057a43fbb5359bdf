"""The config of a distillation teacher: which model to ask, how hard, and how much it may cost.

One `TeacherConfig` drives both backends (an OpenAI-compatible HTTP server or vLLM in-process). The API key is
never part of the config: only the *name* of the environment variable that holds it (`api_key_env`), read at run
time, so configs, manifests and logs can be written and shared without leaking it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from schemas.section import ConfigSection


class SamplingParams(ConfigSection):
    """Sampling settings sent with every request; all of them are part of the request cache key."""

    temperature: float = Field(default=0.6, ge=0.0, le=2.0, description="Sampling temperature (R1 recommends 0.6).")
    top_p: float = Field(default=0.95, gt=0.0, le=1.0, description="Nucleus sampling probability mass.")
    max_tokens: int = Field(
        default=4096, ge=1, description="Most completion tokens (reasoning included) the teacher may write."
    )
    seed: int | None = Field(
        default=None, description="Sampling seed passed to the server (vLLM honours it; some APIs ignore it)."
    )
    extra_body: dict[str, Any] = Field(
        default_factory=dict,
        description="Extra JSON fields merged into the request body (e.g. `top_k`, `chat_template_kwargs`).",
    )


class ModelPrice(ConfigSection):
    """USD per million tokens of one model, as on the provider's price page."""

    input_per_mtok: float = Field(ge=0.0, description="USD per million prompt tokens (cache miss).")
    output_per_mtok: float = Field(ge=0.0, description="USD per million completion tokens (reasoning included).")
    cached_input_per_mtok: float | None = Field(
        default=None,
        ge=0.0,
        description="USD per million prompt tokens served from the provider's prefix cache "
        "(`usage.prompt_cache_hit_tokens` / `prompt_tokens_details.cached_tokens`); null: same as input.",
    )


class TeacherConfig(ConfigSection):
    backend: Literal["openai", "vllm"] = Field(
        default="openai",
        description="`openai`: any OpenAI-compatible /v1/chat/completions server (DeepSeek API, vLLM/SGLang "
        "servers, Ollama, `transformers serve`); `vllm`: vLLM in-process on this machine's GPUs.",
    )
    base_url: str = Field(
        default="https://api.deepseek.com/v1",
        description="Base URL of the OpenAI-compatible API, up to and including `/v1`.",
    )
    model: str = Field(description="Model name sent to the server (`vllm`: a model path or Hub id to load). Required.")
    api_key_env: str = Field(
        default="OPENAI_API_KEY",
        description="Name of the environment variable holding the API key, read at run time and never written "
        "anywhere; unset or empty: no Authorization header (local servers on plain http; an https base_url without a "
        "key is an error before any request).",
    )
    concurrency: int = Field(default=32, ge=1, description="Most requests in flight at once.")
    timeout_s: float = Field(
        default=600.0, gt=0.0, description="Seconds one HTTP request may take before it is retried."
    )
    connect_timeout_s: float = Field(default=10.0, gt=0.0, description="Seconds to open a connection.")
    max_retries: int = Field(
        default=6, ge=0, description="Retries of one request after a 429/5xx/timeout/connection reset."
    )
    backoff_base_s: float = Field(
        default=1.0, ge=0.0, description="Backoff before retry k is uniform in [0, min(max, base * 2**k)]."
    )
    backoff_max_s: float = Field(
        default=60.0, ge=0.0, description="Cap of one backoff wait; a server's Retry-After is honoured as sent."
    )
    requests_per_minute: int | None = Field(
        default=None, ge=1, description="Most requests started per minute (token bucket); null: no limit."
    )
    tokens_per_minute: int | None = Field(
        default=None,
        ge=1,
        description="Most tokens per minute (token bucket): a request reserves prompt chars/4 + max_tokens "
        "before it is sent; the reservation is corrected with the real usage after. null: no limit.",
    )
    max_total_tokens: int | None = Field(
        default=None,
        ge=1,
        description="Budget: once the prompt + completion tokens of the requests this run sent reach this, no new "
        "request is sent (in-flight ones finish; the rest count as not_sent). Responses served from the request "
        "cache cost nothing and do not count. null: no limit.",
    )
    max_cost_usd: float | None = Field(
        default=None,
        gt=0.0,
        description="Budget in USD spent by this run (needs a `prices` entry for `model`): once reached, no new "
        "request is sent, as for `max_total_tokens`.",
    )
    prices: dict[str, ModelPrice] = Field(
        default_factory=dict, description="Model name -> price, for the cost in the stats and `max_cost_usd`."
    )
    sampling: SamplingParams = Field(
        default_factory=SamplingParams, description="Default sampling settings of the requests."
    )
    # vLLM in-process only.
    vllm_kwargs: dict[str, Any] = Field(
        default_factory=dict,
        description="`vllm` backend: extra keyword arguments of `vllm.LLM(...)` (tensor_parallel_size, "
        "gpu_memory_utilization, max_model_len, ...).",
    )

    @model_validator(mode="after")
    def _cost_budget_needs_price(self) -> TeacherConfig:
        if self.max_cost_usd is not None and self.model not in self.prices:
            raise ValueError(
                f"max_cost_usd is set but prices has no entry for model {self.model!r}; add prices.{self.model}"
            )
        return self

    def price(self) -> ModelPrice | None:
        """The price of `model`, if the table has one."""
        return self.prices.get(self.model)
