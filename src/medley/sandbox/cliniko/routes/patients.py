"""Patients: list (``q[]`` on Cliniko's fields), show, create, update, archive and unarchive.

``DELETE`` archives, as in Cliniko's current API. A PATCH with ``patient_phone_numbers`` replaces the
whole list; ``normalized_number`` and ``label`` are computed, never written. Every field the official
document defines for the request is read: stored and returned, or (``unsubscribe_sms_marketing``, which
is write-only) applied to the field it stands for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import JSONResponse, Response

from medley.sandbox.cliniko import serializers
from medley.sandbox.cliniko.bodies import MISSING, FieldReader, read_json_object
from medley.sandbox.cliniko.deps import ContextDep, ReadSession, UrlsDep, WriteSession
from medley.sandbox.cliniko.errors import CANT_BE_BLANK, IS_INVALID, NOT_IN_LIST
from medley.sandbox.cliniko.filters import booleans, dates, ids, instants, strings
from medley.sandbox.cliniko.listing import Collection, archive_record, find_visible, get_or_404, list_response, path_id
from medley.sandbox.cliniko.responses import created, no_content
from medley.sandbox.cliniko.structured_fields import read_custom_fields, read_pronouns
from medley.sandbox.cliniko.tables import Patient
from medley.sandbox.cliniko.time_zones import is_known_zone

router = APIRouter()

PATIENTS = Collection(
    "patients",
    {
        "accepted_privacy_policy": booleans(Patient.accepted_privacy_policy),
        "archived_at": instants(Patient.archived_at),
        "created_at": instants(Patient.created_at),
        "date_of_birth": dates(Patient.date_of_birth),
        "email": strings(Patient.email),
        "first_name": strings(Patient.first_name),
        "id": ids(Patient.id),
        "last_name": strings(Patient.last_name),
        "old_reference_id": strings(Patient.old_reference_id),
        "preferred_first_name": strings(Patient.preferred_first_name),
        "updated_at": instants(Patient.updated_at),
    },
    hidden=("archived_at",),
)

PHONE_TYPES: Final = ("Mobile", "Home", "Work", "Fax", "Other")
REMINDER_TYPES: Final = ("None", "SMS", "Email", "SMS & Email")
_PLAIN_TEXT_FIELDS: Final = (
    "title",
    "preferred_first_name",
    "sex",
    "gender_identity",
    "address_1",
    "address_2",
    "address_3",
    "city",
    "state",
    "post_code",
    "country",
    "occupation",
    "old_reference_id",
    "medicare",
    "medicare_reference_number",
    "emergency_contact",
    "referral_source",
)
_LONG_TEXT_FIELDS: Final = ("notes", "appointment_notes", "invoice_default_to", "invoice_extra_information")
_FLAGS: Final = (
    "accepted_privacy_policy",
    "accepted_email_marketing",
    "receives_confirmation_emails",
    "receives_cancellation_emails",
)
_RELATION_IDS: Final = {"concession_type_id": "concession_type", "referring_doctor_id": "referring_doctor"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# The document's pattern for an Australian DVA file number (read case-insensitively, as Rails does).
_DVA_CARD_NUMBER = re.compile(
    r"^[NVQSWT]([A-Z ][0-9]{1,6}|[A-Z]{2}[0-9]{1,5}|[A-Z]{3}[0-9]{1,4})[A-Z]?$", re.IGNORECASE
)
_COUNTRY_CODE = re.compile(r"^[A-Za-z]{2}$")


def _changes(reader: FieldReader, *, creating: bool) -> dict[str, Any]:
    """The columns a create or update sets; on update only the fields the body names."""
    changes: dict[str, Any] = {}
    for name in ("first_name", "last_name"):
        if creating or reader.has(name):
            changes[name] = reader.text(name, required=True)
    for name in _PLAIN_TEXT_FIELDS:
        changes[name] = reader.text(name)
    for name in _LONG_TEXT_FIELDS:
        changes[name] = reader.text(name, max_length=None)
    for name in _FLAGS:
        changes[name] = reader.flag(name, nullable=True)
    for name, relation in _RELATION_IDS.items():
        # Concession types and contacts are not served: any well-formed id is kept and linked.
        changes[name] = reader.record_id(name, relation=relation)
    changes["email"] = _email(reader, "email")
    changes["invoice_email"] = _email(reader, "invoice_email")
    changes["dva_card_number"] = _dva_card_number(reader)
    changes["pronouns"] = read_pronouns(reader)
    changes["custom_fields"] = read_custom_fields(reader)
    if reader.flag("unsubscribe_sms_marketing") is True:
        # Write-only: the patient opts out of SMS marketing, which accepted_sms_marketing then shows.
        changes["accepted_sms_marketing"] = False
    changes["country_code"] = _country_code(reader)
    changes["date_of_birth"] = reader.day("date_of_birth")
    changes["reminder_type"] = reader.choice("reminder_type", REMINDER_TYPES)
    changes["time_zone"] = _time_zone(reader)
    changes["patient_phone_numbers"] = _phone_numbers(reader)
    return {name: value for name, value in changes.items() if value is not MISSING}


def _email(reader: FieldReader, name: str) -> Any:
    email = reader.text(name)
    if isinstance(email, str):
        email = email.strip()
        if not email:
            return None
        if not _EMAIL.match(email):
            reader.fail(name, IS_INVALID)
    return email


def _dva_card_number(reader: FieldReader) -> Any:
    number = reader.text("dva_card_number")
    if isinstance(number, str):
        if not number.strip():
            return None
        if not _DVA_CARD_NUMBER.match(number):
            reader.fail("dva_card_number", IS_INVALID)
            return None
    return number


def _country_code(reader: FieldReader) -> Any:
    code = reader.text("country_code", max_length=None)
    if isinstance(code, str):
        if not code:
            return None
        if not _COUNTRY_CODE.match(code):
            reader.fail("country_code", IS_INVALID)
            return None
        return code.upper()
    return code


def _time_zone(reader: FieldReader) -> Any:
    zone = reader.text("time_zone", max_length=None)
    if not isinstance(zone, str):
        return zone
    if zone and not is_known_zone(zone):
        reader.fail("time_zone", NOT_IN_LIST)
    return zone or None


def _phone_numbers(reader: FieldReader) -> Any:
    value = reader.body.get("patient_phone_numbers", MISSING)
    if value is MISSING:
        return MISSING
    if value is None:
        return []
    if not isinstance(value, list):
        reader.fail("patient_phone_numbers", IS_INVALID)
        return None
    numbers: list[dict[str, str]] = []
    for entry in value:
        if not isinstance(entry, dict):
            reader.fail("patient_phone_numbers", IS_INVALID)
            return None
        phone_type, number = entry.get("phone_type"), entry.get("number")
        if not isinstance(number, str | int) or isinstance(number, bool) or not str(number).strip():
            reader.fail("patient_phone_numbers.number", CANT_BE_BLANK)
        elif phone_type not in PHONE_TYPES:
            reader.fail("patient_phone_numbers.phone_type", NOT_IN_LIST)
        else:
            numbers.append({"phone_type": str(phone_type), "number": str(number).strip()})
    return numbers


@router.get("/patients")
async def list_patients(request: Request, session: ReadSession, urls: UrlsDep) -> Response:
    async def render(rows: Sequence[Patient]) -> list[dict[str, Any]]:
        return [serializers.patient(row, urls) for row in rows]

    return await list_response(request, session, urls, PATIENTS, select(Patient), render)


@router.get("/patients/{patient_id}")
async def show_patient(patient_id: str, request: Request, session: ReadSession, urls: UrlsDep) -> Response:
    statement = select(Patient).where(Patient.id == path_id(patient_id))
    row = await find_visible(request, session, PATIENTS, statement)
    return JSONResponse(serializers.patient(row, urls))


@router.post("/patients")
async def create_patient(request: Request, session: WriteSession, urls: UrlsDep, context: ContextDep) -> Response:
    reader = FieldReader(await read_json_object(request))
    changes = _changes(reader, creating=True)
    reader.raise_if_invalid()
    now = context.now()
    patient = Patient(patient_phone_numbers=[], created_at=now, updated_at=now)
    for name, value in changes.items():
        setattr(patient, name, value)
    session.add(patient)
    await session.commit()
    return created(serializers.patient(patient, urls))


@router.patch("/patients/{patient_id}")
@router.put("/patients/{patient_id}")
async def update_patient(
    patient_id: str, request: Request, session: WriteSession, urls: UrlsDep, context: ContextDep
) -> Response:
    patient = await get_or_404(session, Patient, path_id(patient_id))
    reader = FieldReader(await read_json_object(request))
    changes = _changes(reader, creating=False)
    reader.raise_if_invalid()
    for name, value in changes.items():
        setattr(patient, name, value)
    patient.updated_at = context.now()
    await session.commit()
    return JSONResponse(serializers.patient(patient, urls))


@router.post("/patients/{patient_id}/archive")
@router.delete("/patients/{patient_id}")
async def archive_patient(patient_id: str, session: WriteSession, context: ContextDep) -> Response:
    await archive_record(session, Patient, patient_id, context.now())
    return no_content()


@router.post("/patients/{patient_id}/unarchive")
async def unarchive_patient(patient_id: str, session: WriteSession, urls: UrlsDep, context: ContextDep) -> Response:
    patient = await get_or_404(session, Patient, path_id(patient_id))
    if patient.archived_at is not None:
        patient.archived_at = None
        patient.updated_at = context.now()
        await session.commit()
    return JSONResponse(serializers.patient(patient, urls))
