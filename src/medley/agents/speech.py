"""Times as a voice agent says them: "Tuesday 3 December at 9:30 am", in the care unit's own zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def spoken_time(moment: datetime, zone: ZoneInfo) -> str:
    """A local phrase for ``moment``: weekday, day, month and a 12-hour clock ("9 am" on the hour)."""
    local = moment.astimezone(zone)
    hour = local.hour % 12 or 12
    clock = f"{hour}:{local.minute:02d}" if local.minute else str(hour)
    return f"{spoken_day(local.date())} at {clock} {'am' if local.hour < 12 else 'pm'}"


def spoken_day(day: date) -> str:
    return f"{day.strftime('%A')} {day.day} {day.strftime('%B')}"


def local_iso(moment: datetime, zone: ZoneInfo) -> str:
    """ISO-8601 with the care unit's offset, so that the clock time reads as the clinic's."""
    return moment.astimezone(zone).isoformat()
