"""Field-by-field translation between Acuity's JSON and Medley's domain records.

Acuity renders datetimes with colon-less offsets (``2016-02-03T14:00:00-0800``) in the calendar's zone, and
reads a datetime without an offset in the calendar's zone too (PHP ``strtotime``, reference §1.6): Medley
therefore always sends an explicit offset computed in the calendar's own IANA zone, and renders each
appointment and timeslot in its calendar's zone, which may differ from the account's.

Patients are Acuity clients, which have no id (reference §7). A patient's id is derived from what identifies
the client on every appointment too: ``a`` and 24 hex digits of a SHA-256 of the lower-cased first name, last
name and e-mail address (the phone's digits when there is no e-mail). It is stable while those stay the same,
never reveals them, and is recomputed from any appointment to link it to its patient.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from medley.domain.errors import MedleyError
from medley.domain.models import (
    Address,
    Appointment,
    AppointmentStatus,
    CareUnit,
    HealthcareService,
    Patient,
    PatientCreate,
    Resource,
    ResourceKind,
)

PATIENT_ID_PREFIX = "a"
_PATIENT_ID = re.compile(r"^a[0-9a-f]{24}$")
BOOKABLE_TYPES = frozenset({"service", "class"})


def text(value: object) -> str | None:
    if value is None or value is False:
        return None
    result = str(value).strip()
    return result or None


def record_id(record: Mapping[str, Any], field: str = "id") -> str | None:
    value = record.get(field)
    if isinstance(value, bool) or value is None:
        return None
    result = str(value).strip()
    return result if result.isdigit() else None


def zone(name: object, fallback: str = "UTC") -> ZoneInfo:
    try:
        return ZoneInfo(str(name)) if name else ZoneInfo(fallback)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(fallback)


def parse_datetime(value: object) -> datetime | None:
    """Acuity's ``2013-07-02T10:15:00-0700`` (or with a colon); ``None`` when absent or without an offset."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def format_datetime(moment: datetime, tz: tzinfo) -> str:
    """``YYYY-MM-DDTHH:MM:SS±HHMM`` in ``tz``: what Acuity renders, and an explicit offset strtotime reads."""
    return moment.astimezone(tz).strftime("%Y-%m-%dT%H:%M:%S%z")


def care_unit_from_account(account: Mapping[str, Any], care_unit_id: str, location: str | None) -> CareUnit:
    return CareUnit(
        id=care_unit_id,
        name=text(account.get("name")) or "Acuity account",
        timezone=zone(account.get("timezone")).key,
        address=Address(line1=location) if location else None,
        email=text(account.get("email")),
    )


def resource_from_calendar(calendar: Mapping[str, Any]) -> Resource:
    name = text(calendar.get("name")) or f"Calendar {calendar.get('id')}"
    return Resource(
        id=str(calendar["id"]),
        name=name,
        kind=ResourceKind.practitioner,
        description=text(calendar.get("description")),
    )


def service_from_type(kind: Mapping[str, Any], calendar_ids: list[str]) -> HealthcareService:
    return HealthcareService(
        id=str(kind["id"]),
        name=text(kind.get("name")) or f"Appointment type {kind.get('id')}",
        duration_minutes=duration_of(kind),
        description=text(kind.get("description")),
        price=text(kind.get("price")),
        resource_ids=calendar_ids,
    )


def duration_of(record: Mapping[str, Any]) -> int:
    """``duration`` is an int on types and a string on appointments (reference §11.18)."""
    try:
        return max(0, int(str(record.get("duration") or 0)))
    except ValueError:
        return 0


def is_bookable(kind: Mapping[str, Any]) -> bool:
    """Active, public services and classes (a private type is offered by direct link only; a series is sold
    as a package, not a slot)."""
    return (
        kind.get("active") is not False
        and kind.get("private") is not True
        and str(kind.get("type") or "service") in BOOKABLE_TYPES
        and duration_of(kind) > 0
    )


def is_class(kind: Mapping[str, Any]) -> bool:
    """A class (or series): free only at its scheduled times, while seats are left."""
    return str(kind.get("type") or "service") != "service"


def seats_of(kind: Mapping[str, Any]) -> int:
    size = kind.get("classSize")
    return int(size) if isinstance(size, int) and size > 0 else 1


# ---- patients ----------------------------------------------------------------------------------------


def _digits(phone: str | None) -> str:
    return re.sub(r"\D", "", phone or "")


def patient_key(first_name: object, last_name: object, email: object, phone: object) -> str:
    """The id of the client with these details (see the module's docstring)."""
    contact = (text(email) or "").casefold() or _digits(text(phone))
    material = "\n".join(((text(first_name) or "").casefold(), (text(last_name) or "").casefold(), contact))
    return PATIENT_ID_PREFIX + hashlib.sha256(material.encode()).hexdigest()[:24]


def patient_id_of(record: Mapping[str, Any]) -> str:
    """The patient id of a client record or of an appointment (both carry the client's details)."""
    return patient_key(record.get("firstName"), record.get("lastName"), record.get("email"), record.get("phone"))


def is_patient_id(value: str) -> bool:
    return bool(_PATIENT_ID.match(value))


def patient_from_client(client: Mapping[str, Any], care_unit_id: str) -> Patient:
    patient_id = patient_id_of(client)
    email, phone = text(client.get("email")), text(client.get("phone"))
    return Patient(
        id=patient_id,
        emr_id=patient_id,
        care_unit_id=care_unit_id,
        first_name=text(client.get("firstName")),
        last_name=text(client.get("lastName")),
        phones=[phone] if phone else [],
        emails=[email] if email else [],
    )


def client_from_patient(patient: PatientCreate) -> dict[str, Any]:
    """What Acuity can hold of a patient: names, one e-mail, one phone (no birth date, no address)."""
    body: dict[str, Any] = {"firstName": patient.first_name.strip(), "lastName": patient.last_name.strip()}
    if patient.emails:
        body["email"] = patient.emails[0]
    if patient.phones:
        body["phone"] = patient.phones[0]
    return body


# ---- appointments ------------------------------------------------------------------------------------


def appointment_status(record: Mapping[str, Any], end: datetime, now: datetime) -> AppointmentStatus:
    if record.get("canceled") is True:
        return AppointmentStatus.did_not_arrive if record.get("noShow") is True else AppointmentStatus.cancelled
    return AppointmentStatus.completed if end <= now else AppointmentStatus.booked


def appointment_from_acuity(record: Mapping[str, Any], care_unit_id: str, now: datetime) -> Appointment:
    start = parse_datetime(record.get("datetime"))
    calendar_id = record_id(record, "calendarID")
    appointment_id = record_id(record)
    if start is None or calendar_id is None or appointment_id is None:
        raise MedleyError.emr_error("Acuity sent an appointment without id, time or calendar.", None, None)
    if text(record.get("calendarTimezone")):
        start = start.astimezone(zone(record.get("calendarTimezone")))
    end = start + timedelta(minutes=duration_of(record))
    created = parse_datetime(record.get("datetimeCreated"))
    return Appointment(
        id=appointment_id,
        care_unit_id=care_unit_id,
        start=start,
        end=end,
        status=appointment_status(record, end, now),
        patient_id=patient_id_of(record),
        resource_id=calendar_id,
        healthcare_service_id=record_id(record, "appointmentTypeID"),
        comment=text(record.get("notes")),
        created_at=created,
        updated_at=None,
    )
