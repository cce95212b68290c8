"""What every part of a running Acuity emulator shares: its database, credentials, limits and clocks."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from medley.sandbox.acuity.auth import Credentials
from medley.sandbox.acuity.webhooks import WebhookDispatcher
from medley.sandbox.clock import Clock, utc_now
from medley.sandbox.database import Database
from medley.sandbox.faults import NO_FAULTS, FaultPlan
from medley.sandbox.rate_limit import ConcurrencyLimiter, FixedWindowRateLimiter


@dataclass
class AcuityContext:
    database: Database
    credentials: Credentials
    rate_limiter: FixedWindowRateLimiter | None = None
    """Requests per second per source address (Acuity: 10)."""
    concurrency: ConcurrencyLimiter | None = None
    """Requests in flight per source address (Acuity: 20)."""
    faults: FaultPlan = NO_FAULTS
    latency_seconds: float = 0.0
    clock: Clock = utc_now
    """The practice's calendar "now": availability, notice and history follow it (tests pin it)."""
    rate_clock: Callable[[], float] = time.time
    """Epoch seconds for the rate limit's windows: real time even when ``clock`` is pinned."""
    rng: random.Random = field(default_factory=random.Random)
    webhooks: WebhookDispatcher = field(default_factory=WebhookDispatcher)

    def now(self) -> datetime:
        """The current instant in UTC, whole seconds (Acuity's wire format has no fractions)."""
        return self.clock().astimezone(UTC).replace(microsecond=0)
