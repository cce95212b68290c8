"""Cliniko JSON ⇄ Medley domain records, both ways, as pure functions (no I/O).

Cliniko conventions handled here (reference: shared/reference/cliniko-api.md §2, §6):

* Ids are 64-bit integers sent as strings (older docs show plain integers): both are read, and ids
  of related records come from the last segment of their ``links.self`` URL.
* Times are UTC with ``Z``; dates are ``YYYY-MM-DD``; unset strings may be ``""`` or ``null``.
  Appointment times are presented in the care unit's time zone, with its offset.

Choices this module documents, where Cliniko and Medley do not line up one to one:

* **Emails**: Cliniko keeps ONE email per patient. The first of ``emails`` is written, the rest are
  dropped; reading gives a list of zero or one.
* **Phones**: new numbers are written as ``Mobile``; numbers already on the record keep their type.
* **Gender**: Medley's ``gender`` is Cliniko's ``sex`` (``gender`` is deprecated there and read only
  as a fallback).
* **Unstructured notes** (``leyr_unstructured``): the text is one paragraph question, section "Note",
  question "Note". Cliniko sanitises paragraph answers as HTML and strips newlines, so the text is
  HTML-escaped and newlines become ``<br>``; reading reverses both. A note of exactly that shape
  reads back as ``{"unstructured": text}``; any other note keeps Cliniko's own template id and content.
* **Document type**: Cliniko attachments have only a description, so a typed document is written as
  ``"<type>: <title>"`` and a description with a ``": "`` is read back as type and title (the text
  before the first ``": "``, at most 64 characters, is the type). Without a description, the file
  name is the title.
"""

from __future__ import annotations

import html
import mimetypes
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from medley.domain.errors import MedleyError
from medley.domain.models import (
    Address,
    Appointment,
    AppointmentChange,
    AppointmentStatus,
    CareUnit,
    Document,
    HealthcareService,
    MedicalNote,
    NewAppointment,
    NewDocument,
    NewMedicalNote,
    Patient,
    PatientCreate,
    PatientUpdate,
    Resource,
    ResourceKind,
)

JsonObject = dict[str, Any]

UNSTRUCTURED_TEMPLATE = "leyr_unstructured"
UNSTRUCTURED_KEY = "unstructured"
_NOTE_SECTION = "Note"
_NOTE_QUESTION = "Note"
NEW_PHONE_TYPE = "Mobile"
_DESCRIPTION_TYPE = re.compile(r"^(?P<type>[^:\n]{1,64}): (?P<title>.+)$", re.DOTALL)
_DIGITS = re.compile(r"\d+")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_BLOCK_BOUNDARY = re.compile(r"</(?:div|p)>\s*<(?:div|p)>", re.IGNORECASE)
_BLOCK_TAG = re.compile(r"</?(?:div|p)>", re.IGNORECASE)
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
# mimetypes picks odd first extensions for a few common types (e.g. .jpe); prefer the usual ones.
_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "text/plain": ".txt",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}
_MIN_PHONE_DIGITS = 6
_PHONE_CHARS = r"\+?[\d()][\d\s().\-]{4,}\d"
_LABELLED_PHONE = re.compile(rf"(?:phone|tel|telephone|ph)\.?\s*:?\s*({_PHONE_CHARS})", re.IGNORECASE)
_PHONE_ONLY = re.compile(_PHONE_CHARS)


# ---- primitives -----------------------------------------------------------------------------------


def text(value: Any) -> str | None:
    """A string field, with Cliniko's ``""`` and ``null`` both meaning unset."""
    if value is None:
        return None
    stripped = str(value).strip()
    return stripped or None


def record_id(record: Mapping[str, Any]) -> str:
    """The record's id as a string (accepts string and integer ids; falls back to ``links.self``)."""
    value = record.get("id")
    if value is not None and str(value).strip():
        return str(value).strip()
    from_link = _id_from_url(_self_link(record))
    if from_link is None:
        raise MedleyError.emr_error("Cliniko sent a record without an id.", None, None)
    return from_link


def linked_id(record: Mapping[str, Any], relation: str) -> str | None:
    """The id of a related record, ``{"<relation>": {"links": {"self": ".../<id>"}}}``."""
    related = record.get(relation)
    if not isinstance(related, Mapping):
        return None
    return _id_from_url(_self_link(related))


