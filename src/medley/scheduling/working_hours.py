"""Weekly wall-clock working hours turned into UTC instants, one local day at a time.

A practitioner who works 09:00–17:00 works 09:00–17:00 *local* every day, so across a DST change the
UTC instants shift. Each period is resolved on its own date with `zoneinfo`, never by adding 24 hours.

Wall-clock times that a DST change makes odd are resolved by two rules, applied to starts and ends alike:

* **Gap** (spring forward; the time never happens, e.g. 01:30 in Europe/London on the last Sunday of
  March): the time moves forward to the first instant after the gap, i.e. the moment of the change.
  A period that lies wholly inside a gap therefore vanishes, and one that starts inside it starts when
  the clocks have jumped.
* **Overlap** (fall back; the time happens twice, e.g. 01:30 in Europe/London on the last Sunday of
  October): the time means its first occurrence (``fold=0``). A period lying wholly inside the
  repeated hour keeps its wall-clock length, and a period *ending* inside it ends at the first pass,
  never the second. A period spanning the whole repeated hour (01:00–03:00 that night) covers the
  real elapsed time, three hours, because the practitioner really is there for all of it.

A period may end at midnight: ``WorkingPeriod(time(18), time(0))`` means 18:00–24:00, since
`datetime.time` cannot say 24:00. No other period may cross midnight; split it across two days instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from medley.scheduling.intervals import Interval, intersect

_MIDNIGHT = time(0)
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class WorkingPeriod:
    """Local wall-clock working time within one day, e.g. 09:00–12:30; an ``end`` of 00:00 means 24:00."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("Working periods are wall-clock times: pass times without tzinfo.")
        if self.end != _MIDNIGHT and self.end <= self.start:
            raise ValueError(
                f"A working period must end after it starts on the same day "
                f"(start={self.start.isoformat()}, end={self.end.isoformat()})."
            )

    @property
    def ends_at_midnight(self) -> bool:
        return self.end == _MIDNIGHT


WeeklyHours = Mapping[int, Sequence[WorkingPeriod]]
"""Working periods per Python weekday: 0 = Monday … 6 = Sunday. A missing weekday is a day off."""


@dataclass(frozen=True, slots=True)
class DateOverride:
    """Replaces the weekly hours of one local date; empty ``periods`` make it a day off."""

    day: date
    periods: Sequence[WorkingPeriod]


def working_intervals(
    weekly: WeeklyHours,
    tz: ZoneInfo,
    window: Interval,
    overrides: Sequence[DateOverride] = (),
    extra: Sequence[Interval] = (),
) -> list[Interval]:
    """Working time inside ``window`` as sorted, merged UTC intervals.

    ``weekly`` hours (or a date's override) are read as wall-clock time in ``tz`` for every local date
    the window touches; ``extra`` adds one-off hours (e.g. Cliniko availability blocks). Everything is
    clipped to ``window``.
    """
    _check_weekdays(weekly)
    by_day = _overrides_by_day(overrides)
    # A day's periods never reach past its local end (a gap only moves times forward to the jump).
    first_day = window.start.astimezone(tz).date()
    last_day = window.end.astimezone(tz).date()
    resolved: list[Interval] = []
    day = first_day
    while day <= last_day:
        override = by_day.get(day)
        periods = override.periods if override is not None else weekly.get(day.weekday(), ())
        for period in periods:
            interval = _resolve(period, day, tz)
            if interval is not None and interval.overlaps(window):
                resolved.append(interval)
        day += _ONE_DAY
    resolved.extend(extra)
    return intersect(resolved, (window,))


def to_instant(day: date, wall_time: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time, by the gap and overlap rules in the module docstring."""
    local = datetime.combine(day, wall_time.replace(fold=0), tzinfo=tz)
    # PEP 495: fold=0 reads a gap time with the offset from before the change and fold=1 with the one
    # after, so the offsets differ exactly at odd times: fold=0 lower means a gap, higher an overlap.
    first_offset = local.utcoffset()
    second_offset = local.replace(fold=1).utcoffset()
    if first_offset is None or second_offset is None:
        raise ValueError(f"Time zone {tz} gave no UTC offset for {local.isoformat()}.")
    if first_offset < second_offset:
        return _end_of_gap(
            old_offset_until=(local - second_offset).replace(tzinfo=UTC),
            new_offset_from=(local - first_offset).replace(tzinfo=UTC),
            old_offset=first_offset,
            tz=tz,
        )
    # An ordinary time, or the first occurrence (fold=0) of a repeated one.
    return (local - first_offset).replace(tzinfo=UTC)


def _resolve(period: WorkingPeriod, day: date, tz: ZoneInfo) -> Interval | None:
    start = to_instant(day, period.start, tz)
    end = to_instant(day + _ONE_DAY, _MIDNIGHT, tz) if period.ends_at_midnight else to_instant(day, period.end, tz)
    # Empty when the whole period falls inside a DST gap.
    return Interval(start, end) if end > start else None


def _end_of_gap(
    *, old_offset_until: datetime, new_offset_from: datetime, old_offset: timedelta, tz: ZoneInfo
) -> datetime:
    """The instant the clocks jumped, which lies in ``(old_offset_until, new_offset_from]``.

    zoneinfo exposes no transition table, so bisect on whole epoch seconds (tz transitions fall on
    whole seconds): a one-hour gap takes about twelve steps, and only for a time inside a gap.
    """
    low = math.floor(old_offset_until.timestamp())  # still on the old offset
    high = math.ceil(new_offset_from.timestamp())  # already on the new one
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == old_offset:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def _check_weekdays(weekly: WeeklyHours) -> None:
    unknown = [key for key in weekly if not 0 <= key <= 6]
    if unknown:
        raise ValueError(f"Weekday keys must be 0 (Monday) … 6 (Sunday), got {sorted(unknown)}.")


def _overrides_by_day(overrides: Sequence[DateOverride]) -> dict[date, DateOverride]:
    by_day: dict[date, DateOverride] = {}
    for override in overrides:
        if override.day in by_day:
            raise ValueError(f"Two overrides for {override.day.isoformat()}: give one per date.")
        by_day[override.day] = override
    return by_day
