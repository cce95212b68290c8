"""Seeds the emulator's database with the sandbox practice, deterministically.

The literal practice (businesses, people, types, templates, documented patients) lives in `seed_data`;
this module generates the rest from it: more patients, thirteen weeks of appointments around ``today``
(eight past weeks, the current week, four future weeks) at about 40% utilisation, treatment notes for
attended visits, attachment bytes, and the account settings.

Determinism: every random choice comes from a `random.Random` seeded with a fixed string naming what it
decides, so the same ``today`` gives identical rows. The calendar is laid out in weeks counted from the
Monday of ``today``'s week, so a different ``today`` shifts appointments by whole weeks (same ids, same
local wall-clock times); only what depends on the exact day moves with it: whether an appointment of
the current week is already past (arrived or not, its note) and the creation stamps clipped to "now".
"""

from __future__ import annotations

import functools
import random
import struct
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from medley.sandbox.bulk import insert_rows
from medley.sandbox.cliniko import tables
from medley.sandbox.cliniko.seed_data import (
    APPOINTMENT_NOTES,
    APPOINTMENT_TYPES,
    ATTACHMENTS,
    AU_FEMALE_FIRST_NAMES,
    AU_LAST_NAMES,
    AU_MALE_FIRST_NAMES,
    AU_STREETS,
    AVAILABILITY_BLOCKS,
    BUSINESSES,
    CALENDAR_SETTINGS,
    CANCELLATION_NOTES,
    CANCELLATION_REASON_WEIGHTS,
    COMPLAINTS,
    DOCUMENTED_PATIENTS,
    FIRST_ATTENDEE_ID,
    GROUP_CLASSES,
    NICKNAMES,
    OCCUPATIONS,
    ONLINE_BOOKINGS_SETTINGS,
    PATIENT_NOTES,
    PINNED_APPOINTMENTS,
    PRACTITIONERS,
    STAFF_USERS,
    TREATMENT_NOTE_TEMPLATES,
    UK_FEMALE_FIRST_NAMES,
    UK_LAST_NAMES,
    UK_MALE_FIRST_NAMES,
    UK_STREETS,
    UNAVAILABLE_BLOCKS,
    AppointmentTypeSeed,
    AttachmentSeed,
    BusinessSeed,
    ComplaintKind,
    ComplaintSeed,
    GroupClassSeed,
    Outcome,
    PatientSeed,
    PhoneSeed,
    PractitionerSeed,
    QuestionSeed,
    TemplateSeed,
    cliniko_id,
)
from medley.scheduling import Interval, merge, subtract, to_instant

PAST_WEEKS: Final = 8
FUTURE_WEEKS: Final = 4
PATIENT_COUNT: Final = 200
"""Documented plus generated patients: enough that each sees a practitioner every week or two."""

FIRST_APPOINTMENT_ID: Final = 100001
FIRST_TREATMENT_NOTE_ID: Final = 200001
FIRST_DAILY_AVAILABILITY_ID: Final = 7001

# Tuned so that non-cancelled appointments fill about 40% of working time (see tests/sandbox/test_seed.py).
_BOOKING_PROBABILITY = 0.45
_CANCELLED_PROBABILITY = 0.08
_DID_NOT_ARRIVE_PROBABILITY = 0.04
_RECENT_DRAFT_PROBABILITY = 0.3
_APPOINTMENT_NOTE_PROBABILITY = 0.04
_TREATMENT_NOTE_STATUS_DRAFT = 10
_TREATMENT_NOTE_STATUS_FINAL = 90

Row = dict[str, Any]
_BUSINESSES_BY_ID: Final[Mapping[int, BusinessSeed]] = {business.id: business for business in BUSINESSES}
_FIFTEEN_MINUTES = timedelta(minutes=15)


@dataclass(slots=True)
class PracticeRows:
    """Every row of the sandbox practice, per table, ready for bulk inserts."""

    users: list[Row] = field(default_factory=list)
    businesses: list[Row] = field(default_factory=list)
    treatment_note_templates: list[Row] = field(default_factory=list)
    appointment_types: list[Row] = field(default_factory=list)
    business_appointment_types: list[Row] = field(default_factory=list)
    practitioners: list[Row] = field(default_factory=list)
    practitioner_businesses: list[Row] = field(default_factory=list)
    practitioner_appointment_types: list[Row] = field(default_factory=list)
    daily_availabilities: list[Row] = field(default_factory=list)
    availability_blocks: list[Row] = field(default_factory=list)
    unavailable_blocks: list[Row] = field(default_factory=list)
    patients: list[Row] = field(default_factory=list)
    appointments: list[Row] = field(default_factory=list)
    group_appointments: list[Row] = field(default_factory=list)
    attendees: list[Row] = field(default_factory=list)
    treatment_notes: list[Row] = field(default_factory=list)
    patient_attachments: list[Row] = field(default_factory=list)
    settings: list[Row] = field(default_factory=list)

    def in_insert_order(self) -> list[tuple[type[tables.Base] | Table, list[Row]]]:
        """Targets and rows, parents before children (foreign keys)."""
        return [
            (tables.User, self.users),
            (tables.Business, self.businesses),
            (tables.TreatmentNoteTemplate, self.treatment_note_templates),
            (tables.AppointmentType, self.appointment_types),
            (tables.business_appointment_types, self.business_appointment_types),
            (tables.Practitioner, self.practitioners),
            (tables.practitioner_businesses, self.practitioner_businesses),
            (tables.practitioner_appointment_types, self.practitioner_appointment_types),
            (tables.DailyAvailability, self.daily_availabilities),
            (tables.AvailabilityBlock, self.availability_blocks),
            (tables.UnavailableBlock, self.unavailable_blocks),
            (tables.Patient, self.patients),
            (tables.IndividualAppointment, self.appointments),
            (tables.GroupAppointment, self.group_appointments),
            (tables.Attendee, self.attendees),
            (tables.TreatmentNote, self.treatment_notes),
            (tables.PatientAttachment, self.patient_attachments),
            (tables.AccountSetting, self.settings),
        ]


async def seed_practice(session: AsyncSession, *, today: date) -> None:
    """Insert the sandbox practice into empty tables; the caller commits.

    ``today`` is the practice's calendar date: appointments before it are history (arrived or not, with
    notes), the rest are upcoming. On PostgreSQL the id sequences are moved past the explicit ids so the
    emulator's own inserts do not collide with them.
    """
    await insert_rows(session, build_practice(today).in_insert_order())
    if session.get_bind().dialect.name == "postgresql":
        await _advance_id_sequences(session)


