"""Cliniko's field names, as they come back in its 422 ``errors``, mapped to the gateway's request fields,
so a refusal names the field the client sent (``body.emails``), not the one Cliniko was sent (``email``)."""

from __future__ import annotations

from typing import Any

from medley.domain.errors import DetailCode, ErrorDetail

BODY_PATHS: dict[str, str] = {
    # patients
    "first_name": "body.first_name",
    "last_name": "body.last_name",
    "date_of_birth": "body.birth_date",
    "sex": "body.gender",
    "old_reference_id": "body.external_id",
    "email": "body.emails",
    "patient_phone_numbers": "body.phones",
    "patient_phone_numbers.number": "body.phones",
    "patient_phone_numbers.phone_type": "body.phones",
    "address_1": "body.address.line1",
    "address_2": "body.address.line2",
    "city": "body.address.city",
    "state": "body.address.state",
    "post_code": "body.address.postal_code",
    "country": "body.address.country",
    # appointments
    "starts_at": "body.start",
    "ends_at": "body.end",
    "practitioner_id": "body.resource_id",
    "appointment_type_id": "body.healthcare_service_id",
    "patient_id": "body.patient_id",
    "notes": "body.comment",
    # treatment notes and attachments
    "title": "body.title",
    "content": "body.content",
    "description": "body.title",
}


def field_errors(message: Any, detail: str, emr: dict[str, Any]) -> list[ErrorDetail]:
    """One error per field Cliniko named, with our ``path`` where the field is one of ours; none when the
    refusal names no field (then the caller keeps its single, general error)."""
    if not isinstance(message, dict):
        return []
    errors: list[ErrorDetail] = []
    for field, words in message.items():
        said = "; ".join(str(w) for w in words) if isinstance(words, list) else str(words)
        path = BODY_PATHS.get(str(field))
        errors.append(ErrorDetail(DetailCode.BAD_INPUT, f"{detail} {field}: {said}", emr_error=emr, path=path))
    return errors
