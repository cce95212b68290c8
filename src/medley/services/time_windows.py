"""Time windows given by clients: defaults, limits, and naive times read in the care unit's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from medley.domain.errors import DetailCode, MedleyError


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime


def localise(moment: datetime, tz: ZoneInfo) -> datetime:
    """A datetime without offset is read as wall-clock time in the care unit's zone."""
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def resolve_window(
    start: datetime | None,
    end: datetime | None,
    *,
    tz: ZoneInfo,
    default_days: int,
    max_days: int,
    now: datetime | None = None,
    clamp_to_now: bool = True,
) -> Window:
    """Fill in a missing bound, and refuse windows that are inverted or longer than ``max_days``."""
    # Whole seconds, as EHR clocks and slots have: reads within one second then ask the same window, and share
    # one answer (sync/reader.py keeps recent answers).
    current = (now or datetime.now(UTC)).replace(microsecond=0)
    begin = localise(start, tz) if start else current
    if clamp_to_now and begin < current:
        begin = current
    finish = localise(end, tz) if end else begin + timedelta(days=default_days)
    if finish <= begin:
        raise MedleyError.bad_request(
            "The window is empty: 'end' must be after 'start' (and after now).",
            DetailCode.INVALID_TIME_WINDOW,
            path="end",
        )
    if finish - begin > timedelta(days=max_days):
        raise MedleyError.bad_request(
            f"The window is longer than the maximum of {max_days} days.",
            DetailCode.INVALID_TIME_WINDOW,
            path="end",
        )
    return Window(begin.astimezone(UTC), finish.astimezone(UTC))