def parse_instant(value: Any) -> datetime | None:
    """A Cliniko date-time (``...Z``) as an aware UTC datetime; ``""``/``null`` give ``None``."""
    raw = text(value)
    if raw is None:
        return None
    moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_instant(moment: datetime) -> str:
    """The wire form Cliniko expects: UTC, ``Z``, whole seconds."""
    if moment.tzinfo is None:
        raise ValueError("Cliniko times must be timezone-aware.")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(value: Any) -> date | None:
    raw = text(value)
    return date.fromisoformat(raw[:10]) if raw else None


def zone_of(business: Mapping[str, Any]) -> ZoneInfo:
    """The business's IANA zone (``time_zone_identifier``); UTC when missing or unknown."""
    name = text(business.get("time_zone_identifier"))
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


def digits(value: str) -> str:
    return "".join(_DIGITS.findall(value))


def _self_link(record: Mapping[str, Any]) -> str | None:
    links = record.get("links")
    if isinstance(links, Mapping):
        link = links.get("self")
        return link if isinstance(link, str) else None
    return None


def _id_from_url(url: str | None) -> str | None:
    if not url:
        return None
    segment = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    return segment if segment.isdigit() else None


def _address(record: Mapping[str, Any]) -> Address | None:
    address = Address(
        line1=text(record.get("address_1")),
        line2=text(record.get("address_2")),
        city=text(record.get("city")),
        state=text(record.get("state")),
        postal_code=text(record.get("post_code")),
        country=text(record.get("country")) or text(record.get("country_code")),
    )
    return address if any(address.model_dump().values()) else None


def _address_to_cliniko(address: Address | None) -> JsonObject:
    if address is None:
        return {}
    fields = {
        "address_1": address.line1,
        "address_2": address.line2,
        "city": address.city,
        "state": address.state,
        "post_code": address.postal_code,
        "country": address.country,
    }
    return {key: value for key, value in fields.items() if value is not None}


# ---- reference data -------------------------------------------------------------------------------


def phone_in(contact_information: Any) -> str | None:
    """The phone number in a business's free-text contact information (``"Phone: 02 9000 0000"``).

    A labelled number wins; text that is nothing but a number is that number; anything else is None.
    """
    contact = text(contact_information)
    if contact is None:
        return None
    labelled = _LABELLED_PHONE.search(contact)
    if labelled:
        return labelled.group(1).strip()
    return contact if _PHONE_ONLY.fullmatch(contact) else None


def care_unit_from_business(business: Mapping[str, Any]) -> CareUnit:
    return CareUnit(
        id=record_id(business),
        name=text(business.get("business_name"))
        or text(business.get("display_name"))
        or text(business.get("label"))
        or "",
        timezone=zone_of(business).key,
        address=_address(business),
        phone=phone_in(business.get("contact_information")),
        email=text(business.get("email_reply_to")),
        website=text(business.get("website_address")),
    )


def resource_from_practitioner(practitioner: Mapping[str, Any]) -> Resource:
    first = text(practitioner.get("first_name"))
    last = text(practitioner.get("last_name"))
    name = " ".join(part for part in (first, last) if part) or text(practitioner.get("label")) or ""
    return Resource(
        id=record_id(practitioner),
        name=name,
        first_name=first,
        last_name=last,
        title=text(practitioner.get("title")),
        kind=ResourceKind.practitioner,
        designation=text(practitioner.get("designation")),
        description=text(practitioner.get("description")),
    )


def service_from_appointment_type(
    appointment_type: Mapping[str, Any], resource_ids: Sequence[str] = ()
) -> HealthcareService:
    price = appointment_type.get("price")
    return HealthcareService(
        id=record_id(appointment_type),
        name=text(appointment_type.get("name")) or "",
        duration_minutes=int(appointment_type.get("duration_in_minutes") or 0),
        description=text(appointment_type.get("description")),
        price=text(price) if price is not None else None,
        resource_ids=list(resource_ids),
    )


# ---- patients -------------------------------------------------------------------------------------