def build_practice(today: date) -> PracticeRows:
    """All the practice's rows for ``today``, without touching a database, ids as the emulator serves them."""
    rows = _PracticeBuilder(today).build()
    for _, batch in rows.in_insert_order():
        for row in batch:
            _to_wire_ids(row)
    return rows


def _to_wire_ids(row: Row) -> None:
    """The seed's serials become Cliniko-like 18-digit ids (``seed_data.cliniko_id``), in every id column."""
    for column, value in row.items():
        if isinstance(value, int) and not isinstance(value, bool) and (column == "id" or column.endswith("_id")):
            row[column] = cliniko_id(value)


def generated_patients() -> tuple[PatientSeed, ...]:
    """The patients beyond the documented ones (same every time; they do not depend on ``today``)."""
    return _generated_patients()


async def _advance_id_sequences(session: AsyncSession) -> None:
    for table in tables.Base.metadata.sorted_tables:
        if "id" not in table.c:
            continue
        sequence = func.pg_get_serial_sequence(table.name, "id")
        highest = select(func.max(table.c.id)).scalar_subquery()
        # setval(seq, n, true): the next nextval() returns n + 1. An empty table keeps its sequence.
        await session.execute(select(func.setval(sequence, func.coalesce(highest, 1), highest.is_not(None))))


# ---------------------------------------------------------------------------------------------------------
# The calendar: weeks relative to the Monday of today's week, Cliniko weekdays, local wall-clock times


@dataclass(frozen=True, slots=True)
class _Calendar:
    today: date
    monday: date  # of today's week

    @classmethod
    def around(cls, today: date) -> _Calendar:
        return cls(today=today, monday=today - timedelta(days=today.weekday()))

    def day(self, week: int, cliniko_weekday: int) -> date:
        """The date of a Cliniko weekday (0 = Sunday, the week's last day) in a relative week."""
        return self.monday + timedelta(weeks=week, days=(cliniko_weekday + 6) % 7)

    def days(self) -> list[date]:
        first = self.monday - timedelta(weeks=PAST_WEEKS)
        count = 7 * (PAST_WEEKS + 1 + FUTURE_WEEKS)
        return [first + timedelta(days=offset) for offset in range(count)]

    def offset(self, day: date) -> int:
        """Days from this week's Monday: the stable name of a day, whatever ``today`` is."""
        return (day - self.monday).days

    def monday_utc(self) -> datetime:
        return datetime.combine(self.monday, time(0), UTC)

    def reference_now(self) -> datetime:
        """A moment surely in the past wherever the caller lives: no "created" stamp may be after it."""
        return datetime.combine(self.today - timedelta(days=1), time(0), UTC)


def _at(day: date, hh_mm: str, zone: ZoneInfo) -> datetime:
    return to_instant(day, time.fromisoformat(hh_mm), zone)


def _cliniko_weekday(day: date) -> int:
    return day.isoweekday() % 7


def _rng(*purpose: object) -> random.Random:
    """A generator for one decision; seeding from a string is stable across runs and platforms."""
    return random.Random(":".join(str(part) for part in purpose))


# ---------------------------------------------------------------------------------------------------------
# The builder


@dataclass(slots=True)
class _Booking:
    practitioner_id: int
    business_id: int
    appointment_type_id: int
    patient_id: int
    day: date  # local date at the business
    starts_at: datetime
    ends_at: datetime
    pinned_outcome: Outcome | None = None
    pinned_notes: str | None = None
    pinned_cancellation: tuple[int, str] | None = None
    pinned_draft_note: bool = False


