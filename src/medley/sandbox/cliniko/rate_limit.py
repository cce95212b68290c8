"""Cliniko's request budget: a fixed 60-second window per API key (200 requests by default), and its 429.

The counting is the shared `medley.sandbox.rate_limit.FixedWindowRateLimiter`.
"""

from __future__ import annotations

import math

from starlette.responses import JSONResponse, Response


def too_many_requests(reset_at: int, now: float, headers: dict[str, str] | None = None) -> Response:
    """The 429 answer: ``X-RateLimit-Reset`` as Cliniko sends it, ``Retry-After`` as an extension."""
    retry_after = max(math.ceil(reset_at - now), 1)
    return JSONResponse(
        {"message": "Too Many Requests"},
        status_code=429,
        headers={**(headers or {}), "X-RateLimit-Reset": str(reset_at), "Retry-After": str(retry_after)},
    )
