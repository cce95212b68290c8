"""Acuity's availability rules (reference §5.5): which start times a client may book on a calendar.

For one calendar and one appointment type over a window of instants:

* working windows are the calendar's weekly hours, or a date's own hours where it has them (no ranges:
  closed), in the calendar's zone; blocked-off time is cut out of them;
* starts step by the start-time interval from each window's start: the account's interval, or
  automatically the largest number of minutes dividing every service duration on the calendar (30 and
  45 give 15); a start is kept only if the duration and the padding after fit before the window ends,
  and the padding before fits after its start (that padding is ignored for a window's first start);
* a start is taken when its padded interval overlaps ``appointments_per_slot`` padded appointments
  (paddings add up, never overlap), or any class on the calendar; ``slotsAvailable`` is what remains;
* clients book no sooner than the minimum notice and no later than the maximum days ahead.

Classes are different: they exist only at the times scheduled for them, with ``classSize`` seats; a
class time is offered while seats remain (blocks do not apply to classes).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from medley.sandbox.acuity.errors import bad_request
from medley.sandbox.acuity.tables import (
    Account,
    Appointment,
    AppointmentType,
    Block,
    Calendar,
    DateHours,
    Ranges,
    ScheduledClass,
    WeeklyHours,
    type_calendars,
)
from medley.scheduling import DateOverride, Interval, WorkingPeriod, subtract, to_instant, working_intervals

CLASS_KINDS = frozenset({"class", "series"})
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Limits:
    """The account's scheduling limits, as availability applies them."""

    min_notice: timedelta
    max_ahead: timedelta
    per_slot: int
    interval_minutes: int | None

    @classmethod
    def of(cls, account: Account) -> Limits:
        return cls(
            min_notice=timedelta(hours=account.min_hours_in_advance),
            max_ahead=timedelta(days=account.max_days_in_advance),
            per_slot=max(account.appointments_per_slot, 1),
            interval_minutes=account.start_time_interval,
        )


@dataclass(frozen=True, slots=True)
class Opening:
    """A bookable start on one calendar: ``slots`` bookings may still start there."""

    start: datetime
    slots: int
    calendar_id: int
    class_id: int | None = None


# ---------------------------------------------------------------------------------------------------------
# Looking things up (each failure is the 400 Acuity answers for it)


async def active_type(session: AsyncSession, type_id: int | None) -> AppointmentType:
    if type_id is None:
        raise bad_request("required_appointment_type_id", 'The parameter "appointmentTypeID" is required.')
    kind = await session.get(AppointmentType, type_id)
    if kind is None or not kind.active:
        raise bad_request("invalid_appointment_type", f'The appointment type "{type_id}" does not exist.')
    return kind


async def existing_calendar(session: AsyncSession, calendar_id: int) -> Calendar:
    calendar = await session.get(Calendar, calendar_id)
    if calendar is None:
        raise bad_request("invalid_calendar", f'The calendar "{calendar_id}" does not exist.')
    return calendar


async def calendars_offering(session: AsyncSession, type_id: int) -> list[Calendar]:
    """The calendars that offer a type, in id order."""
    statement = (
        select(Calendar)
        .join(type_calendars, type_calendars.c.calendar_id == Calendar.id)
        .where(type_calendars.c.appointment_type_id == type_id)
        .order_by(Calendar.id)
    )
    return list((await session.scalars(statement)).all())


async def offers_type(session: AsyncSession, calendar_id: int, type_id: int) -> bool:
    statement = select(func.count()).where(
        type_calendars.c.calendar_id == calendar_id, type_calendars.c.appointment_type_id == type_id
    )
    return bool(await session.scalar(statement))


# ---------------------------------------------------------------------------------------------------------
# Openings