def patient_from_cliniko(patient: Mapping[str, Any], care_unit_id: str) -> Patient:
    identifier = record_id(patient)
    phones = [
        number
        for entry in patient.get("patient_phone_numbers") or []
        if isinstance(entry, Mapping) and (number := text(entry.get("number")))
    ]
    email = text(patient.get("email"))
    return Patient(
        id=identifier,
        emr_id=identifier,
        care_unit_id=care_unit_id,
        first_name=text(patient.get("first_name")),
        last_name=text(patient.get("last_name")),
        birth_date=parse_date(patient.get("date_of_birth")),
        gender=text(patient.get("sex")) or text(patient.get("gender")),
        external_id=text(patient.get("old_reference_id")),
        phones=phones,
        emails=[email] if email else [],
        address=_address(patient),
    )


def phone_numbers_to_cliniko(phones: Iterable[str], existing: Iterable[Mapping[str, Any]] = ()) -> list[JsonObject]:
    """Cliniko's phone list for ``phones``: known numbers keep their type, new ones are Mobile."""
    known_types = {
        digits(str(entry.get("number") or "")): text(entry.get("phone_type"))
        for entry in existing
        if isinstance(entry, Mapping)
    }
    numbers: list[JsonObject] = []
    for phone in phones:
        number = text(phone)
        if number is None:
            continue
        numbers.append({"phone_type": known_types.get(digits(number)) or NEW_PHONE_TYPE, "number": number})
    return numbers


def patient_to_cliniko(patient: PatientCreate) -> JsonObject:
    """The body of ``POST /patients``; unset fields are left out rather than sent empty."""
    body: JsonObject = {"first_name": patient.first_name, "last_name": patient.last_name}
    if patient.birth_date is not None:
        body["date_of_birth"] = patient.birth_date.isoformat()
    if patient.gender:
        body["sex"] = patient.gender
    if patient.external_id:
        body["old_reference_id"] = patient.external_id
    if patient.emails:
        body["email"] = patient.emails[0]  # Cliniko holds one email
    if patient.phones:
        body["patient_phone_numbers"] = phone_numbers_to_cliniko(patient.phones)
    body.update(_address_to_cliniko(patient.address))
    return body


def patient_update_to_cliniko(changes: PatientUpdate, current: Mapping[str, Any]) -> JsonObject:
    """The body of ``PATCH /patients/{id}`` for what ``changes`` sets; numbers already there keep their type."""
    body: JsonObject = {}
    for field, value in (("first_name", changes.first_name), ("last_name", changes.last_name)):
        if value:
            body[field] = value
    if changes.birth_date is not None:
        body["date_of_birth"] = changes.birth_date.isoformat()
    if changes.gender:
        body["sex"] = changes.gender
    if changes.external_id:
        body["old_reference_id"] = changes.external_id
    if changes.emails:
        body["email"] = changes.emails[0]  # Cliniko holds one: the most recent
    if changes.phones:
        body["patient_phone_numbers"] = phone_numbers_to_cliniko(
            changes.phones, current.get("patient_phone_numbers") or []
        )
    body.update(_address_to_cliniko(changes.address))
    return body


def phone_matches(wanted: str, patient: Mapping[str, Any]) -> bool:
    """Whether one of the patient's numbers is ``wanted``, ignoring formatting and a country/trunk prefix.

    Cliniko cannot filter by phone, so this runs on our side: digits only, leading zeros dropped, and
    one number must end with the other (``0444 444 444`` matches ``+61 444 444 444``).
    """
    target = digits(wanted).lstrip("0")
    if len(target) < _MIN_PHONE_DIGITS:
        return False
    for entry in patient.get("patient_phone_numbers") or []:
        if not isinstance(entry, Mapping):
            continue
        for field in ("normalized_number", "number"):
            candidate = digits(str(entry.get(field) or "")).lstrip("0")
            if len(candidate) < _MIN_PHONE_DIGITS:
                continue
            if candidate.endswith(target) or target.endswith(candidate):
                return True
    return False


# ---- appointments ---------------------------------------------------------------------------------


