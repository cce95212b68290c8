"""Online-booking limits that thin bookable starts out: a cap per part of the day, a daily bookings limit.

Cliniko's online-booking settings (its ``available_times`` obeys them):

* ``max_appointments_per_day_segment``: at most N start times shown per day segment, the segments being the
  morning (before noon), the afternoon (noon to 5 pm) and the evening (from 5 pm), in the business's wall
  clock. The first N starts of each segment are kept.
* ``daily_bookings_limit``: once a practitioner has that many appointments on a local day, that day shows no
  start times.

``0`` (or less) means no limit. Pure functions: instants and a zone in, instants out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

NOON: Final = 12
EVENING: Final = 17


def day_segment(moment: datetime, zone: ZoneInfo) -> tuple[date, int]:
    """The local day of ``moment`` and its segment there: 0 morning, 1 afternoon, 2 evening."""
    local = moment.astimezone(zone)
    hour = local.hour
    return local.date(), 0 if hour < NOON else (1 if hour < EVENING else 2)


def capped_per_day_segment(starts: Iterable[datetime], zone: ZoneInfo, cap: int) -> Iterator[datetime]:
    """``starts`` (in order) keeping at most ``cap`` per local day segment; all of them when ``cap <= 0``."""
    if cap <= 0:
        yield from starts
        return
    shown: Counter[tuple[date, int]] = Counter()
    for start in starts:
        segment = day_segment(start, zone)
        if shown[segment] < cap:
            shown[segment] += 1
            yield start


def days_at_limit(appointment_starts: Iterable[datetime], zone: ZoneInfo, limit: int) -> set[date]:
    """The local days holding ``limit`` or more appointments; none when ``limit <= 0``."""
    if limit <= 0:
        return set()
    per_day = Counter(start.astimezone(zone).date() for start in appointment_starts)
    return {day for day, count in per_day.items() if count >= limit}


def outside_full_days(starts: Iterable[datetime], zone: ZoneInfo, full: set[date]) -> Iterator[datetime]:
    """``starts`` on local days not in ``full``."""
    if not full:
        yield from starts
        return
    for start in starts:
        if start.astimezone(zone).date() not in full:
            yield start
