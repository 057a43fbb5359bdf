"""When to retry a teacher request and how long to wait before the next attempt.

Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): attempt k waits a
uniform random time in [0, min(cap, base * 2**k)], which spreads a burst of failed requests out instead of
retrying them in lock step. A server's `Retry-After` (seconds or an HTTP date) replaces the random wait.
"""

from __future__ import annotations

import random
import time
from email.utils import parsedate_to_datetime

# 408 Request Timeout and 409 (vLLM answers it on a busy engine) are transient too; 429 is rate limiting.
RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


def is_retryable_status(status: int) -> bool:
    """True for rate limiting and transient server errors; 400/401/403/404/422 mean the request itself is wrong."""
    return status in RETRYABLE_STATUS or status >= 520  # 52x: Cloudflare's origin errors in front of many APIs


def backoff_s(attempt: int, base_s: float, max_s: float, rng: random.Random | None = None) -> float:
    """Full-jitter wait before retry number `attempt` (0 for the first retry)."""
    ceiling = min(max_s, base_s * (2**attempt))
    return (rng or random).uniform(0.0, ceiling)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
