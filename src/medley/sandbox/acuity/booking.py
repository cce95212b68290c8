"""Validating a time for a booking or a move, as Acuity does in client mode, and the client records a
booking leaves behind.

Client mode (the default) checks the minimum notice, the maximum days ahead, then that the time is one
`availability.openings` offers on the calendar (any calendar offering the type when none is named).
``admin=true`` skips all of that but needs a calendar. The caller holds the write session's lock on the
calendars involved, so two bookings of the last slot cannot both pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from medley.sandbox.acuity.availability import (
    CLASS_KINDS,
    Limits,
    calendars_offering,
    local_day_window,
    offers_type,
    openings,
)
from medley.sandbox.acuity.errors import AcuityError, bad_request
from medley.sandbox.acuity.tables import Account, AppointmentType, Calendar, Client, ScheduledClass
from medley.sandbox.acuity.wire import require_datetime

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class Slot:
    calendar: Calendar
    start: datetime
    class_id: int | None


async def lock_calendars(session: AsyncSession, calendar_ids: list[int]) -> None:
    """Row locks on PostgreSQL, in id order (no deadlocks); SQLite's write transaction already serialises."""
    if calendar_ids:
        await session.execute(
            select(Calendar.id).where(Calendar.id.in_(sorted(calendar_ids))).order_by(Calendar.id).with_for_update()
        )


async def find_slot(
    session: AsyncSession,
    *,
    kind: AppointmentType,
    calendar: Calendar | None,
    raw_datetime: object,
    account: Account,
    now: datetime,
    admin: bool,
    ignore: frozenset[int] = frozenset(),
) -> Slot:
    """The calendar and instant a booking would take; Acuity's 400s when it may not."""
    zone = ZoneInfo(calendar.timezone if calendar is not None else account.timezone)
    start = require_datetime(raw_datetime, zone)
    if admin:
        if calendar is None:
            raise bad_request("invalid_calendar", 'The parameter "calendarID" is required when booking as an admin.')
        return Slot(calendar, start, await _class_at(session, kind, calendar.id, start))
    limits = Limits.of(account)
    if start < now + limits.min_notice:
        raise bad_request(
            "not_available_min_hours_in_advance", f'The time "{raw_datetime}" is not far enough in advance.'
        )
    if start > now + limits.max_ahead:
        raise bad_request("not_available_max_days_in_advance", f'The time "{raw_datetime}" is too far in advance.')
    candidates = [calendar] if calendar is not None else await calendars_offering(session, kind.id)
    for candidate in candidates:
        if calendar is not None and not await offers_type(session, candidate.id, kind.id):
            break
        day = local_day_window(start.astimezone(ZoneInfo(candidate.timezone)).date(), ZoneInfo(candidate.timezone))
        for opening in await openings(session, candidate, kind, day, now=now, limits=limits, ignore=ignore):
            if opening.start == start:
                return Slot(candidate, start, opening.class_id)
    if calendar is None:
        raise bad_request("no_available_calendar", "We could not find an available calendar.")
    raise bad_request("not_available", f'The time "{raw_datetime}" is not an available time slot.')


async def _class_at(session: AsyncSession, kind: AppointmentType, calendar_id: int, start: datetime) -> int | None:
    if kind.kind not in CLASS_KINDS:
        return None
    statement = select(ScheduledClass.id).where(
        ScheduledClass.appointment_type_id == kind.id,
        ScheduledClass.calendar_id == calendar_id,
        ScheduledClass.starts_at == start,
    )
    return await session.scalar(statement.limit(1))


def check_email(email: str) -> None:
    if email and not _EMAIL.match(email):
        raise bad_request("invalid_email", 'Invalid "email" attribute value.')


def text_field(body: dict[str, object], name: str) -> str:
    """A string attribute of a body (absent is empty); anything but a string or number is refused."""
    value = body.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise AcuityError(400, "bad_request", f'Invalid "{name}" attribute value.')
    text = str(value).strip()
    if "\x00" in text:
        raise AcuityError(400, "bad_request", f'Invalid "{name}" attribute value.')
    return text


async def remember_client(
    session: AsyncSession, *, first_name: str, last_name: str, email: str, phone: str, now: datetime
) -> None:
    """Booking keeps a client record: matched on e-mail (any case), else on name and phone; else created."""
    if email:
        match = select(Client.id).where(func.lower(Client.email) == email.lower())
    else:
        match = select(Client.id).where(
            func.lower(Client.first_name) == first_name.lower(),
            func.lower(Client.last_name) == last_name.lower(),
            Client.phone == phone,
        )
    if await session.scalar(match.limit(1)) is None:
        session.add(
            Client(first_name=first_name, last_name=last_name, email=email, phone=phone, notes="", created_at=now)
        )
