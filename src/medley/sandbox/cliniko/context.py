"""What every part of a running emulator shares: its database, its key, its limits and its clock."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from medley.sandbox.cliniko.auth import ApiKey
from medley.sandbox.cliniko.db import Database
from medley.sandbox.cliniko.faults import NO_FAULTS, FaultPlan
from medley.sandbox.cliniko.rate_limit import FixedWindowRateLimiter

Clock = Callable[[], datetime]
"""Returns the current instant, timezone-aware."""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class SandboxContext:
    database: Database
    api_key: ApiKey
    rate_limiter: FixedWindowRateLimiter | None = None
    faults: FaultPlan = NO_FAULTS
    latency_seconds: float = 0.0
    clock: Clock = utc_now
    rng: random.Random = field(default_factory=random.Random)

    def now(self) -> datetime:
        """The current instant in UTC, whole seconds (Cliniko's wire format has no fractions)."""
        return self.clock().astimezone(UTC).replace(microsecond=0)
