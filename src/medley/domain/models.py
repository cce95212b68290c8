"""The unified vocabulary shared by the gateway and every connector (DESIGN.md §2, Records).

Ids are strings everywhere; datetimes are timezone-aware. Fields may be added, never renamed.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema


def _with_offset(moment: datetime) -> str:
    # Pydantic writes a zero offset as "Z"; the contract promises the numeric offset in the unit's zone.
    return moment.isoformat()


# A timezone-aware instant, rendered in JSON as ISO 8601 with its numeric offset (+00:00, never Z).
Instant = Annotated[
    AwareDatetime,
    PlainSerializer(_with_offset, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email_address(value: str) -> str:
    # Checked here, not left to the EHR: its refusal would come late and name its own field, not ours.
    value = value.strip()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError("is not an email address (name@example.org)")
    return value


EmailAddress = Annotated[str, AfterValidator(_email_address)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Address(_Record):
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


class CareUnit(_Record):
    id: str
    name: str
    timezone: str = Field(description="IANA time zone of the care unit, e.g. Australia/Sydney.")
    address: Address | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None


class ResourceKind(StrEnum):
    practitioner = "practitioner"
    equipment = "equipment"


class Resource(_Record):
    id: str
    name: str
    first_name: str | None = None
    last_name: str | None = None
    title: str | None = None
    kind: ResourceKind = ResourceKind.practitioner
    designation: str | None = Field(default=None, description="Profession, e.g. Physiotherapist.")
    description: str | None = None


class ScheduleBlock(_Record):
    start: Instant
    end: Instant


class HealthcareService(_Record):
    id: str
    name: str
    duration_minutes: int
    description: str | None = None
    price: str | None = Field(default=None, description="Price as a decimal string, where the EHR has one.")
    resource_ids: list[str] = Field(default_factory=list)


class Timeslot(_Record):
    start: Instant
    end: Instant
    resource_id: str
    healthcare_service_id: str


class PatientBase(_Record):
    first_name: str | None = None
    last_name: str | None = None
    birth_date: date | None = None
    gender: str | None = None
    external_id: str | None = None
    phones: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    address: Address | None = None


# Bounds on what a client may send about a patient (documented in docs/reference.md, "Limits").
MAX_PATIENT_TEXT = 255
MAX_CONTACTS = 10
ShortText = Annotated[str, Field(max_length=MAX_PATIENT_TEXT)]
PhoneNumber = Annotated[str, Field(max_length=50)]


class BoundedAddress(Address):
    line1: ShortText | None = None
    line2: ShortText | None = None
    city: ShortText | None = None
    state: ShortText | None = None
    postal_code: Annotated[str, Field(max_length=20)] | None = None
    country: ShortText | None = None


class PatientCreate(PatientBase):
    first_name: str = Field(min_length=1, max_length=MAX_PATIENT_TEXT)
    last_name: str = Field(min_length=1, max_length=MAX_PATIENT_TEXT)
    gender: Annotated[str, Field(max_length=50)] | None = None
    external_id: Annotated[str, Field(max_length=100)] | None = None
    phones: list[PhoneNumber] = Field(default_factory=list, max_length=MAX_CONTACTS)
    emails: list[EmailAddress] = Field(default_factory=list, max_length=MAX_CONTACTS)
    address: BoundedAddress | None = None


class PatientUpdate(PatientBase):
    """Changes to an existing patient: a field left ``None`` (a list left empty) is kept as it is; ``phones``
    and ``emails``, when given, are the patient's whole new lists (most recent first)."""


class PatientQuery(_Record):
    """Search criteria; every field narrows the result (AND)."""

    first_name: str | None = None
    last_name: str | None = None
    birth_date: date | None = None
    email: str | None = None
    phone: str | None = None
    external_id: str | None = None
    ids: list[str] | None = Field(default=None, description="Only these patients (EHR ids), in one read.")


class Patient(PatientBase):
    id: str
    emr_id: str
    care_unit_id: str


class AppointmentStatus(StrEnum):
    booked = "booked"
    awaiting_confirmation = "awaiting_confirmation"
    completed = "completed"
    cancelled = "cancelled"
    did_not_arrive = "did_not_arrive"


class Appointment(_Record):
    id: str
    care_unit_id: str
    start: Instant
    end: Instant
    status: AppointmentStatus
    patient_id: str | None
    resource_id: str
    healthcare_service_id: str | None
    comment: str | None = None
    created_at: Instant | None = None
    updated_at: Instant | None = None


class AppointmentQuery(_Record):
    patient_id: str | None = None
    resource_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    status: AppointmentStatus | None = None


class NewAppointment(_Record):
    """A booking the connector writes once the service has validated the slot."""

    start: Instant
    end: Instant
    patient_id: str
    resource_id: str
    healthcare_service_id: str
    comment: str | None = None


class AppointmentChange(_Record):
    """A reschedule or edit; unset fields are left as they are."""

    start: Instant | None = None
    end: Instant | None = None
    resource_id: str | None = None
    comment: str | None = None


class MedicalNote(_Record):
    id: str
    patient_id: str
    template_id: str | None
    title: str | None
    content: dict[str, Any]
    created_by_id: str | None
    created_at: Instant | None
    signed: bool


class NewMedicalNote(_Record):
    template_id: str
    title: str | None = None
    created_by_id: str | None = None
    content: dict[str, Any]


class Document(_Record):
    id: str
    patient_id: str
    title: str | None
    type: str | None
    format: str | None = Field(description="MIME type, e.g. application/pdf.")
    size: int | None
    created_by_id: str | None
    created_at: Instant | None


class NewDocument(_Record):
    title: str
    type: str | None = None
    format: str
    created_by_id: str | None = None
    content: bytes


class DocumentFile(_Record):
    filename: str | None
    format: str
    content: bytes
