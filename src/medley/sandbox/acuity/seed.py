"""Seeds the Acuity emulator's database with the sandbox practice, deterministically.

The literal practice lives in `seed_data`; this module adds what is generated from it: the clients of
the name pools, the class sessions of each week, and appointments for four past weeks, the current one
and four future ones at roughly 40–50% of open hours, with class attendees, cancellations, payments
and notes. Every random choice comes from a `random.Random` seeded with a string naming what it decides,
so the same ``today`` gives identical rows; another ``today`` shifts everything by whole weeks (same
ids, same local wall-clock times).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from medley.sandbox.acuity import tables
from medley.sandbox.acuity.seed_data import (
    ACCOUNT,
    APPOINTMENT_NOTES,
    APPOINTMENT_TYPES,
    AREA_CODES,
    BLOCKS,
    CALENDARS,
    CANCEL_NOTES,
    CLASS_TIMES,
    DATE_HOURS,
    DOCUMENTED_CLIENTS,
    FIRST_APPOINTMENT_ID,
    FIRST_CLASS_ID,
    FIRST_NAMES,
    FUTURE_WEEKS,
    GENERATED_CLIENTS,
    LAST_NAMES,
    PAST_WEEKS,
    CalendarSeed,
    ClientSeed,
    TypeSeed,
)
from medley.sandbox.bulk import insert_rows
from medley.scheduling import Interval, to_instant

Row = dict[str, Any]
_BOOKING_PROBABILITY: Final = 0.5
_CANCELED_PROBABILITY: Final = 0.08
_NOTE_PROBABILITY: Final = 0.06
_PAID_PROBABILITY: Final = 0.85
_COMPLETED_LABEL: Final = 2
_TYPES: Final = {kind.id: kind for kind in APPOINTMENT_TYPES}


@dataclass(slots=True)
class PracticeRows:
    """Every row of the sandbox practice, per table, ready for bulk inserts."""

    account: list[Row] = field(default_factory=list)
    calendars: list[Row] = field(default_factory=list)
    appointment_types: list[Row] = field(default_factory=list)
    type_calendars: list[Row] = field(default_factory=list)
    weekly_hours: list[Row] = field(default_factory=list)
    date_hours: list[Row] = field(default_factory=list)
    classes: list[Row] = field(default_factory=list)
    clients: list[Row] = field(default_factory=list)
    appointments: list[Row] = field(default_factory=list)
    blocks: list[Row] = field(default_factory=list)

    def in_insert_order(self) -> list[tuple[type[tables.Base] | Table, list[Row]]]:
        return [
            (tables.Account, self.account),
            (tables.Calendar, self.calendars),
            (tables.AppointmentType, self.appointment_types),
            (tables.type_calendars, self.type_calendars),
            (tables.WeeklyHours, self.weekly_hours),
            (tables.DateHours, self.date_hours),
            (tables.ScheduledClass, self.classes),
            (tables.Client, self.clients),
            (tables.Appointment, self.appointments),
            (tables.Block, self.blocks),
        ]


async def seed_practice(session: AsyncSession, *, today: date) -> None:
    """Insert the sandbox practice into empty tables; the caller commits (and moves id sequences)."""
    await insert_rows(session, build_practice(today).in_insert_order())


def build_practice(today: date) -> PracticeRows:
    """All the practice's rows for ``today``, without touching a database."""
    return _Builder(today).build()


def all_clients() -> tuple[ClientSeed, ...]:
    """The documented clients, then the generated ones (the same every time)."""
    rng = _rng("clients")
    generated: list[ClientSeed] = []
    seen = {(c.first_name, c.last_name) for c in DOCUMENTED_CLIENTS}
    serial = 110
    while len(generated) < GENERATED_CLIENTS:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if (first, last) in seen:
            continue
        seen.add((first, last))
        domain = rng.choice(("example.com", "example.org", "example.net"))
        phone = f"({rng.choice(AREA_CODES)}) 555-{serial % 100 + 100:04d}"
        zone = "America/Chicago" if rng.random() < 0.85 else rng.choice(("America/Denver", "America/New_York"))
        generated.append(ClientSeed(first, last, f"{first.lower()}.{last.lower()}@{domain}", phone, zone))
        serial += 1
    return (*DOCUMENTED_CLIENTS, *generated)


def _rng(*purpose: object) -> random.Random:
    """A generator for one decision; seeding from a string is stable across runs and platforms."""
    return random.Random(":".join(str(part) for part in purpose))  # noqa: S311 - fixture data, not secrets


