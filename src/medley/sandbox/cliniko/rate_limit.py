"""Cliniko's request budget: a fixed 60-second window per API key (200 requests by default).

Memory stays flat: counters live only for the current window; the first request of a new window drops
the previous one's counters, so the table never holds more than one window's keys.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from starlette.responses import JSONResponse, Response


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


def too_many_requests(reset_at: int, now: float, headers: dict[str, str] | None = None) -> Response:
    """The 429 answer: ``X-RateLimit-Reset`` as Cliniko sends it, ``Retry-After`` as an extension."""
    retry_after = max(math.ceil(reset_at - now), 1)
    return JSONResponse(
        {"message": "Too Many Requests"},
        status_code=429,
        headers={**(headers or {}), "X-RateLimit-Reset": str(reset_at), "Retry-After": str(retry_after)},
    )
