"""Requests-per-minute and tokens-per-minute limits as asyncio token buckets.

A bucket refills continuously at `rate` units per second up to `capacity`. `acquire(n)` waits until the bucket
holds min(n, capacity) and then takes n, so one request larger than the capacity (a long prompt with a large
max_tokens) is still sent, once the bucket is full, and leaves the bucket in debt: the long-run rate holds
whatever the request sizes. `refund(n)` gives back what a reservation overestimated (tokens per minute are
reserved as prompt chars/4 + max_tokens before a request and corrected with the real usage after it).
"""

from __future__ import annotations

import asyncio
import time


class TokenBucket:
    """A token bucket shared by the coroutines of one event loop; waiters are served first come, first served."""

    def __init__(self, rate_per_s: float, capacity: float):
        if rate_per_s <= 0 or capacity <= 0:
            raise ValueError(f"rate_per_s and capacity must be > 0, got {rate_per_s} and {capacity}")
        self.rate = rate_per_s
        self.capacity = capacity
        self.level = capacity
        self._stamp = time.monotonic()
        self._lock = asyncio.Lock()  # FIFO: one waiter at a time watches the level, the others queue behind it

    @classmethod
    def per_minute(cls, limit: int, burst_s: float = 1.0) -> TokenBucket:
        """A bucket for `limit` units per minute holding `burst_s` seconds' worth (at least one unit)."""
        rate = limit / 60.0
        return cls(rate, max(1.0, rate * burst_s))

    def _refill(self) -> None:
        now = time.monotonic()
        self.level = min(self.capacity, self.level + (now - self._stamp) * self.rate)
        self._stamp = now

    async def acquire(self, amount: float = 1.0) -> None:
        """Wait until `amount` (capped at the capacity) is available, then take `amount`."""
        need = min(amount, self.capacity)
        async with self._lock:
            self._refill()
            while self.level < need:
                await asyncio.sleep((need - self.level) / self.rate)
                self._refill()
            self.level -= amount

    def refund(self, amount: float) -> None:
        """Return `amount` units (negative: take more, e.g. when real usage exceeded the reservation)."""
        self._refill()
        self.level = min(self.capacity, self.level + amount)