class _Builder:
    def __init__(self, today: date) -> None:
        self.today = today
        self.monday = today - timedelta(days=today.weekday())
        # Nothing may have been created after the start of yesterday (UTC), wherever the caller lives.
        self.reference_now = datetime.combine(today - timedelta(days=1), time(0), UTC)
        self.opened_at = datetime.combine(self.monday - timedelta(weeks=104), time(15), UTC)
        self.rows = PracticeRows()
        self.clients = all_clients()
        self.next_appointment_id = FIRST_APPOINTMENT_ID

    def day(self, week: int, weekday: int) -> date:
        return self.monday + timedelta(weeks=week, days=weekday)

    def build(self) -> PracticeRows:
        self._add_account()
        self._add_calendars_and_types()
        self._add_hours_and_blocks()
        self._add_clients()
        for calendar in CALENDARS:
            self._add_appointments(calendar)
        self._add_classes()
        return self.rows

    def _add_account(self) -> None:
        self.rows.account.append(
            {
                "id": ACCOUNT.id,
                "name": ACCOUNT.name,
                "email": ACCOUNT.email,
                "timezone": ACCOUNT.timezone,
                "currency": ACCOUNT.currency,
                "plan": ACCOUNT.plan,
                "first_day_of_week": 0,
                "time_format": "12-hour",
                "location": ACCOUNT.location,
                "description": ACCOUNT.description,
                "min_hours_in_advance": ACCOUNT.min_hours_in_advance,
                "max_days_in_advance": ACCOUNT.max_days_in_advance,
                "start_time_interval": None,
                "appointments_per_slot": ACCOUNT.appointments_per_slot,
                "clients_may_cancel": True,
                "clients_may_reschedule": True,
                "min_hours_to_cancel": ACCOUNT.min_hours_to_cancel,
                "min_hours_to_reschedule": ACCOUNT.min_hours_to_reschedule,
            }
        )

    def _add_calendars_and_types(self) -> None:
        for calendar in CALENDARS:
            self.rows.calendars.append(
                {
                    "id": calendar.id,
                    "name": calendar.name,
                    "email": calendar.email,
                    "reply_to": calendar.email.split(",")[0].strip(),
                    "description": calendar.description,
                    "location": calendar.location,
                    "timezone": calendar.timezone,
                    "image": None,
                }
            )
        for kind in APPOINTMENT_TYPES:
            self.rows.appointment_types.append(
                {
                    "id": kind.id,
                    "name": kind.name,
                    "description": kind.description,
                    "duration": kind.duration,
                    "price": kind.price,
                    "category": kind.category,
                    "color": kind.color,
                    "private": kind.private,
                    "active": kind.active,
                    "kind": kind.kind,
                    "class_size": kind.class_size,
                    "padding_before": kind.padding_before,
                    "padding_after": kind.padding_after,
                    "image": "",
                }
            )
            self.rows.type_calendars.extend(
                {"appointment_type_id": kind.id, "calendar_id": calendar_id} for calendar_id in kind.calendar_ids
            )

    def _add_hours_and_blocks(self) -> None:
        for calendar in CALENDARS:
            for weekday, ranges in sorted(calendar.weekly.items()):
                self.rows.weekly_hours.append(
                    {"calendar_id": calendar.id, "weekday": weekday, "ranges": [list(pair) for pair in ranges]}
                )
        for edit in DATE_HOURS:
            self.rows.date_hours.append(
                {
                    "calendar_id": edit.calendar_id,
                    "day": self.day(edit.week, edit.weekday),
                    "ranges": [list(pair) for pair in edit.ranges],
                }
            )
        zones = {calendar.id: ZoneInfo(calendar.timezone) for calendar in CALENDARS}
        for block in BLOCKS:
            day, zone = self.day(block.week, block.weekday), zones[block.calendar_id]
            starts_at = to_instant(day, time.fromisoformat(block.start), zone)
            self.rows.blocks.append(
                {
                    "id": block.id,
                    "calendar_id": block.calendar_id,
                    "starts_at": starts_at,
                    "ends_at": to_instant(day, time.fromisoformat(block.end), zone),
                    "notes": block.notes,
                    "created_at": min(starts_at - timedelta(days=10), self.reference_now),
                }
            )

    def _add_clients(self) -> None:
        for index, client in enumerate(self.clients):
            self.rows.clients.append(
                {
                    "id": index + 1,
                    "first_name": client.first_name,
                    "last_name": client.last_name,
                    "email": client.email,
                    "phone": client.phone,
                    "notes": client.notes,
                    "created_at": self.opened_at + timedelta(days=7 * index, hours=index % 5),
                }
            )

    # --- appointments --------------------------------------------------------------------------------------

    def _hours(self, calendar: CalendarSeed, day: date) -> Sequence[tuple[str, str]]:
        for edit in DATE_HOURS:
            if edit.calendar_id == calendar.id and self.day(edit.week, edit.weekday) == day:
                return edit.ranges
        return calendar.weekly.get(day.weekday(), ())

    def _blocked(self, calendar_id: int, zone: ZoneInfo) -> list[Interval]:
        blocked: list[Interval] = []
        for block in BLOCKS:
            if block.calendar_id == calendar_id:
                day = self.day(block.week, block.weekday)
                start = to_instant(day, time.fromisoformat(block.start), zone)
                blocked.append(Interval(start, to_instant(day, time.fromisoformat(block.end), zone)))
        return blocked

    def _add_appointments(self, calendar: CalendarSeed) -> None:
        zone = ZoneInfo(calendar.timezone)
        services = [kind for kind in APPOINTMENT_TYPES if calendar.id in kind.calendar_ids and kind.weight > 0]
        if not services:
            return
        blocked = self._blocked(calendar.id, zone)
        step = timedelta(minutes=15)
        for offset in range(-7 * PAST_WEEKS, 7 * (FUTURE_WEEKS + 1)):
            day = self.monday + timedelta(days=offset)
            rng = _rng("appointments", calendar.id, offset)
            for start_text, end_text in self._hours(calendar, day):
                cursor = to_instant(day, time.fromisoformat(start_text), zone)
                window_end = to_instant(day, time.fromisoformat(end_text), zone)
                while cursor < window_end:
                    kind = rng.choices(services, weights=[s.weight for s in services])[0]
                    end = cursor + timedelta(minutes=kind.duration)
                    padded = Interval(cursor, end + timedelta(minutes=kind.padding_after))
                    fits = padded.end <= window_end and not any(padded.overlaps(b) for b in blocked)
                    if fits and rng.random() < _BOOKING_PROBABILITY:
                        self._book(calendar, kind, cursor, rng, zone)
                        cursor = _round_up(padded.end, day, zone, step=timedelta(minutes=30))
                    else:
                        cursor += step * rng.choice((2, 4))

    def _book(
        self, calendar: CalendarSeed, kind: TypeSeed, start: datetime, rng: random.Random, zone: ZoneInfo
    ) -> None:
        client = rng.choice(self.clients)
        is_past = start.astimezone(zone).date() < self.today
        canceled = rng.random() < _CANCELED_PROBABILITY
        created = min(start - timedelta(days=rng.randint(1, 21), hours=rng.randint(0, 9)), self.reference_now)
        paid = is_past and not canceled and rng.random() < _PAID_PROBABILITY
        self.rows.appointments.append(
            {
                "id": self._next_id(),
                "calendar_id": calendar.id,
                "appointment_type_id": kind.id,
                "class_id": None,
                "starts_at": start,
                "ends_at": start + timedelta(minutes=kind.duration),
                "padding_before": kind.padding_before,
                "padding_after": kind.padding_after,
                "first_name": client.first_name,
                "last_name": client.last_name,
                "email": client.email,
                "phone": client.phone,
                "timezone": client.timezone,
                "price": kind.price,
                "paid": paid,
                "amount_paid": kind.price if paid else "0.00",
                "notes": rng.choice(APPOINTMENT_NOTES) if rng.random() < _NOTE_PROBABILITY else "",
                "label_id": _COMPLETED_LABEL if paid else None,
                "canceled": canceled,
                "no_show": False,
                "cancel_note": rng.choice(CANCEL_NOTES) if canceled else "",
                "scheduled_by": None,
                "created_at": created,
                "updated_at": created,
            }
        )

    def _add_classes(self) -> None:
        class_id = FIRST_CLASS_ID
        for week in range(-PAST_WEEKS, FUTURE_WEEKS + 1):
            for session in CLASS_TIMES:
                calendar = next(c for c in CALENDARS if c.id == session.calendar_id)
                kind = _TYPES[session.appointment_type_id]
                zone = ZoneInfo(calendar.timezone)
                start = to_instant(self.day(week, session.weekday), time.fromisoformat(session.start), zone)
                self.rows.classes.append(
                    {"id": class_id, "appointment_type_id": kind.id, "calendar_id": calendar.id, "starts_at": start}
                )
                rng = _rng("class", class_id)
                seats = kind.class_size or 0
                attendees = rng.sample(self.clients, rng.randint(max(seats // 4, 1), max(seats - 1, 1)))
                for client in attendees:
                    self._add_attendee(class_id, calendar, kind, start, client, rng)
                class_id += 1

    def _add_attendee(
        self,
        class_id: int,
        calendar: CalendarSeed,
        kind: TypeSeed,
        start: datetime,
        client: ClientSeed,
        rng: random.Random,
    ) -> None:
        created = min(start - timedelta(days=rng.randint(1, 10)), self.reference_now)
        self.rows.appointments.append(
            {
                "id": self._next_id(),
                "calendar_id": calendar.id,
                "appointment_type_id": kind.id,
                "class_id": class_id,
                "starts_at": start,
                "ends_at": start + timedelta(minutes=kind.duration),
                "padding_before": 0,
                "padding_after": 0,
                "first_name": client.first_name,
                "last_name": client.last_name,
                "email": client.email,
                "phone": client.phone,
                "timezone": client.timezone,
                "price": kind.price,
                "paid": False,
                "amount_paid": "0.00",
                "notes": "",
                "label_id": None,
                "canceled": False,
                "no_show": False,
                "cancel_note": "",
                "scheduled_by": None,
                "created_at": created,
                "updated_at": created,
            }
        )

    def _next_id(self) -> int:
        current = self.next_appointment_id
        self.next_appointment_id += 1
        return current


def _round_up(moment: datetime, day: date, zone: ZoneInfo, *, step: timedelta) -> datetime:
    """The first ``step`` boundary (counted from local midnight) at or after ``moment``."""
    midnight = to_instant(day, time(0), zone)
    steps = -((midnight - moment) // step)
    return midnight + steps * step
