"""Acuity's wire formats: reading ``strtotime``-style datetimes, writing ISO 8601 with a colon-less offset
and the human-readable ``date``/``time`` strings ("July 2, 2013", "10:15am").

Acuity reads request datetimes with PHP's ``strtotime`` in the calendar's (or business's) zone. The
emulator accepts the forms seen in the wild (reference §1.6): ``2016-02-03T14:00:00-0800``, the same with
``-08:00`` or ``Z``, ``2016-02-03T14:00``, ``2016-02-03 14:00:00`` and ``2021-01-08 10:15AM``; a bare
``2016-02-03`` is midnight. A time without an offset is local to the given zone.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from medley.sandbox.acuity.errors import AcuityError, bad_request
from medley.scheduling import to_instant

_DATETIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<meridiem>[AaPp][Mm])?)?"
    r"\s*(?P<offset>Z|[+-]\d{2}:?\d{2})?$"
)
_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-\d{2})?$")


def read_zone(name: str) -> ZoneInfo:
    """An IANA zone, or Acuity's ``invalid_timezone`` 400."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise bad_request("invalid_timezone", f'Invalid timezone "{name}".') from None


def parse_datetime(text: str, zone: ZoneInfo) -> datetime | None:
    """The instant ``text`` names (local to ``zone`` when it carries no offset), or None if unreadable."""
    match = _DATETIME.match(text.strip())
    if match is None:
        return None
    try:
        day = date.fromisoformat(match.group("date"))
        wall = _wall_time(match)
    except ValueError:
        return None
    if wall is None:
        return None
    offset = match.group("offset")
    if offset is None:
        return to_instant(day, wall, zone)
    return datetime.combine(day, wall, tzinfo=_fixed_offset(offset)).astimezone(UTC)


def _wall_time(match: re.Match[str]) -> time | None:
    if match.group("hour") is None:
        return time(0)
    hour, minute = int(match.group("hour")), int(match.group("minute"))
    second = int(match.group("second") or 0)
    meridiem = (match.group("meridiem") or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    return time(hour, minute, second)  # ValueError past 23:59:59


def _fixed_offset(text: str) -> timezone:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def require_datetime(raw: object, zone: ZoneInfo) -> datetime:
    """A request's ``datetime``: ``required_datetime`` when absent, ``invalid_datetime`` when unreadable."""
    if raw is None or raw == "":
        raise bad_request("required_datetime", 'The parameter "datetime" is required.')
    parsed = parse_datetime(raw, zone) if isinstance(raw, str) else None
    if parsed is None:
        raise bad_request("invalid_datetime", f'The datetime "{raw}" is invalid.')
    return parsed


def parse_day(text: str | None, parameter: str) -> date:
    """A ``YYYY-MM-DD`` query parameter (strtotime also reads a datetime: its date counts)."""
    if not text:
        raise bad_request(f"required_{parameter}", f'The parameter "{parameter}" is required.')
    match = _DATETIME.match(text.strip())
    try:
        if match is not None:
            return date.fromisoformat(match.group("date"))
    except ValueError:
        pass
    raise bad_request(f"invalid_{parameter}", f'The {parameter} "{text}" is invalid.')


def parse_month(text: str | None) -> date:
    """The first day of a ``YYYY-MM`` month (a full date names its month too)."""
    if not text:
        raise bad_request("required_month", 'The parameter "month" is required.')
    match = _MONTH.match(text.strip())
    if match is not None and 1 <= int(match.group(2)) <= 12:
        return date(int(match.group(1)), int(match.group(2)), 1)
    raise bad_request("invalid_month", f'The month "{text}" is invalid.')


def iso(moment: datetime, zone: ZoneInfo) -> str:
    """``2013-07-02T10:15:00-0700``: ISO 8601 in ``zone`` with Acuity's colon-less offset."""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S%z")


def human_date(moment: datetime, zone: ZoneInfo) -> str:
    """``July 2, 2013``."""
    local = moment.astimezone(zone)
    return f"{local:%B} {local.day}, {local.year}"


def human_time(moment: datetime, zone: ZoneInfo) -> str:
    """``10:15am``."""
    local = moment.astimezone(zone)
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"


def money(text: str) -> str:
    """A price as Acuity writes it: a string with two decimals."""
    return f"{float(text):.2f}"


def int_parameter(raw: str | None, name: str) -> int | None:
    """An optional integer query parameter; a non-number is a 400."""
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise AcuityError(400, "bad_request", f'The parameter "{name}" must be a number.') from None


def flag(raw: str | None) -> bool:
    """A boolean query parameter as PHP reads one: ``true``/``1``/``yes`` are true."""
    return (raw or "").strip().lower() in {"true", "1", "yes", "on"}