def appointment_status(appointment: Mapping[str, Any], now: datetime) -> AppointmentStatus:
    if parse_instant(appointment.get("cancelled_at")) is not None:
        return AppointmentStatus.cancelled
    if appointment.get("did_not_arrive") is True:
        return AppointmentStatus.did_not_arrive
    ends_at = parse_instant(appointment.get("ends_at"))
    if ends_at is not None and ends_at <= now:
        return AppointmentStatus.completed
    return AppointmentStatus.booked


def appointment_from_cliniko(
    appointment: Mapping[str, Any], care_unit_id: str, tz: tzinfo, now: datetime
) -> Appointment:
    starts_at = parse_instant(appointment.get("starts_at"))
    ends_at = parse_instant(appointment.get("ends_at"))
    practitioner_id = linked_id(appointment, "practitioner")
    if starts_at is None or ends_at is None or practitioner_id is None:
        raise MedleyError.emr_error("Cliniko sent an appointment without times or practitioner.", None, None)
    created_at = parse_instant(appointment.get("created_at"))
    updated_at = parse_instant(appointment.get("updated_at"))
    return Appointment(
        id=record_id(appointment),
        care_unit_id=linked_id(appointment, "business") or care_unit_id,
        start=starts_at.astimezone(tz),
        end=ends_at.astimezone(tz),
        status=appointment_status(appointment, now),
        patient_id=linked_id(appointment, "patient"),
        resource_id=practitioner_id,
        healthcare_service_id=linked_id(appointment, "appointment_type"),
        comment=text(appointment.get("notes")),
        created_at=created_at.astimezone(tz) if created_at else None,
        updated_at=updated_at.astimezone(tz) if updated_at else None,
    )


def appointment_to_cliniko(care_unit_id: str, booking: NewAppointment) -> JsonObject:
    """The body of ``POST /individual_appointments``; the end is sent, not left to the type's duration."""
    body: JsonObject = {
        "starts_at": format_instant(booking.start),
        "ends_at": format_instant(booking.end),
        "patient_id": booking.patient_id,
        "practitioner_id": booking.resource_id,
        "appointment_type_id": booking.healthcare_service_id,
        "business_id": care_unit_id,
    }
    if booking.comment is not None:
        body["notes"] = booking.comment
    return body


def appointment_change_to_cliniko(change: AppointmentChange) -> JsonObject:
    """The body of ``PATCH /individual_appointments/{id}``: only what changes.

    A new start without an end sends ``ends_at: null``, which makes Cliniko recompute the end from the
    appointment type's duration.
    """
    body: JsonObject = {}
    if change.start is not None:
        body["starts_at"] = format_instant(change.start)
        body["ends_at"] = format_instant(change.end) if change.end is not None else None
    elif change.end is not None:
        body["ends_at"] = format_instant(change.end)
    if change.resource_id is not None:
        body["practitioner_id"] = change.resource_id
    if change.comment is not None:
        body["notes"] = change.comment
    return body


# ---- treatment notes ------------------------------------------------------------------------------


def unstructured_content(note_text: str) -> JsonObject:
    """Cliniko content for free text: one section, one paragraph question, HTML-safe."""
    normalised = note_text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    answer = html.escape(normalised, quote=False).replace("\n", "<br>")
    return {
        "sections": [
            {
                "name": _NOTE_SECTION,
                "questions": [{"name": _NOTE_QUESTION, "type": "paragraph", "answer": answer}],
            }
        ]
    }


def unstructured_text(content: Any) -> str | None:
    """The free text of a note in exactly the shape ``unstructured_content`` writes, else ``None``."""
    if not isinstance(content, Mapping) or set(content) - {"sections"}:
        return None
    sections = content.get("sections")
    if not isinstance(sections, list) or len(sections) != 1 or not isinstance(sections[0], Mapping):
        return None
    section = sections[0]
    if section.get("name") != _NOTE_SECTION or _has_extra_values(section, {"name", "questions"}):
        return None
    questions = section.get("questions")
    if not isinstance(questions, list) or len(questions) != 1 or not isinstance(questions[0], Mapping):
        return None
    question = questions[0]
    if (
        question.get("name") != _NOTE_QUESTION
        or question.get("type") != "paragraph"
        or not isinstance(question.get("answer"), str)
        or _has_extra_values(question, {"name", "type", "answer"})
    ):
        return None
    return _answer_to_text(question["answer"])


