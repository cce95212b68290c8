"""Cliniko's working-hours records as inputs for the pure scheduling core (no I/O).

``daily_availabilities`` give weekly wall-clock hours; ``availability_blocks`` add one-off time;
``unavailable_blocks`` take time away. Cliniko's ``day_of_week`` is 0 = Sunday … 6 = Saturday in its
current spec, but its older docs used ISO 1 = Monday … 7 = Sunday: a 7 anywhere means ISO.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import time
from typing import Any

from medley.connectors.cliniko.mapping import linked_id, parse_instant
from medley.scheduling import Interval, WorkingPeriod

logger = logging.getLogger("medley.connectors.cliniko")

_MIDNIGHT = time(0)


def python_weekday(day_of_week: int, *, iso: bool) -> int:
    """Cliniko's day number as Python's ``weekday()`` (0 = Monday)."""
    return day_of_week - 1 if iso else (day_of_week - 1) % 7


def weekly_hours(
    records: Iterable[Mapping[str, Any]], *, business_id: str, practitioner_id: str
) -> dict[int, list[WorkingPeriod]]:
    """Working periods per Python weekday from the practitioner's daily availabilities at one business."""
    relevant = [
        record
        for record in records
        if linked_id(record, "business") in (None, business_id)
        and linked_id(record, "practitioner") in (None, practitioner_id)
        and isinstance(record.get("day_of_week"), int)
    ]
    iso = any(record["day_of_week"] == 7 for record in relevant)
    weekly: dict[int, list[WorkingPeriod]] = {}
    for record in relevant:
        day = int(record["day_of_week"])
        if not (1 if iso else 0) <= day <= (7 if iso else 6):
            continue
        for availability in record.get("availabilities") or []:
            period = _period(availability)
            if period is not None:
                weekly.setdefault(python_weekday(day, iso=iso), []).append(period)
    return weekly


def _period(availability: Any) -> WorkingPeriod | None:
    if not isinstance(availability, Mapping):
        return None
    start = _wall_clock(availability.get("starts_at"))
    end = _wall_clock(availability.get("ends_at"))
    if start is None or end is None:
        return None
    try:
        return WorkingPeriod(start, end)
    except ValueError:
        logger.warning("cliniko: skipped a daily availability that does not fit in one day")
        return None


def _wall_clock(value: Any) -> time | None:
    """``"09:00"`` (or ``"09:00:00"``); ``"24:00"`` is the end of the day, i.e. midnight."""
    if not isinstance(value, str):
        return None
    if value.strip() in ("24:00", "24:00:00"):
        return _MIDNIGHT
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        return None


def block_intervals(
    records: Iterable[Mapping[str, Any]],
    *,
    practitioner_id: str,
    business_id: str | None = None,
    window: Interval | None = None,
) -> list[Interval]:
    """The UTC intervals of availability or unavailable blocks of one practitioner.

    ``business_id`` keeps only that business's blocks (extra availability is per business; time off
    is not: a practitioner away at one business is away everywhere). Archived blocks are dropped.
    """
    intervals: list[Interval] = []
    for record in records:
        if record.get("archived_at"):
            continue
        if linked_id(record, "practitioner") not in (None, practitioner_id):
            continue
        if business_id is not None and linked_id(record, "business") not in (None, business_id):
            continue
        start = parse_instant(record.get("starts_at"))
        end = parse_instant(record.get("ends_at"))
        if start is None or end is None or end <= start:
            continue
        interval = Interval(start, end)
        if window is None or interval.overlaps(window):
            intervals.append(interval)
    return intervals