async def openings(
    session: AsyncSession,
    calendar: Calendar,
    kind: AppointmentType,
    window: Interval,
    *,
    now: datetime,
    limits: Limits,
    ignore: frozenset[int] = frozenset(),
) -> list[Opening]:
    """Bookable starts in ``window`` (start inside it) on ``calendar`` for ``kind``, in order."""
    earliest = now + limits.min_notice
    latest = now + limits.max_ahead
    if kind.kind in CLASS_KINDS:
        return await _class_openings(session, calendar, kind, window, earliest=earliest, latest=latest)
    zone = ZoneInfo(calendar.timezone)
    # Whole local days around the window: a window's first start (and its padding rule) depends on where
    # the working window really begins, not on where the request's window was cut.
    first_day = window.start.astimezone(zone).date() - _ONE_DAY
    last_day = window.end.astimezone(zone).date() + _ONE_DAY
    wide = Interval(to_instant(first_day, time(0), zone), to_instant(last_day + _ONE_DAY, time(0), zone))
    working = await _working(session, calendar, zone, wide, first_day, last_day)
    free = subtract(working, await _blocks(session, calendar.id, wide))
    taken = await _booked(session, calendar.id, wide, ignore)
    classes = await _class_times(session, calendar.id, wide)
    step = timedelta(minutes=limits.interval_minutes or await _auto_interval(session, calendar.id, kind.duration))
    duration = timedelta(minutes=kind.duration)
    before = timedelta(minutes=kind.padding_before)
    after = timedelta(minutes=kind.padding_after)
    found: list[Opening] = []
    for free_window in free:
        start = free_window.start
        while start + duration + after <= free_window.end:
            if window.start <= start < window.end and earliest <= start <= latest:
                lead = timedelta(0) if start == free_window.start else before
                occupied = Interval(start - lead, start + duration + after)
                if occupied.start >= free_window.start and not any(occupied.overlaps(c) for c in classes):
                    overlapping = sum(1 for busy in taken if busy.overlaps(occupied))
                    if overlapping < limits.per_slot:
                        found.append(Opening(start, limits.per_slot - overlapping, calendar.id))
            start += step
    return found


async def openings_for_type(
    session: AsyncSession,
    calendars: Sequence[Calendar],
    kind: AppointmentType,
    window: Interval,
    *,
    now: datetime,
    limits: Limits,
    ignore: frozenset[int] = frozenset(),
) -> list[Opening]:
    """The union over ``calendars``: one opening per start, its slots summed over the calendars."""
    by_start: dict[datetime, int] = defaultdict(int)
    for calendar in calendars:
        for opening in await openings(session, calendar, kind, window, now=now, limits=limits, ignore=ignore):
            by_start[opening.start] += opening.slots
    calendar_id = calendars[0].id if len(calendars) == 1 else 0
    return [Opening(start, slots, calendar_id) for start, slots in sorted(by_start.items())]


def local_day_window(day: date, zone: ZoneInfo) -> Interval:
    return Interval(to_instant(day, time(0), zone), to_instant(day + _ONE_DAY, time(0), zone))


async def _working(
    session: AsyncSession, calendar: Calendar, zone: ZoneInfo, wide: Interval, first_day: date, last_day: date
) -> list[Interval]:
    weekly: dict[int, list[WorkingPeriod]] = defaultdict(list)
    for row in await session.scalars(select(WeeklyHours).where(WeeklyHours.calendar_id == calendar.id)):
        if 0 <= row.weekday <= 6:
            weekly[row.weekday].extend(_periods(row.ranges))
    dated = select(DateHours).where(
        DateHours.calendar_id == calendar.id, DateHours.day >= first_day, DateHours.day <= last_day
    )
    overrides = [DateOverride(row.day, _periods(row.ranges)) for row in await session.scalars(dated)]
    return working_intervals(weekly, zone, wide, overrides)


def _periods(ranges: Ranges) -> list[WorkingPeriod]:
    periods: list[WorkingPeriod] = []
    for pair in ranges or ():
        try:
            start, end = (time.fromisoformat(pair[0]), time.fromisoformat(pair[1]))
            periods.append(WorkingPeriod(start, end))
        except (ValueError, IndexError, TypeError):
            continue  # an unreadable or reversed range is no working time
    return periods


