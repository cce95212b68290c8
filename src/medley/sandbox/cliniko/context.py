"""What every part of a running emulator shares: its database, its key, its limits and its clock."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from medley.sandbox.cliniko.auth import ApiKey
from medley.sandbox.clock import Clock, utc_now
from medley.sandbox.database import Database
from medley.sandbox.faults import NO_FAULTS, FaultPlan
from medley.sandbox.rate_limit import FixedWindowRateLimiter


@dataclass
class SandboxContext:
    database: Database
    api_key: ApiKey
    rate_limiter: FixedWindowRateLimiter | None = None
    faults: FaultPlan = NO_FAULTS
    latency_seconds: float = 0.0
    clock: Clock = utc_now
    rng: random.Random = field(default_factory=random.Random)
    attachment_processing: timedelta = timedelta(0)
    """How long after its record is created an uploaded attachment finishes processing (0: synchronously)."""

    def now(self) -> datetime:
        """The current instant in UTC, whole seconds (Cliniko's wire format has no fractions)."""
        return self.clock().astimezone(UTC).replace(microsecond=0)
