"""Repeat rules carried out: the repeats Cliniko creates for an appointment or block written with one.

A rule ``{"repeat_type": "Weekly", "repeating_interval": 2, "number_of_repeats": 3}`` makes three more
records, every second week after the first, each linked back to it (``repeated_from``). Steps are taken
on the business's wall clock, so a weekly 09:00 stays at 09:00 across a DST change; a monthly repeat
from the 31st lands on the last day of shorter months.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medley.sandbox.cliniko.tables import Business


def repeat_starts(starts_at: datetime, rule: Mapping[str, Any] | None, zone: ZoneInfo) -> list[datetime]:
    """The starts (UTC) of the repeats a rule makes after the first occurrence at ``starts_at``."""
    if not rule or not rule.get("repeat_type"):
        return []
    local = starts_at.astimezone(zone)
    interval, count = int(rule["repeating_interval"]), int(rule["number_of_repeats"])
    starts = []
    for index in range(1, count + 1):
        day = _step(local.date(), str(rule["repeat_type"]), interval * index)
        wall = datetime.combine(day, local.time().replace(tzinfo=None)).replace(tzinfo=zone)
        starts.append(wall.astimezone(UTC))
    return starts


def _step(start: date, repeat_type: str, steps: int) -> date:
    if repeat_type == "Daily":
        return start + timedelta(days=steps)
    if repeat_type == "Weekly":
        return start + timedelta(weeks=steps)
    months = start.month - 1 + steps
    year, month = start.year + months // 12, months % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


async def business_zone(session: AsyncSession, business_id: int) -> ZoneInfo:
    identifier = await session.scalar(select(Business.time_zone_identifier).where(Business.id == business_id))
    return ZoneInfo(identifier or "UTC")