def _has_extra_values(record: Mapping[str, Any], expected: set[str]) -> bool:
    # Tolerate keys a server adds as empty (``"description": null``), not ones carrying content.
    return any(record[key] not in (None, "", [], {}) for key in set(record) - expected)


def _answer_to_text(answer: str) -> str:
    joined = _BLOCK_BOUNDARY.sub("\n", _BR.sub("\n", answer))
    return html.unescape(_BLOCK_TAG.sub("", joined))


def note_from_cliniko(note: Mapping[str, Any], patient_id: str | None = None, tz: tzinfo = UTC) -> MedicalNote:
    content = note.get("content")
    free_text = unstructured_text(content)
    created_at = parse_instant(note.get("created_at"))
    if free_text is not None:
        template_id: str | None = UNSTRUCTURED_TEMPLATE
        medley_content: JsonObject = {UNSTRUCTURED_KEY: free_text}
    else:
        template_id = linked_id(note, "treatment_note_template")
        medley_content = dict(content) if isinstance(content, Mapping) else {}
    return MedicalNote(
        id=record_id(note),
        patient_id=linked_id(note, "patient") or patient_id or "",
        template_id=template_id,
        title=text(note.get("title")),
        content=medley_content,
        created_by_id=linked_id(note, "practitioner"),
        created_at=created_at.astimezone(tz) if created_at else None,
        signed=note.get("draft") is False,
    )


def note_to_cliniko(patient_id: str, note: NewMedicalNote) -> JsonObject:
    """The body of ``POST /treatment_notes``: always a draft, i.e. unsigned until a clinician signs it.

    The content must already be valid for its template (the connector checks). Cliniko records the
    API key's practitioner as the author: a ``created_by_id`` cannot be written.
    """
    body: JsonObject = {"patient_id": patient_id, "draft": True}
    if note.title:
        body["title"] = note.title
    if note.template_id == UNSTRUCTURED_TEMPLATE:
        body["content"] = unstructured_content(str(note.content[UNSTRUCTURED_KEY]))
    else:
        body["treatment_note_template_id"] = note.template_id
        body["content"] = note.content
    return body


# ---- attachments ----------------------------------------------------------------------------------


def attachment_description(title: str, document_type: str | None) -> str:
    """``"<type>: <title>"`` when a type is given, else the title (Cliniko has no type field)."""
    kind = text(document_type)
    return f"{kind}: {title}" if kind else title


def split_description(description: str | None) -> tuple[str | None, str | None]:
    """``(type, title)`` read back from an attachment description."""
    value = text(description)
    if value is None:
        return None, None
    match = _DESCRIPTION_TYPE.match(value)
    if match is None:
        return None, value
    return match.group("type").strip(), match.group("title").strip()


def document_from_attachment(
    attachment: Mapping[str, Any],
    patient_id: str | None = None,
    practitioner_of_user: Mapping[str, str] | None = None,
    tz: tzinfo = UTC,
) -> Document:
    """A Document; ``created_by_id`` is the uploader's practitioner id when the user is one."""
    document_type, title = split_description(attachment.get("description"))
    user_id = linked_id(attachment, "user")
    created_at = parse_instant(attachment.get("created_at"))
    size = attachment.get("size")
    return Document(
        id=record_id(attachment),
        patient_id=linked_id(attachment, "patient") or patient_id or "",
        title=title or text(attachment.get("filename")),
        type=document_type,
        format=text(attachment.get("content_type")),
        size=int(size) if isinstance(size, int | str) and str(size).isdigit() else None,
        created_by_id=(practitioner_of_user or {}).get(user_id) if user_id else None,
        created_at=created_at.astimezone(tz) if created_at else None,
    )


def upload_filename(document: NewDocument) -> str:
    """A file name safe for an S3 key and a URL: the title's safe characters + the MIME's extension."""
    stem = _UNSAFE_FILENAME.sub("_", document.title).strip("._-")[:100] or "document"
    extension = _EXTENSIONS.get(document.format.lower()) or mimetypes.guess_extension(document.format) or ""
    if extension and stem.lower().endswith(extension):
        return stem
    return stem + extension