async def _blocks(session: AsyncSession, calendar_id: int, wide: Interval) -> list[Interval]:
    statement = select(Block.starts_at, Block.ends_at).where(
        Block.calendar_id == calendar_id, Block.starts_at < wide.end, Block.ends_at > wide.start
    )
    return [Interval(start, end) for start, end in await session.execute(statement) if end > start]


async def _booked(session: AsyncSession, calendar_id: int, wide: Interval, ignore: frozenset[int]) -> list[Interval]:
    """Service appointments with their padding (class attendees take seats, not the calendar's time)."""
    statement = select(
        Appointment.id,
        Appointment.starts_at,
        Appointment.ends_at,
        Appointment.padding_before,
        Appointment.padding_after,
    ).where(
        Appointment.calendar_id == calendar_id,
        Appointment.canceled.is_(False),
        Appointment.class_id.is_(None),
        Appointment.starts_at < wide.end,
        Appointment.ends_at > wide.start,
    )
    busy: list[Interval] = []
    for appointment_id, start, end, before, after in await session.execute(statement):
        if appointment_id in ignore:
            continue
        padded_start, padded_end = start - timedelta(minutes=before), end + timedelta(minutes=after)
        if padded_end > padded_start:
            busy.append(Interval(padded_start, padded_end))
    return busy


async def _class_times(session: AsyncSession, calendar_id: int, wide: Interval) -> list[Interval]:
    statement = (
        select(ScheduledClass.starts_at, AppointmentType.duration)
        .join(AppointmentType, AppointmentType.id == ScheduledClass.appointment_type_id)
        .where(ScheduledClass.calendar_id == calendar_id, ScheduledClass.starts_at < wide.end)
    )
    return [
        Interval(start, start + timedelta(minutes=minutes))
        for start, minutes in await session.execute(statement)
        if start + timedelta(minutes=minutes) > wide.start
    ]


async def _auto_interval(session: AsyncSession, calendar_id: int, fallback: int) -> int:
    """The largest number of minutes dividing every active service duration on the calendar."""
    statement = (
        select(AppointmentType.duration)
        .join(type_calendars, type_calendars.c.appointment_type_id == AppointmentType.id)
        .where(
            type_calendars.c.calendar_id == calendar_id,
            AppointmentType.active.is_(True),
            AppointmentType.kind.not_in(CLASS_KINDS),
        )
    )
    durations = [minutes for minutes in await session.scalars(statement) if minutes > 0]
    return _gcd(durations) or fallback


def _gcd(values: Iterable[int]) -> int:
    result = 0
    for value in values:
        result = math.gcd(result, value)
    return result


async def _class_openings(
    session: AsyncSession,
    calendar: Calendar,
    kind: AppointmentType,
    window: Interval,
    *,
    earliest: datetime,
    latest: datetime,
) -> list[Opening]:
    size = kind.class_size or 0
    sessions = await class_sessions(session, window, type_id=kind.id, calendar_id=calendar.id)
    return [
        Opening(scheduled.starts_at, size - booked, calendar.id, scheduled.id)
        for scheduled, booked in sessions
        if size - booked > 0 and earliest <= scheduled.starts_at <= latest
    ]


async def class_sessions(
    session: AsyncSession, window: Interval, *, type_id: int | None = None, calendar_id: int | None = None
) -> list[tuple[ScheduledClass, int]]:
    """Scheduled classes starting in ``window`` with how many seats are taken, in time order."""
    seats = (
        select(func.count(Appointment.id))
        .where(Appointment.class_id == ScheduledClass.id, Appointment.canceled.is_(False))
        .scalar_subquery()
    )
    statement = (
        select(ScheduledClass, seats)
        .where(ScheduledClass.starts_at >= window.start, ScheduledClass.starts_at < window.end)
        .order_by(ScheduledClass.starts_at, ScheduledClass.id)
    )
    if type_id is not None:
        statement = statement.where(ScheduledClass.appointment_type_id == type_id)
    if calendar_id is not None:
        statement = statement.where(ScheduledClass.calendar_id == calendar_id)
    return [(scheduled, int(taken or 0)) for scheduled, taken in (await session.execute(statement)).all()]
