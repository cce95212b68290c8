"""The emulators' notion of now: injectable, so tests can pin the calendar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Returns the current instant, timezone-aware."""


def utc_now() -> datetime:
    return datetime.now(UTC)
