"""Short constructors for instants and intervals, so scheduling tests read like a diary."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from medley.scheduling import Interval, WorkingPeriod

LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz)


def hours(start: str, end: str) -> WorkingPeriod:
    """``hours("09:00", "12:30")``."""
    return WorkingPeriod(time.fromisoformat(start), time.fromisoformat(end))


def span(start: datetime, end: datetime) -> Interval:
    return Interval(start, end)


def local_day(tz: ZoneInfo, day: date) -> Interval:
    """The whole local calendar day, however long DST makes it."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(date.fromordinal(day.toordinal() + 1), time(0), tzinfo=tz)
    return Interval(start, end)
