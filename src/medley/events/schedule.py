"""When a failed delivery is tried again: exponential backoff with jitter, for a little over 48 hours.

Delays after attempt 1, 2, …: 5 s, 1 min, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h (the sum is 51.6 h),
each stretched by a random 0-25 % so that receivers coming back up are not hit by every sender at once
(stretching only, so the schedule never ends before 48 h). ``MEDLEY_WEBHOOK_RETRY_SCALE`` multiplies it
(tests compress it). A ``Retry-After`` on 429 or 503 is honoured when later than the backoff (capped at a
day). After the 10th attempt fails the delivery is given up (still retryable by hand).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

RETRY_DELAYS_SECONDS: tuple[float, ...] = (5, 60, 300, 1800, 7200, 18000, 36000, 50400, 72000)
MAX_ATTEMPTS = len(RETRY_DELAYS_SECONDS) + 1
MAX_JITTER = 0.25
MAX_RETRY_AFTER_SECONDS = 86_400.0


def next_delay(attempts: int, *, scale: float, retry_after: float | None = None) -> timedelta | None:
    """The wait before the next attempt after ``attempts`` failed ones, or ``None`` when it is time to give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    base = RETRY_DELAYS_SECONDS[max(attempts, 1) - 1] * scale
    delay = base * (1 + random.uniform(0, MAX_JITTER))  # noqa: S311 - jitter, not security
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER_SECONDS))
    return timedelta(seconds=delay)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds form; an HTTP date is read as well)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