class _PracticeBuilder:
    def __init__(self, today: date) -> None:
        self.calendar = _Calendar.around(today)
        self.zones = {b.id: ZoneInfo(b.time_zone_identifier) for b in BUSINESSES}
        self.businesses = _BUSINESSES_BY_ID
        self.types = {t.id: t for t in APPOINTMENT_TYPES}
        self.templates = {t.id: t for t in TREATMENT_NOTE_TEMPLATES}
        self.practitioners = {p.id: p for p in PRACTITIONERS}
        self.patients = {p.id: p for p in (*DOCUMENTED_PATIENTS.values(), *_generated_patients())}
        # The practice opened three years before this week; everything static dates from then.
        self.opened_at = self.calendar.monday_utc() - timedelta(weeks=156)
        self.rows = PracticeRows()

    def build(self) -> PracticeRows:
        self._add_accounts()
        self._add_businesses()
        self._add_templates()
        self._add_appointment_types()
        self._add_practitioners()
        self._add_working_hours()
        self._add_blocks()
        self._add_patients()
        self._add_group_classes()
        bookings = _Scheduler(self).bookings()
        self._add_appointments_and_notes(bookings)
        self._add_attachments()
        self.rows.settings = [
            {"key": "online_bookings", "value": dict(ONLINE_BOOKINGS_SETTINGS)},
            {"key": "calendar", "value": dict(CALENDAR_SETTINGS)},
        ]
        return self.rows

    def _static_stamp(self, days_after_opening: int, index: int = 0) -> datetime:
        return self.opened_at + timedelta(days=days_after_opening, hours=9, minutes=7 * index)

    # --- account, places, services ------------------------------------------------------------------------

    def _add_accounts(self) -> None:
        for index, practitioner in enumerate(PRACTITIONERS):
            zone = self.businesses[practitioner.business_ids[0]].time_zone_identifier
            stamp = self._static_stamp(_practitioner_start_day(practitioner), index)
            self.rows.users.append(
                {
                    "id": practitioner.user_id,
                    "title": practitioner.title,
                    "first_name": practitioner.first_name,
                    "last_name": practitioner.last_name,
                    "email": practitioner.email,
                    "role": "practitioner",
                    "time_zone_identifier": zone,
                    "active": practitioner.active,
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
        for index, user in enumerate(STAFF_USERS):
            stamp = self._static_stamp(3, index)
            self.rows.users.append(
                {
                    "id": user.id,
                    "title": user.title,
                    "first_name": user.first_name,
                    "last_name": user.last_name,
                    "email": user.email,
                    "role": user.role,
                    "time_zone_identifier": user.time_zone_identifier,
                    "active": True,
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
        self.rows.users.sort(key=lambda row: int(row["id"]))

    def _add_businesses(self) -> None:
        for index, business in enumerate(BUSINESSES):
            created = self._static_stamp(_business_start_day(business), index)
            archived_at = self.calendar.monday_utc() - timedelta(days=300) if business.archived else None
            self.rows.businesses.append(
                {
                    "id": business.id,
                    "business_name": business.business_name,
                    "display_name": business.display_name,
                    "address_1": business.address_1,
                    "address_2": business.address_2,
                    "city": business.city,
                    "state": business.state,
                    "post_code": business.post_code,
                    "country": business.country,
                    "country_code": business.country_code,
                    "contact_information": f"Phone: {business.phone}\nEmail: {business.email_reply_to}",
                    "email_reply_to": business.email_reply_to,
                    "website_address": business.website_address,
                    "time_zone": business.time_zone,
                    "time_zone_identifier": business.time_zone_identifier,
                    "show_in_online_bookings": not business.archived,
                    "archived_at": archived_at,
                    "created_at": created,
                    "updated_at": archived_at or created,
                }
            )

    def _add_templates(self) -> None:
        for index, template in enumerate(TREATMENT_NOTE_TEMPLATES):
            created = self._static_stamp(2, index)
            archived_at = self._static_stamp(400, index) if template.archived else None
            self.rows.treatment_note_templates.append(
                {
                    "id": template.id,
                    "name": template.name,
                    "content": _template_content(template),
                    "print_settings": {
                        "include_patient_address": False,
                        "include_patient_dob": template.include_patient_dob,
                        "include_patient_medicare": False,
                        "include_patient_occupation": False,
                        "include_patient_reference_number": False,
                        "title": template.name,
                    },
                    "archived_at": archived_at,
                    "created_at": created,
                    "updated_at": archived_at or created,
                }
            )

    def _add_appointment_types(self) -> None:
        for index, kind in enumerate(APPOINTMENT_TYPES):
            created = self._static_stamp(2, index)
            archived_at = self.calendar.monday_utc() - timedelta(days=300) if kind.archived else None
            self.rows.appointment_types.append(
                {
                    "id": kind.id,
                    "name": kind.name,
                    "category": kind.category,
                    "description": kind.description,
                    "color": kind.color,
                    "duration_in_minutes": kind.duration_in_minutes,
                    "max_attendees": kind.max_attendees,
                    "show_in_online_bookings": kind.show_in_online_bookings,
                    "telehealth_enabled": kind.telehealth_enabled,
                    "online_bookings_lead_time_hours": 0,
                    "price": kind.price,
                    "treatment_note_template_id": kind.treatment_note_template_id,
                    "archived_at": archived_at,
                    "created_at": created,
                    "updated_at": archived_at or created,
                }
            )
            self.rows.business_appointment_types.extend(
                {"business_id": business_id, "appointment_type_id": kind.id} for business_id in kind.business_ids
            )

    def _add_practitioners(self) -> None:
        for index, practitioner in enumerate(PRACTITIONERS):
            created = self._static_stamp(_practitioner_start_day(practitioner), index)
            self.rows.practitioners.append(
                {
                    "id": practitioner.id,
                    "user_id": practitioner.user_id,
                    "title": practitioner.title,
                    "first_name": practitioner.first_name,
                    "last_name": practitioner.last_name,
                    "designation": practitioner.designation,
                    "description": practitioner.description,
                    "active": practitioner.active,
                    "show_in_online_bookings": practitioner.show_in_online_bookings,
                    "default_appointment_type_id": practitioner.default_appointment_type_id,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            self.rows.practitioner_businesses.extend(
                {"practitioner_id": practitioner.id, "business_id": business_id}
                for business_id in practitioner.business_ids
            )
            self.rows.practitioner_appointment_types.extend(
                {"practitioner_id": practitioner.id, "appointment_type_id": type_id}
                for type_id in practitioner.appointment_type_ids
            )

    # --- hours and time off ---------------------------------------------------------------------------

    def _add_working_hours(self) -> None:
        next_id = FIRST_DAILY_AVAILABILITY_ID
        for practitioner in PRACTITIONERS:
            created = self._static_stamp(_practitioner_start_day(practitioner) + 1)
            for business_id, day, periods in _weekly_rows(practitioner):
                self.rows.daily_availabilities.append(
                    {
                        "id": next_id,
                        "practitioner_id": practitioner.id,
                        "business_id": business_id,
                        "day_of_week": day,
                        "availabilities": [{"starts_at": start, "ends_at": end} for start, end in periods],
                        "created_at": created,
                        "updated_at": created,
                    }
                )
                next_id += 1

    def _add_blocks(self) -> None:
        now = self.calendar.reference_now()
        for extra in AVAILABILITY_BLOCKS:
            zone = self.zones[extra.business_id]
            day = self.calendar.day(extra.week, extra.day)
            starts_at = _at(day, extra.starts_at, zone)
            created = min(starts_at - timedelta(days=10), now)
            self.rows.availability_blocks.append(
                {
                    "id": extra.id,
                    "practitioner_id": extra.practitioner_id,
                    "business_id": extra.business_id,
                    "starts_at": starts_at,
                    "ends_at": _at(day, extra.ends_at, zone),
                    "created_at": created,
                    "updated_at": created,
                }
            )
        for block in UNAVAILABLE_BLOCKS:
            starts_at, ends_at = self.unavailable_interval(block.id)
            created = min(starts_at - timedelta(days=21), now)
            self.rows.unavailable_blocks.append(
                {
                    "id": block.id,
                    "practitioner_id": block.practitioner_id,
                    "business_id": block.business_id,
                    "starts_at": starts_at,
                    "ends_at": ends_at,
                    "notes": block.notes,
                    "archived_at": None,
                    "created_at": created,
                    "updated_at": created,
                }
            )

    def unavailable_interval(self, block_id: int) -> tuple[datetime, datetime]:
        block = next(b for b in UNAVAILABLE_BLOCKS if b.id == block_id)
        zone = self.zones[block.business_id]
        starts_at = _at(self.calendar.day(block.week, block.starts_on), block.starts_at, zone)
        ends_at = _at(self.calendar.day(block.week, block.ends_on), block.ends_at, zone)
        return starts_at, ends_at

    # --- patients -------------------------------------------------------------------------------------

    def _add_patients(self) -> None:
        monday = self.calendar.monday_utc()
        for patient in self.patients.values():
            newcomer = patient.purpose is not None and not patient.archived
            if newcomer and not _has_pinned_appointments(patient.id):
                # A documented newcomer: registered last week, never seen yet.
                created = monday - timedelta(days=4, hours=patient.id % 7)
            else:
                # Known before the calendar window opens, so no appointment predates its patient.
                days_before = 7 * PAST_WEEKS + 1 + (patient.id * 37) % 900
                created = monday - timedelta(days=days_before, hours=patient.id % 9)
            archived_at = monday - timedelta(days=30) if patient.archived else None
            self.rows.patients.append(_patient_row(patient, created, archived_at))
        self.rows.patients.sort(key=lambda row: int(row["id"]))

    # --- group classes ---------------------------------------------------------------------------------

    def _add_group_classes(self) -> None:
        """Every occurrence of every weekly class, and who comes; placed before the individual appointments."""
        next_attendee_id = FIRST_ATTENDEE_ID
        for series in GROUP_CLASSES:
            regulars = self._class_regulars(series)
            for week in range(series.first_week, series.last_week + 1):
                group, attendees = self._class_occurrence(series, week, regulars, next_attendee_id)
                self.rows.group_appointments.append(group)
                self.rows.attendees.extend(attendees)
                next_attendee_id += len(attendees)

    def _class_regulars(self, series: GroupClassSeed) -> list[int]:
        candidates = [
            p.id
            for p in _generated_patients()
            if p.home_business_id == series.business_id and not p.archived and p.purpose is None
        ]
        return _rng("class regulars", series.id).sample(candidates, series.regulars)

    def _class_occurrence(
        self, series: GroupClassSeed, week: int, regulars: Sequence[int], first_attendee_id: int
    ) -> tuple[Row, list[Row]]:
        group_id = series.id + week - series.first_week
        rng = _rng("class", group_id)
        now = self.calendar.reference_now()
        kind = self.types[series.appointment_type_id]
        day = self.calendar.day(week, series.day)
        zone = self.zones[series.business_id]
        starts_at = _at(day, series.starts_at, zone)
        ends_at = starts_at + timedelta(minutes=kind.duration_in_minutes)
        first_start = _at(self.calendar.day(series.first_week, series.day), series.starts_at, zone)
        created = min(first_start - timedelta(days=9), now)  # the series is entered at once, as Cliniko repeats
        archived_at = min(starts_at - timedelta(days=3), now) if week == series.called_off_week else None
        seats = kind.max_attendees if week == series.full_week else rng.randint(3, kind.max_attendees - 1)
        cancels = week != series.full_week and (week == -1 or rng.random() < 0.35)
        attendees: list[Row] = []
        for index, patient_id in enumerate(rng.sample(list(regulars), seats + int(cancels))):
            joined = max(created, min(starts_at - timedelta(days=rng.randint(2, 20), hours=rng.randint(0, 9)), now))
            row: Row = {
                "id": first_attendee_id + index,
                "group_appointment_id": group_id,
                "patient_id": patient_id,
                "arrived": day < self.calendar.today and archived_at is None,
                "notes": None,
                "cancelled_at": None,
                "cancellation_reason": None,
                "cancellation_note": None,
                "archived_at": None,
                "created_at": joined,
                "updated_at": ends_at + timedelta(minutes=10) if day < self.calendar.today else joined,
            }
            if cancels and index == seats:
                reason, note = _random_cancellation(rng.random(), rng)
                cancelled_at = max(joined, min(starts_at - timedelta(hours=rng.randint(3, 40)), now))
                row.update(arrived=False, cancelled_at=cancelled_at, cancellation_reason=reason)
                row.update(cancellation_note=note, updated_at=cancelled_at)
            attendees.append(row)
        # Adding or cancelling an attendee changes the class's patient_ids, so it touches the class too.
        touched = [created, *(a["created_at"] for a in attendees), *(a["cancelled_at"] or created for a in attendees)]
        group: Row = {
            "id": group_id,
            "business_id": series.business_id,
            "practitioner_id": series.practitioner_id,
            "appointment_type_id": series.appointment_type_id,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "max_attendees": kind.max_attendees,
            "notes": series.notes if archived_at is None else "Called off: the pool is closed for maintenance.",
            "repeat_rule": {
                "repeat_type": "Weekly",
                "repeating_interval": 1,
                "number_of_repeats": series.last_week - series.first_week,
            },
            "repeated_from_id": None if week == series.first_week else series.id,
            "archived_at": archived_at,
            "created_at": created,
            "updated_at": max([*touched, archived_at or created]),
        }
        return group, attendees

    def class_busy_time(self) -> list[tuple[int, Interval]]:
        """``(practitioner, interval)`` of every class that takes place (a called-off one frees its time)."""
        return [
            (row["practitioner_id"], Interval(row["starts_at"], row["ends_at"]))
            for row in self.rows.group_appointments
            if row["archived_at"] is None
        ]

    def class_attendances(self) -> list[tuple[int, date]]:
        """``(patient, local day)`` of every seat taken, so nobody is also booked elsewhere that day."""
        by_id = {row["id"]: row for row in self.rows.group_appointments}
        found = []
        for attendee in self.rows.attendees:
            group = by_id[attendee["group_appointment_id"]]
            if attendee["cancelled_at"] is None and group["archived_at"] is None:
                zone = self.zones[group["business_id"]]
                found.append((attendee["patient_id"], group["starts_at"].astimezone(zone).date()))
        return found

    # --- appointments and notes -----------------------------------------------------------------------

    def _add_appointments_and_notes(self, bookings: list[_Booking]) -> None:
        # Ids follow local calendar order, which does not change when daylight saving does.
        bookings.sort(key=lambda b: (b.day, b.business_id, b.starts_at, b.practitioner_id))
        next_note_id = FIRST_TREATMENT_NOTE_ID
        for offset, booking in enumerate(bookings):
            appointment_id = FIRST_APPOINTMENT_ID + offset
            row, note_draft = self._appointment_row(appointment_id, booking)
            template = self._note_template(booking) if row["patient_arrived"] else None
            if template is not None:
                note = self._treatment_note_row(next_note_id, appointment_id, booking, template, note_draft)
                self.rows.treatment_notes.append(note)
                row["treatment_note_status"] = (
                    _TREATMENT_NOTE_STATUS_DRAFT if note["draft"] else _TREATMENT_NOTE_STATUS_FINAL
                )
                next_note_id += 1
            self.rows.appointments.append(row)

    def _appointment_row(self, appointment_id: int, booking: _Booking) -> tuple[Row, bool]:
        """The appointment's row and whether its note (if any) is still a draft."""
        rng = _rng("appointment", appointment_id)
        now = self.calendar.reference_now()
        is_past = booking.day < self.calendar.today
        booked_at = booking.starts_at - timedelta(days=rng.randint(1, 28), minutes=rng.randint(0, 600))
        booked_at = min(booked_at, now - timedelta(days=rng.randint(0, 14), minutes=rng.randint(0, 600)))
        outcome = booking.pinned_outcome or _random_outcome(rng.random(), is_past)
        draft_roll, note_roll, reason_roll, share_roll = rng.random(), rng.random(), rng.random(), rng.random()
        recent = booking.day >= self.calendar.today - timedelta(days=7)

        row: Row = {
            "id": appointment_id,
            "business_id": booking.business_id,
            "practitioner_id": booking.practitioner_id,
            "appointment_type_id": booking.appointment_type_id,
            "patient_id": booking.patient_id,
            "starts_at": booking.starts_at,
            "ends_at": booking.ends_at,
            "notes": booking.pinned_notes,
            "did_not_arrive": outcome == "did_not_arrive",
            "patient_arrived": outcome == "attended",
            "cancelled_at": None,
            "cancellation_reason": None,
            "cancellation_note": None,
            "archived_at": None,
            "treatment_note_status": None,
            "created_at": booked_at,
            "updated_at": booked_at,
        }
        if booking.pinned_outcome is None and note_roll < _APPOINTMENT_NOTE_PROBABILITY:
            row["notes"] = rng.choice(APPOINTMENT_NOTES)
        if outcome == "cancelled":
            reason, note = booking.pinned_cancellation or _random_cancellation(reason_roll, rng)
            latest = min(booking.starts_at, now)
            cancelled_at = booked_at + timedelta(
                seconds=int((latest - booked_at).total_seconds() * (0.3 + 0.65 * share_roll))
            )
            row.update(
                cancelled_at=cancelled_at,
                cancellation_reason=reason,
                cancellation_note=note,
                updated_at=cancelled_at,
            )
        elif outcome in ("attended", "did_not_arrive"):
            row["updated_at"] = booking.ends_at + timedelta(minutes=5 + int(20 * share_roll))
        draft = booking.pinned_draft_note or (
            booking.pinned_outcome is None and recent and draft_roll < _RECENT_DRAFT_PROBABILITY
        )
        return row, draft

    def _note_template(self, booking: _Booking) -> TemplateSeed | None:
        practitioner = self.practitioners[booking.practitioner_id]
        template_id = (
            practitioner.note_template_id or self.types[booking.appointment_type_id].treatment_note_template_id
        )
        template = self.templates.get(template_id) if template_id is not None else None
        if template is None or template.complaint_kind is None:
            return None
        return template

    def _treatment_note_row(
        self, note_id: int, appointment_id: int, booking: _Booking, template: TemplateSeed, draft: bool
    ) -> Row:
        rng = _rng("treatment note", appointment_id)
        practitioner = self.practitioners[booking.practitioner_id]
        assert template.complaint_kind is not None  # _note_template only returns templates with one
        complaint = _complaint_of(self.patients[booking.patient_id], template.complaint_kind)
        created = booking.ends_at + timedelta(minutes=rng.randint(3, 40))
        finalized = None if draft else created + timedelta(minutes=rng.randint(2, 180))
        return {
            "id": note_id,
            "patient_id": booking.patient_id,
            "practitioner_id": practitioner.id,
            "treatment_note_template_id": template.id,
            "booking_id": appointment_id,
            "title": template.name,
            "draft": draft,
            "finalized_at": finalized,
            "author_name": f"{practitioner.first_name} {practitioner.last_name}",
            "content": _note_content(template, complaint, booking.day, rng),
            "archived_at": None,
            "created_at": created,
            "updated_at": finalized or created,
        }

    # --- attachments ----------------------------------------------------------------------------------

    def _add_attachments(self) -> None:
        for attachment in ATTACHMENTS:
            patient = self.patients[attachment.patient_id]
            zone = self.zones[patient.home_business_id]
            uploaded = _at(self.calendar.day(attachment.week, attachment.day), attachment.at, zone)
            processed = uploaded + timedelta(seconds=4)
            data = _attachment_bytes(attachment)
            self.rows.patient_attachments.append(
                {
                    "id": attachment.id,
                    "patient_id": attachment.patient_id,
                    "user_id": attachment.user_id,
                    "description": attachment.description,
                    "filename": attachment.filename,
                    "content_type": attachment.content_type,
                    "size": len(data),
                    "data": data,
                    "processing_completed": True,
                    "processed_at": processed,
                    "archived_at": None,
                    "created_at": uploaded,
                    "updated_at": processed,
                }
            )


def _practitioner_start_day(practitioner: PractitionerSeed) -> int:
    """Days after the practice opened that a practitioner joined (after their clinic opened)."""
    opened = max(_business_start_day(_BUSINESSES_BY_ID[b]) for b in practitioner.business_ids)
    return opened + 5 + (practitioner.id % 100) * 11


def _business_start_day(business: BusinessSeed) -> int:
    """Days after the practice opened that a business did: the London clinic came later."""
    return 400 if business.country_code == "GB" else 0


def _weekly_rows(practitioner: PractitionerSeed) -> list[tuple[int, int, tuple[tuple[str, str], ...]]]:
    """``(business_id, cliniko_weekday, periods)`` per working day, Monday first, as Cliniko lists them."""
    rows = [(shift.business_id, day, shift.periods) for shift in practitioner.shifts for day in shift.days]
    keys = [(business_id, day) for business_id, day, _ in rows]
    if len(set(keys)) != len(keys):
        raise ValueError(f"Practitioner {practitioner.id} has two shifts on one day at one business.")
    return sorted(rows, key=lambda row: (row[0], (row[1] + 6) % 7))


def _has_pinned_appointments(patient_id: int) -> bool:
    return any(pinned.patient_id == patient_id for pinned in PINNED_APPOINTMENTS)


def _random_outcome(roll: float, is_past: bool) -> Outcome:
    if roll < _CANCELLED_PROBABILITY:
        return "cancelled"
    if not is_past:
        return "booked"
    if roll < _CANCELLED_PROBABILITY + _DID_NOT_ARRIVE_PROBABILITY:
        return "did_not_arrive"
    return "attended"


def _random_cancellation(roll: float, rng: random.Random) -> tuple[int, str]:
    reasons = list(CANCELLATION_REASON_WEIGHTS)
    total = sum(CANCELLATION_REASON_WEIGHTS.values())
    threshold = roll * total
    for reason in reasons:
        threshold -= CANCELLATION_REASON_WEIGHTS[reason]
        if threshold < 0:
            return reason, rng.choice(CANCELLATION_NOTES[reason])
    return reasons[-1], rng.choice(CANCELLATION_NOTES[reasons[-1]])


# ---------------------------------------------------------------------------------------------------------
# The scheduler: pinned appointments first, then a random fill of each practitioner's free time


class _Scheduler:
    def __init__(self, builder: _PracticeBuilder) -> None:
        self.builder = builder
        self.calendar = builder.calendar
        self.busy: dict[int, list[Interval]] = {p.id: [] for p in PRACTITIONERS}
        self.pools = _PatientPools(builder.patients.values())
        self.extra_hours: dict[tuple[int, date], list[tuple[int, Interval]]] = {}
        for extra in AVAILABILITY_BLOCKS:
            day = self.calendar.day(extra.week, extra.day)
            zone = builder.zones[extra.business_id]
            interval = Interval(_at(day, extra.starts_at, zone), _at(day, extra.ends_at, zone))
            self.extra_hours.setdefault((extra.practitioner_id, day), []).append((extra.business_id, interval))
        for block in UNAVAILABLE_BLOCKS:
            self.busy[block.practitioner_id].append(Interval(*builder.unavailable_interval(block.id)))
        for practitioner_id, interval in builder.class_busy_time():
            self.busy[practitioner_id].append(interval)
        for patient_id, day in builder.class_attendances():
            self.pools.book(patient_id, day)

    def bookings(self) -> list[_Booking]:
        bookings = [self._pinned(index) for index in range(len(PINNED_APPOINTMENTS))]
        for booking in bookings:
            self.busy[booking.practitioner_id].append(Interval(booking.starts_at, booking.ends_at))
            self.pools.book(booking.patient_id, booking.day)
        for day in self.calendar.days():
            for practitioner in PRACTITIONERS:
                if practitioner.active:
                    bookings.extend(self._fill_day(practitioner, day))
        return bookings

    def _pinned(self, index: int) -> _Booking:
        pinned = PINNED_APPOINTMENTS[index]
        day = self.calendar.day(pinned.week, pinned.day)
        starts_at = _at(day, pinned.starts_at, self.builder.zones[pinned.business_id])
        duration = timedelta(minutes=self.builder.types[pinned.appointment_type_id].duration_in_minutes)
        cancellation = (
            (pinned.cancellation_reason, pinned.cancellation_note or "")
            if pinned.cancellation_reason is not None
            else None
        )
        return _Booking(
            practitioner_id=pinned.practitioner_id,
            business_id=pinned.business_id,
            appointment_type_id=pinned.appointment_type_id,
            patient_id=pinned.patient_id,
            day=day,
            starts_at=starts_at,
            ends_at=starts_at + duration,
            pinned_outcome=pinned.outcome,
            pinned_notes=pinned.notes,
            pinned_cancellation=cancellation,
            pinned_draft_note=pinned.draft_note,
        )

    def _working_time(self, practitioner: PractitionerSeed, day: date) -> dict[int, list[Interval]]:
        """Per business, the practitioner's working time that local day: weekly hours and extra blocks."""
        by_business: dict[int, list[Interval]] = {}
        weekday = _cliniko_weekday(day)
        for shift in practitioner.shifts:
            if weekday in shift.days:
                zone = self.builder.zones[shift.business_id]
                by_business.setdefault(shift.business_id, []).extend(
                    Interval(_at(day, start, zone), _at(day, end, zone)) for start, end in shift.periods
                )
        for business_id, interval in self.extra_hours.get((practitioner.id, day), ()):
            by_business.setdefault(business_id, []).append(interval)
        return {business_id: merge(intervals) for business_id, intervals in sorted(by_business.items())}

    def _fill_day(self, practitioner: PractitionerSeed, day: date) -> list[_Booking]:
        rng = _rng("day", practitioner.id, self.calendar.offset(day))
        bookings: list[_Booking] = []
        for business_id, working in self._working_time(practitioner, day).items():
            kinds = self._bookable_types(practitioner, business_id)
            for free in subtract(working, self.busy[practitioner.id]):
                bookings.extend(self._fill_interval(practitioner, business_id, day, free, kinds, rng))
        return bookings

    def _bookable_types(self, practitioner: PractitionerSeed, business_id: int) -> list[AppointmentTypeSeed]:
        types = self.builder.types
        return [
            types[type_id]
            for type_id in practitioner.appointment_type_ids
            if business_id in types[type_id].business_ids
            and types[type_id].popularity > 0
            and types[type_id].max_attendees == 1
            and not types[type_id].archived
        ]

    def _fill_interval(
        self,
        practitioner: PractitionerSeed,
        business_id: int,
        day: date,
        free: Interval,
        kinds: Sequence[AppointmentTypeSeed],
        rng: random.Random,
    ) -> list[_Booking]:
        bookings: list[_Booking] = []
        cursor = free.start
        while free.end - cursor >= _FIFTEEN_MINUTES:
            if rng.random() >= _BOOKING_PROBABILITY:
                # Leave a gap: the free time integrators will find as timeslots.
                cursor += _FIFTEEN_MINUTES if rng.random() < 0.3 else 2 * _FIFTEEN_MINUTES
                continue
            fitting = [k for k in kinds if timedelta(minutes=k.duration_in_minutes) <= free.end - cursor]
            if not fitting:
                break
            kind = rng.choices(fitting, weights=[k.popularity for k in fitting])[0]
            patient_id = self.pools.pick(business_id, day, rng)
            ends_at = cursor + timedelta(minutes=kind.duration_in_minutes)
            if patient_id is not None:
                self.pools.book(patient_id, day)
                bookings.append(_Booking(practitioner.id, business_id, kind.id, patient_id, day, cursor, ends_at))
            cursor = ends_at
        return bookings


class _PatientPools:
    """Who may be booked at each business: generated, unarchived patients of that region.

    Each patient has an activity weight (some come weekly, some once), and patients are three times as
    likely to be seen at their home clinic. A patient is booked at most once a day and twice a week.
    """

    _TRIES = 25
    _MAX_PER_WEEK = 2

    def __init__(self, patients: Iterable[PatientSeed]) -> None:
        self._candidates: dict[int, tuple[list[int], list[float]]] = {}
        self._days: set[tuple[int, date]] = set()
        self._weeks: Counter[tuple[int, date]] = Counter()
        bookable = [p for p in patients if p.purpose is None and not p.archived]
        for business in BUSINESSES:
            if business.archived:
                continue
            ids: list[int] = []
            weights: list[float] = []
            for patient in bookable:
                if _region(patient.home_business_id) != _region(business.id):
                    continue
                ids.append(patient.id)
                weight = _activity(patient.id) * (3 if patient.home_business_id == business.id else 1)
                weights.append(weights[-1] + weight if weights else weight)
            self._candidates[business.id] = (ids, weights)

    def book(self, patient_id: int, day: date) -> None:
        self._days.add((patient_id, day))
        self._weeks[(patient_id, _monday_of(day))] += 1

    def pick(self, business_id: int, day: date, rng: random.Random) -> int | None:
        """A patient free that day, or None when a few draws all hit busy patients."""
        ids, cumulative = self._candidates[business_id]
        monday = _monday_of(day)
        for _ in range(self._TRIES):
            patient_id = rng.choices(ids, cum_weights=cumulative)[0]
            if (patient_id, day) not in self._days and self._weeks[(patient_id, monday)] < self._MAX_PER_WEEK:
                return patient_id
        return None


def _monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _region(business_id: int) -> str:
    return _BUSINESSES_BY_ID[business_id].country_code


def _activity(patient_id: int) -> float:
    return float(_rng("activity", patient_id).choice((1, 1, 2, 2, 3)))


# ---------------------------------------------------------------------------------------------------------
# Generated patients


@functools.cache
def _generated_patients() -> tuple[PatientSeed, ...]:
    rng = _rng("patients")
    taken_names = {(p.first_name, p.last_name) for p in DOCUMENTED_PATIENTS.values()}
    taken_names |= {(p.first_name, p.last_name) for p in PRACTITIONERS}
    first_id = max(DOCUMENTED_PATIENTS) + 1
    archived_id = first_id + 39
    counters = {"AU": 0, "GB": 0}
    patients: list[PatientSeed] = []
    for patient_id in range(first_id, first_id + PATIENT_COUNT - len(DOCUMENTED_PATIENTS)):
        region = "GB" if patient_id % 3 == 0 else "AU"
        counters[region] += 1
        patients.append(
            _generated_patient(patient_id, region, counters[region], taken_names, rng, patient_id == archived_id)
        )
    return tuple(patients)


def _generated_patient(
    patient_id: int,
    region: str,
    serial: int,
    taken_names: set[tuple[str, str]],
    rng: random.Random,
    archived: bool,
) -> PatientSeed:
    female = rng.random() < 0.55
    if region == "AU":
        first_names = AU_FEMALE_FIRST_NAMES if female else AU_MALE_FIRST_NAMES
        last_names = AU_LAST_NAMES
    else:
        first_names = UK_FEMALE_FIRST_NAMES if female else UK_MALE_FIRST_NAMES
        last_names = UK_LAST_NAMES
    while True:
        first_name, last_name = rng.choice(first_names), rng.choice(last_names)
        if (first_name, last_name) not in taken_names:
            taken_names.add((first_name, last_name))
            break
    birth = date(rng.randint(1945, 2009), rng.randint(1, 12), rng.randint(1, 28))
    email = None
    if rng.random() < 0.9:
        domain = rng.choice(("example.com", "example.org"))
        email = f"{_email_part(first_name)}.{_email_part(last_name)}@{domain}"
    occupation = rng.choice(OCCUPATIONS) if rng.random() < 0.85 else None
    notes = rng.choice(PATIENT_NOTES) if rng.random() < 0.08 else None
    has_reference = rng.random() < 0.12
    nickname = NICKNAMES.get(first_name) if rng.random() < 0.5 else None
    reminder = rng.choices(("SMS & Email", "SMS", "Email", "None"), weights=(50, 25, 15, 10))[0]
    title = _title(female, rng)
    home_phone = rng.random() < 0.15
    number = rng.randint(1, 180)
    if region == "AU":
        street, suburb, post_code = rng.choice(AU_STREETS)
        unit = rng.randint(1, 24) if rng.random() < 0.3 else None
        medicare = _medicare_number(rng) if rng.random() < 0.6 else None
        phones = [_phone_au_mobile(serial)]
        if home_phone:
            phones.append(_phone_au_home(serial))
        return PatientSeed(
            id=patient_id,
            title=title,
            first_name=first_name,
            last_name=last_name,
            date_of_birth=birth,
            sex="Female" if female else "Male",
            email=email,
            phones=tuple(phones),
            address_1=f"{unit}/{number} {street}" if unit else f"{number} {street}",
            city=suburb,
            state="NSW",
            post_code=post_code,
            country="Australia",
            country_code="AU",
            home_business_id=1001 if rng.random() < 0.55 else 1002,
            preferred_first_name=nickname,
            occupation=occupation,
            notes=notes,
            old_reference_id=f"PMS-{patient_id - 4000:06d}" if has_reference else None,
            medicare=medicare,
            reminder_type=reminder,
            archived=archived,
        )
    street, post_code = rng.choice(UK_STREETS)
    flat = rng.randint(1, 30) if rng.random() < 0.35 else None
    phones = [_phone_uk_mobile(serial)]
    if home_phone:
        phones.append(_phone_uk_home(serial))
    return PatientSeed(
        id=patient_id,
        title=title,
        first_name=first_name,
        last_name=last_name,
        date_of_birth=birth,
        sex="Female" if female else "Male",
        email=email,
        phones=tuple(phones),
        address_1=f"Flat {flat}, {number} {street}" if flat else f"{number} {street}",
        city="London",
        state=None,
        post_code=post_code,
        country="United Kingdom",
        country_code="GB",
        home_business_id=1003,
        preferred_first_name=nickname,
        occupation=occupation,
        notes=notes,
        old_reference_id=f"TPC-{patient_id - 3000}" if has_reference else None,
        reminder_type=reminder,
        archived=archived,
    )


def _title(female: bool, rng: random.Random) -> str | None:
    if rng.random() < 0.1:
        return None
    if female:
        return rng.choices(("Ms", "Mrs", "Miss", "Dr"), weights=(50, 25, 15, 10))[0]
    return rng.choices(("Mr", "Dr"), weights=(90, 10))[0]


def _email_part(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return "".join(char for char in ascii_name.lower() if char.isalnum() or char == "-")


def _phone_au_mobile(serial: int) -> PhoneSeed:
    # 0491 571 000 onwards; the documented patients use 0491 570 1xx.
    number = f"0491 57{1 + serial // 1000} {serial % 1000:03d}"
    return PhoneSeed("Mobile", number, "61" + number.replace(" ", "")[1:])


def _phone_au_home(serial: int) -> PhoneSeed:
    number = f"(02) 5550 {1000 + serial:04d}"
    digits = "".join(char for char in number if char.isdigit())
    return PhoneSeed("Home", number, "61" + digits[1:])


def _phone_uk_mobile(serial: int) -> PhoneSeed:
    # 07700 900200 onwards; the documented patients use 07700 9001xx.
    number = f"07700 900{200 + serial:03d}"
    return PhoneSeed("Mobile", number, "44" + number.replace(" ", "")[1:])


def _phone_uk_home(serial: int) -> PhoneSeed:
    number = f"020 7946 0{500 + serial:03d}"
    return PhoneSeed("Home", number, "44" + number.replace(" ", "")[1:])


def _medicare_number(rng: random.Random) -> str:
    """A Medicare card number with a valid check digit (weights 1,3,7,9,1,3,7,9) and an issue number."""
    digits = [rng.randint(2, 6)] + [rng.randint(0, 9) for _ in range(7)]
    check = sum(d * w for d, w in zip(digits, (1, 3, 7, 9, 1, 3, 7, 9), strict=True)) % 10
    body = "".join(map(str, digits)) + str(check)
    return f"{body[:4]} {body[4:]} {rng.randint(1, 3)}"


def _patient_row(patient: PatientSeed, created: datetime, archived_at: datetime | None) -> Row:
    return {
        "id": patient.id,
        "title": patient.title,
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "preferred_first_name": patient.preferred_first_name,
        "date_of_birth": patient.date_of_birth,
        "sex": patient.sex,
        "gender_identity": patient.gender_identity,
        "email": patient.email,
        "patient_phone_numbers": [
            {"phone_type": p.phone_type, "number": p.number, "normalized_number": p.normalized_number}
            for p in patient.phones
        ],
        "address_1": patient.address_1,
        "address_2": patient.address_2,
        "address_3": None,
        "city": patient.city,
        "state": patient.state,
        "post_code": patient.post_code,
        "country": patient.country,
        "country_code": patient.country_code,
        "occupation": patient.occupation,
        "notes": patient.notes,
        "old_reference_id": patient.old_reference_id,
        "time_zone": None,
        "medicare": patient.medicare,
        "reminder_type": patient.reminder_type,
        "archived_at": archived_at,
        "created_at": created,
        "updated_at": archived_at or created,
    }


# ---------------------------------------------------------------------------------------------------------
# Treatment note content (Cliniko's schema: sections → questions → answer / answers / other)


def _template_content(template: TemplateSeed) -> dict[str, Any]:
    return {
        "sections": [
            _section(section.name, section.description, [_template_question(q) for q in section.questions])
            for section in template.sections
        ]
    }


def _section(name: str, description: str | None, questions: list[dict[str, Any]]) -> dict[str, Any]:
    section: dict[str, Any] = {"name": name}
    if description:
        section["description"] = description
    section["questions"] = questions
    return section


def _template_question(question: QuestionSeed) -> dict[str, Any]:
    body: dict[str, Any] = {"name": question.name, "type": question.type}
    if question.options:
        body["answers"] = [{"value": option} for option in question.options]
    if question.other_enabled:
        body["other"] = {"enabled": True}
    return body


def _note_content(template: TemplateSeed, complaint: ComplaintSeed, day: date, rng: random.Random) -> dict[str, Any]:
    context = {
        "summary": complaint.summary,
        "history": complaint.history,
        "findings": complaint.findings,
        "impression": complaint.impression,
        "plan": complaint.plan,
        "pain": str(rng.randint(1, 7)),
    }
    return {
        "sections": [
            _section(
                section.name,
                section.description,
                [_answered_question(question, context, day, rng) for question in section.questions],
            )
            for section in template.sections
        ]
    }


def _answered_question(
    question: QuestionSeed, context: Mapping[str, str], day: date, rng: random.Random
) -> dict[str, Any]:
    body = _template_question(question)
    if question.type in ("text", "paragraph") and question.samples:
        body["answer"] = rng.choice(question.samples).format(**context)
    elif question.type == "date":
        body["answer"] = (day + timedelta(days=rng.randint(*question.date_offset_days))).isoformat()
    elif question.type == "radiobuttons":
        chosen = {rng.choice(question.samples or question.options)}
        body["answers"] = _marked(question.options, chosen)
    elif question.type == "checkboxes":
        count = min(rng.randint(*question.pick), len(question.options))
        body["answers"] = _marked(question.options, set(rng.sample(question.options, count)))
    return body


def _marked(options: Sequence[str], chosen: set[str]) -> list[dict[str, Any]]:
    # Cliniko accepts only `selected: true`; an unselected answer carries no `selected` key at all.
    return [{"value": option, "selected": True} if option in chosen else {"value": option} for option in options]


def _complaint_of(patient: PatientSeed, kind: ComplaintKind) -> ComplaintSeed:
    """The patient's complaint of that kind: named for documented patients, else a stable pick."""
    of_kind = [complaint for complaint in COMPLAINTS if complaint.kind == kind]
    for complaint in of_kind:
        if complaint.key in patient.complaint_keys:
            return complaint
    return of_kind[(patient.id * 7 + len(kind)) % len(of_kind)]


# ---------------------------------------------------------------------------------------------------------
# Attachment bytes: a real PDF, PNG or text file, built here so the seed needs no binary assets


def _attachment_bytes(attachment: AttachmentSeed) -> bytes:
    if attachment.content_type == "application/pdf":
        return _pdf_document(attachment.lines)
    if attachment.content_type == "image/png":
        return _png_image(160, 120)
    return ("\n".join(attachment.lines) + "\n").encode("utf-8")


def _pdf_document(lines: Sequence[str]) -> bytes:
    """A one-page PDF 1.4 showing ``lines`` in Helvetica, with a correct cross-reference table."""
    text = ["BT", "/F1 11 Tf", "15 TL", "56 780 Td"]
    text.extend(f"({_pdf_string(line)}) Tj T*" for line in lines)
    text.append("ET")
    stream = "\n".join(text).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    document = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(document))
        document += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(document)
    document += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    document += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    document += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(document)


def _pdf_string(line: str) -> str:
    latin = line.encode("latin-1", "replace").decode("latin-1")
    return latin.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _png_image(width: int, height: int) -> bytes:
    """An 8-bit greyscale PNG of an ultrasound-like fan, so the file is a real, viewable image."""
    raw = bytearray()
    for y in range(height):
        raw.append(0)  # filter type: none
        for x in range(width):
            inside_fan = abs(x - width / 2) < (y + 8) * 0.8
            speckle = ((x * 73 + y * 151) ^ (x * y)) % 97
            raw.append(min(255, 40 + speckle + (60 if 55 < y < 70 else 0)) if inside_fan else 0)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
