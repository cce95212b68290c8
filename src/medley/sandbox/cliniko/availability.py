"""Cliniko's online-booking engine: which start times ``available_times`` offers.

Working time is the practitioner's weekly hours at the business (``daily_availabilities``, wall clock
in the business's zone, ``day_of_week`` 0 = Sunday) plus its ``availability_blocks``; busy time is
every non-cancelled, non-archived appointment and unavailable block of the practitioner at ANY
business. Slots step by the appointment type's duration from the start of each free interval and
must end by its end (``medley.scheduling``). The account's minimum notice (or the type's lead time,
whichever is longer) and booking horizon apply, then the account's daily bookings limit (a day holding
that many appointments of the practitioner shows nothing) and its cap per day segment (the first N starts
of each morning, afternoon and evening, in the business's wall clock).

Everything is loaded with one query per table, by indexed range, whatever the window's length. The
statements are built once, with bind parameters: building a SQLAlchemy expression costs more CPU than
PostgreSQL spends answering it, and ``available_times`` is the emulator's busiest route.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Select, bindparam, exists, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from medley.sandbox.cliniko.account_settings import BookingLimits
from medley.sandbox.cliniko.errors import BadRequest, RecordNotFound
from medley.sandbox.cliniko.tables import (
    AppointmentType,
    AvailabilityBlock,
    Business,
    DailyAvailability,
    GroupAppointment,
    IndividualAppointment,
    Practitioner,
    UnavailableBlock,
    practitioner_appointment_types,
    practitioner_businesses,
)
from medley.sandbox.columns import Id
from medley.scheduling import (
    Interval,
    WeeklyHours,
    WorkingPeriod,
    capped_per_day_segment,
    days_at_limit,
    iter_bookable_starts,
    outside_full_days,
    to_instant,
    working_intervals,
)

MAX_SPAN = timedelta(days=6)
"""``to - from``: at most six days apart, i.e. seven calendar days inclusive."""

INVALID_TIME_FRAME = "Invalid time frame definition. Please check from/to param limitations."
_WALL_CLOCK = re.compile(r"^(\d{2}):(\d{2})$")
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class BookableCombination:
    """A business, practitioner and appointment type that online booking serves together."""

    business_id: int
    practitioner_id: int
    zone: ZoneInfo
    duration: timedelta
    lead_time: timedelta


def _combination_statement() -> Select[str, int, int]:
    # 64-bit ids: an Integer bind is int32 on PostgreSQL, too small for Cliniko's 18-digit ids.
    business_id = bindparam("business_id", type_=Id)
    practitioner_id = bindparam("practitioner_id", type_=Id)
    appointment_type_id = bindparam("appointment_type_id", type_=Id)
    practitioner_ok = exists().where(
        Practitioner.id == practitioner_id,
        Practitioner.active.is_(True),
        Practitioner.show_in_online_bookings.is_(True),
    )
    works_there = exists().where(
        practitioner_businesses.c.practitioner_id == practitioner_id,
        practitioner_businesses.c.business_id == business_id,
    )
    offers_type = exists().where(
        practitioner_appointment_types.c.practitioner_id == practitioner_id,
        practitioner_appointment_types.c.appointment_type_id == appointment_type_id,
    )
    # Each table is narrowed to one row by id: the explicit cross join says so.
    return (
        select(
            Business.time_zone_identifier,
            AppointmentType.duration_in_minutes,
            AppointmentType.online_bookings_lead_time_hours,
        )
        .select_from(Business)
        .join(AppointmentType, true())
        .where(
            Business.id == business_id,
            Business.archived_at.is_(None),
            Business.show_in_online_bookings.is_(True),
            AppointmentType.id == appointment_type_id,
            AppointmentType.archived_at.is_(None),
            AppointmentType.show_in_online_bookings.is_(True),
            practitioner_ok,
            works_there,
            offers_type,
        )
    )


_COMBINATION = _combination_statement()


async def load_combination(
    session: AsyncSession, business_id: int, practitioner_id: int, appointment_type_id: int
) -> BookableCombination:
    """One query; 404 unless all three exist, are live, are enabled for online bookings, and the
    practitioner works at that business and offers that type."""
    ids = {"business_id": business_id, "practitioner_id": practitioner_id, "appointment_type_id": appointment_type_id}
    row = (await session.execute(_COMBINATION, ids)).first()
    if row is None:
        raise RecordNotFound()
    zone_name, minutes, lead_hours = row
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RecordNotFound() from None  # a business whose zone cannot be read serves no bookings
    return BookableCombination(
        business_id=business_id,
        practitioner_id=practitioner_id,
        zone=zone,
        duration=timedelta(minutes=minutes),
        lead_time=timedelta(hours=lead_hours or 0),
    )


def time_frame(raw_from: str | None, raw_to: str | None, *, today: date, optional: bool = False) -> tuple[date, date]:
    """The ``from``/``to`` days; 400 when missing, malformed, reversed, more than six days apart or
    starting before ``today``. With ``optional`` (next_available_time) absent values default to
    today and six days later."""
    first = today if optional and raw_from is None else _day(raw_from)
    last = first + MAX_SPAN if optional and raw_to is None else _day(raw_to)
    if last < first or last - first > MAX_SPAN or first < today:
        raise BadRequest(INVALID_TIME_FRAME)
    return first, last


def _day(raw: str | None) -> date:
    if raw is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
        raise BadRequest(INVALID_TIME_FRAME)
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise BadRequest(INVALID_TIME_FRAME) from None


def local_today(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()


async def bookable_starts(
    session: AsyncSession,
    combination: BookableCombination,
    first_day: date,
    last_day: date,
    *,
    now: datetime,
    limits: BookingLimits,
) -> Iterator[datetime]:
    """Bookable UTC starts from the start of ``first_day`` to the end of ``last_day`` (business zone),
    in order and lazily, so the first one is found without listing the rest."""
    zone = combination.zone
    window = Interval(to_instant(first_day, time(0), zone), to_instant(last_day + _ONE_DAY, time(0), zone))
    weekly = await _weekly_hours(session, combination)
    extra = await _extra_hours(session, combination, window)
    busy = await _busy(session, combination.practitioner_id, window)
    working = working_intervals(weekly, zone, window, extra=extra)
    starts = iter_bookable_starts(
        working=working,
        busy=busy,
        duration=combination.duration,
        now=now,
        min_notice=max(limits.min_notice, combination.lead_time),
        horizon=limits.horizon,
        window=window,
    )
    if limits.daily_bookings > 0:
        booked = await _appointment_starts(session, combination.practitioner_id, window)
        starts = outside_full_days(starts, zone, days_at_limit(booked, zone, limits.daily_bookings))
    return capped_per_day_segment(starts, zone, limits.per_day_segment)


_WEEKLY_HOURS = select(DailyAvailability.day_of_week, DailyAvailability.availabilities).where(
    DailyAvailability.practitioner_id == bindparam("practitioner_id"),
    DailyAvailability.business_id == bindparam("business_id"),
)


async def _weekly_hours(session: AsyncSession, combination: BookableCombination) -> WeeklyHours:
    ids = {"practitioner_id": combination.practitioner_id, "business_id": combination.business_id}
    rows = await session.execute(_WEEKLY_HOURS, ids)
    weekly: dict[int, list[WorkingPeriod]] = defaultdict(list)
    for day_of_week, availabilities in rows:
        if not 0 <= day_of_week <= 6:
            continue
        # Cliniko counts 0 = Sunday; Python's weekday() counts 0 = Monday.
        weekday = (day_of_week - 1) % 7
        weekly[weekday].extend(_periods(availabilities))
    return weekly


def _periods(availabilities: Sequence[dict[str, str]]) -> list[WorkingPeriod]:
    periods: list[WorkingPeriod] = []
    for entry in availabilities or ():
        start = wall_clock(entry.get("starts_at", ""))
        end = wall_clock(entry.get("ends_at", ""))
        if start is None or end is None:
            continue
        try:
            periods.append(WorkingPeriod(start, end))
        except ValueError:
            continue  # an empty or reversed period is no working time
    return periods


def wall_clock(text: str) -> time | None:
    """``"09:30"`` as a time; ``"24:00"`` is midnight at the end of the day (``time(0)`` as an end)."""
    match = _WALL_CLOCK.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if (hours, minutes) == (24, 0):
        return time(0)
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)


_EXTRA_HOURS = select(AvailabilityBlock.starts_at, AvailabilityBlock.ends_at).where(
    AvailabilityBlock.practitioner_id == bindparam("practitioner_id"),
    AvailabilityBlock.business_id == bindparam("business_id"),
    AvailabilityBlock.starts_at < bindparam("window_end"),
    AvailabilityBlock.ends_at > bindparam("window_start"),
)


async def _extra_hours(session: AsyncSession, combination: BookableCombination, window: Interval) -> list[Interval]:
    rows = await session.execute(
        _EXTRA_HOURS,
        {
            "practitioner_id": combination.practitioner_id,
            "business_id": combination.business_id,
            "window_start": window.start,
            "window_end": window.end,
        },
    )
    return [Interval(start, end) for start, end in rows if end > start]


_BUSY = union_all(
    select(IndividualAppointment.starts_at, IndividualAppointment.ends_at).where(
        IndividualAppointment.practitioner_id == bindparam("practitioner_id"),
        IndividualAppointment.starts_at < bindparam("window_end"),
        IndividualAppointment.ends_at > bindparam("window_start"),
        IndividualAppointment.cancelled_at.is_(None),
        IndividualAppointment.archived_at.is_(None),
    ),
    select(GroupAppointment.starts_at, GroupAppointment.ends_at).where(
        GroupAppointment.practitioner_id == bindparam("practitioner_id"),
        GroupAppointment.starts_at < bindparam("window_end"),
        GroupAppointment.ends_at > bindparam("window_start"),
        GroupAppointment.archived_at.is_(None),
    ),
    select(UnavailableBlock.starts_at, UnavailableBlock.ends_at).where(
        UnavailableBlock.practitioner_id == bindparam("practitioner_id"),
        UnavailableBlock.starts_at < bindparam("window_end"),
        UnavailableBlock.ends_at > bindparam("window_start"),
        UnavailableBlock.archived_at.is_(None),
    ),
)
# The practitioner's appointments (a class counts once) starting in the window, for the daily limit.
_APPOINTMENT_STARTS = union_all(
    select(IndividualAppointment.starts_at).where(
        IndividualAppointment.practitioner_id == bindparam("practitioner_id"),
        IndividualAppointment.starts_at >= bindparam("window_start"),
        IndividualAppointment.starts_at < bindparam("window_end"),
        IndividualAppointment.cancelled_at.is_(None),
        IndividualAppointment.archived_at.is_(None),
    ),
    select(GroupAppointment.starts_at).where(
        GroupAppointment.practitioner_id == bindparam("practitioner_id"),
        GroupAppointment.starts_at >= bindparam("window_start"),
        GroupAppointment.starts_at < bindparam("window_end"),
        GroupAppointment.archived_at.is_(None),
    ),
)


async def _appointment_starts(session: AsyncSession, practitioner_id: int, window: Interval) -> list[datetime]:
    ids = {"practitioner_id": practitioner_id, "window_start": window.start, "window_end": window.end}
    return [start for (start,) in await session.execute(_APPOINTMENT_STARTS, ids)]


async def _busy(session: AsyncSession, practitioner_id: int, window: Interval) -> list[Interval]:
    rows = await session.execute(
        _BUSY, {"practitioner_id": practitioner_id, "window_start": window.start, "window_end": window.end}
    )
    return [Interval(start, end) for start, end in rows if end > start]
