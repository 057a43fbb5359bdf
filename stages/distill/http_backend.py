"""One attempt at an OpenAI-compatible `/v1/chat/completions` request, over aiohttp.

Works with the DeepSeek API, vLLM and SGLang servers, Ollama's `/v1` and `transformers serve`. aiohttp rather than
httpx: at a few hundred requests in flight its client costs less CPU per request, and the client's CPU is what
limits throughput at high concurrency (see bench/distill_bench.py). An attempt either returns a `ChatCompletion`
or raises `TransientError` (worth retrying: 429, 5xx, timeouts, connection resets) or `PermanentError` (not worth
retrying: 400/401/404, malformed JSON, no choices). Retries, backoff and rate limits are the client's business.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from schemas.teacher import TeacherConfig
from stages.distill.retry import is_retryable_status, parse_retry_after
from stages.distill.types import TeacherRequest

_BODY_SNIPPET = 300  # characters of an error body kept in the error message


class TransientError(Exception):
    """A failure worth retrying; `retry_after_s` is the server's Retry-After, if it sent one."""

    def __init__(self, message: str, status: int | None = None, retry_after_s: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after_s = retry_after_s


class PermanentError(Exception):
    """A failure that a retry would repeat: the request is wrong or the answer unreadable."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass
class ChatCompletion:
    content: str | None
    reasoning_content: str | None
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int
    cached_prompt_tokens: int


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def parse_completion(payload: bytes | str) -> ChatCompletion:
    """The fields refinery keeps from a chat completion body; `PermanentError` when it is not one."""
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PermanentError(f"malformed JSON in response: {exc}; body starts {_snippet(payload)!r}") from None
    if not isinstance(data, dict):
        raise PermanentError(f"response is a JSON {type(data).__name__}, not an object")
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        detail = data.get("error") or _snippet(payload)
        raise PermanentError(f"response has no choices: {detail!r}")
    choice = choices[0]
    message = choice.get("message")
    if not isinstance(message, dict):
        raise PermanentError("response choice has no message")
    content = message.get("content")
    # DeepSeek and vLLM < 0.10 send `reasoning_content`; vLLM >= 0.10, Ollama and OpenRouter send `reasoning`.
    reasoning = message.get("reasoning_content")
    if reasoning is None:
        reasoning = message.get("reasoning")
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    details = (
        usage.get("completion_tokens_details") if isinstance(usage.get("completion_tokens_details"), dict) else {}
    )
    prompt_details = usage.get("prompt_tokens_details") if isinstance(usage.get("prompt_tokens_details"), dict) else {}
    # DeepSeek reports its prefix-cache hits as prompt_cache_hit_tokens, OpenAI as prompt_tokens_details.cached_tokens.
    cached_prompt = _int(usage.get("prompt_cache_hit_tokens")) or _int(prompt_details.get("cached_tokens"))
    return ChatCompletion(
        content=content if isinstance(content, str) else None,
        reasoning_content=reasoning if isinstance(reasoning, str) else None,
        finish_reason=choice.get("finish_reason") if isinstance(choice.get("finish_reason"), str) else None,
        prompt_tokens=_int(usage.get("prompt_tokens")),
        completion_tokens=_int(usage.get("completion_tokens")),
        reasoning_tokens=_int(details.get("reasoning_tokens")),
        cached_prompt_tokens=cached_prompt,
    )


def _snippet(payload: bytes | str) -> str:
    text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
    return text[:_BODY_SNIPPET]


def request_body(model: str, request: TeacherRequest) -> dict[str, Any]:
    """The JSON body of a chat completion request: messages, sampling params, then `extra_body` on top."""
    sampling = request.sampling
    body: dict[str, Any] = {
        "model": model,
        "messages": [dict(m) for m in request.messages],
        "temperature": sampling.temperature,
        "top_p": sampling.top_p,
        "max_tokens": sampling.max_tokens,
        "stream": False,
    }
    if sampling.seed is not None:
        # N samples of one prompt with one seed would all be the same sample: each gets its own seed.
        body["seed"] = sampling.seed + request.sample_index
    body.update(sampling.extra_body)
    return body


class OpenAIChatBackend:
    """An aiohttp session to one OpenAI-compatible server. Use as `async with`; holds the API key, never shows it."""

    def __init__(self, config: TeacherConfig, api_key: str | None):
        self.config = config
        self.url = config.base_url.rstrip("/") + "/chat/completions"
        self._api_key = api_key
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        key = "***" if self._api_key else None
        return f"OpenAIChatBackend(url={self.url!r}, model={self.config.model!r}, api_key={key})"

    async def __aenter__(self) -> OpenAIChatBackend:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        # One connection per request in flight (aiohttp's default caps a session at 100 connections).
        connector = aiohttp.TCPConnector(limit=self.config.concurrency, limit_per_host=0, ttl_dns_cache=300)
        timeout = aiohttp.ClientTimeout(total=self.config.timeout_s, sock_connect=self.config.connect_timeout_s)
        self._session = aiohttp.ClientSession(connector=connector, timeout=timeout, headers=headers)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def complete(self, request: TeacherRequest) -> ChatCompletion:
        """One attempt; raises TransientError or PermanentError."""
        assert self._session is not None, "use OpenAIChatBackend as `async with`"
        data = json.dumps(request_body(self.config.model, request), ensure_ascii=False).encode("utf-8")
        try:
            async with self._session.post(self.url, data=data) as resp:
                payload = await resp.read()
                status = resp.status
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
        except TimeoutError:
            raise TransientError(f"timed out after {self.config.timeout_s:g} s") from None
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
            # Connection refused or reset, server disconnected mid-answer, truncated body.
            raise TransientError(f"connection error: {type(exc).__name__}: {exc}") from None
        if status != 200:
            message = f"HTTP {status}: {_snippet(payload)}"
            if is_retryable_status(status):
                raise TransientError(message, status=status, retry_after_s=retry_after)
            raise PermanentError(message, status=status)
        return parse_completion(payload)
