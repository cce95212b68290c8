"""Request budgets the emulators enforce, in memory: requests per fixed window, and requests in flight.

* `FixedWindowRateLimiter` counts requests per key in aligned windows: Cliniko's 200 per minute per key,
  Acuity's 10 per second per source address. Memory stays flat: counters live only for the current
  window; the first request of a new window drops the previous one's counters.
* `ConcurrencyLimiter` counts requests in flight per key: Acuity's 20 concurrent connections per address.
  A key's counter is removed when its last request ends, so idle keys cost nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: int
    """Epoch seconds when the current window ends (``X-RateLimit-Reset``)."""

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
        }


class FixedWindowRateLimiter:
    """Counts requests per key in aligned windows (``[k * window, (k + 1) * window)`` epoch seconds)."""

    def __init__(self, limit: int, window_seconds: int = 60) -> None:
        if limit <= 0:
            raise ValueError(f"The rate limit must be positive, got {limit}.")
        if window_seconds <= 0:
            raise ValueError(f"The window must be positive, got {window_seconds}.")
        self.limit = limit
        self.window_seconds = window_seconds
        self._window = -1
        self._counts: dict[str, int] = {}

    def hit(self, key: str, now: float) -> RateDecision:
        """Counts one request for ``key`` at ``now`` (epoch seconds) and says whether it may proceed."""
        window = math.floor(now / self.window_seconds)
        if window != self._window:
            self._window = window
            self._counts = {}
        count = self._counts.get(key, 0) + 1
        self._counts[key] = count
        return RateDecision(
            allowed=count <= self.limit,
            limit=self.limit,
            remaining=max(self.limit - count, 0),
            reset_at=(window + 1) * self.window_seconds,
        )

    @property
    def tracked_keys(self) -> int:
        """How many keys the current window holds (for tests and monitoring)."""
        return len(self._counts)


class ConcurrencyLimiter:
    """Admits at most ``limit`` requests in flight per key; `release` must follow every admitted `acquire`."""

    def __init__(self, limit: int) -> None:
        if limit <= 0:
            raise ValueError(f"The concurrency limit must be positive, got {limit}.")
        self.limit = limit
        self._in_flight: dict[str, int] = {}

    def acquire(self, key: str) -> bool:
        """Counts one more request in flight for ``key``, or answers False (and counts nothing) when full."""
        current = self._in_flight.get(key, 0)
        if current >= self.limit:
            return False
        self._in_flight[key] = current + 1
        return True

    def release(self, key: str) -> None:
        remaining = self._in_flight.get(key, 0) - 1
        if remaining > 0:
            self._in_flight[key] = remaining
        else:
            self._in_flight.pop(key, None)

    def in_flight(self, key: str) -> int:
        return self._in_flight.get(key, 0)
