"""Rows to Cliniko JSON: ids as strings, UTC ``…Z`` times, related records as ``{"links": {"self": …}}``.

Field names and shapes follow Cliniko's API v1 (reference §6). Fields Cliniko has but the emulator does
not model are present with their empty value (null, false or []), so parsers see the real shape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from medley.sandbox.cliniko.tables import (
    AppointmentType,
    Attendee,
    AvailabilityBlock,
    Business,
    DailyAvailability,
    GroupAppointment,
    IndividualAppointment,
    Patient,
    PatientAttachment,
    Practitioner,
    TreatmentNote,
    TreatmentNoteTemplate,
    UnavailableBlock,
    User,
)
from medley.sandbox.cliniko.time_zones import rails_label
from medley.sandbox.cliniko.urls import Urls

CANCELLATION_REASONS: Mapping[int, str] = {
    10: "Feeling Better",
    20: "Condition Worse",
    30: "Sick",
    31: "COVID-19 related",
    40: "Away",
    50: "Other",
    60: "Work",
}
_NON_DIGITS = re.compile(r"\D")
ACCOUNT_COUNTRY_CODE = "AU"
"""The sandbox account's country (``GET /settings/public``): a patient without a country is read as there."""
CALLING_CODES: Mapping[str, str] = {
    "AU": "61",
    "NZ": "64",
    "GB": "44",
    "IE": "353",
    "US": "1",
    "CA": "1",
    "ZA": "27",
    "SG": "65",
    "DE": "49",
    "FR": "33",
    "NL": "31",
}


def instant(moment: datetime | None) -> str | None:
    """``2026-11-24T03:45:00Z``: UTC, no fractional seconds."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def identifier(value: int | None) -> str | None:
    return None if value is None else str(value)


def normalized_number(number: str, country_code: str | None = None) -> str:
    """The number in international form, digits only (``0491 570 156`` in AU is ``61491570156``).

    ``+`` or ``00`` already name the country; otherwise a leading trunk ``0`` is replaced by the calling
    code of the patient's country (the account's when the patient has none).
    """
    text = number.strip()
    digits = _NON_DIGITS.sub("", text)
    if text.startswith("+"):
        return digits
    if digits.startswith("00"):
        return digits[2:]
    calling_code = CALLING_CODES.get((country_code or ACCOUNT_COUNTRY_CODE).upper())
    if calling_code is None or not digits:
        return digits
    return calling_code + (digits[1:] if digits.startswith("0") else digits)


def _without_absent(record: dict[str, Any], *relations: str) -> dict[str, Any]:
    """Leaves out the to-one relations the record does not have: Cliniko's document does not let them be null."""
    for name in relations:
        if record.get(name) is None:
            record.pop(name, None)
    return record


def _flag_or(value: bool | None, default: bool) -> bool:
    return default if value is None else value


def _timestamps(row: Any) -> dict[str, Any]:
    return {"created_at": instant(row.created_at), "updated_at": instant(row.updated_at)}


def full_name(first_name: str | None, last_name: str | None, title: str | None = None) -> str:
    return " ".join(part for part in (title, first_name, last_name) if part)


def user(row: User, urls: Urls) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "title": row.title,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "email": row.email,
        "phone_numbers": [],
        "role": row.role,
        "active": row.active,
        "user_active": row.active,
        "time_zone": rails_label(row.time_zone_identifier),
        "time_zone_identifier": row.time_zone_identifier,
        **_timestamps(row),
        "links": urls.self_links(f"users/{row.id}"),
    }


def business(row: Business, urls: Urls, appointment_type_ids: Sequence[int]) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "business_name": row.business_name,
        "display_name": row.display_name,
        "label": row.display_name or row.business_name,
        "address_1": row.address_1,
        "address_2": row.address_2,
        "city": row.city,
        "state": row.state,
        "post_code": row.post_code,
        "country": row.country,
        "country_code": row.country_code,
        "contact_information": row.contact_information,
        "email_reply_to": row.email_reply_to,
        "website_address": row.website_address,
        "business_registration_name": None,
        "business_registration_value": None,
        "additional_information": None,
        "additional_invoice_information": None,
        "appointment_reminders_enabled": True,
        "show_in_online_bookings": row.show_in_online_bookings,
        "time_zone": row.time_zone,
        "time_zone_identifier": row.time_zone_identifier,
        "appointment_type_ids": [str(type_id) for type_id in sorted(appointment_type_ids)],
        **_timestamps(row),
        "archived_at": instant(row.archived_at),
        "deleted_at": None,
        "appointments": urls.relation(f"businesses/{row.id}/appointments"),
        "practitioners": urls.relation(f"businesses/{row.id}/practitioners"),
        "links": urls.self_links(f"businesses/{row.id}"),
    }


def practitioner(row: Practitioner, urls: Urls) -> dict[str, Any]:
    record = {
        "id": str(row.id),
        "title": row.title,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "display_name": full_name(row.first_name, row.last_name, row.title),
        "label": full_name(row.first_name, row.last_name),
        "designation": row.designation,
        "description": row.description,
        "active": row.active,
        "show_in_online_bookings": row.show_in_online_bookings,
        **_timestamps(row),
        "user": urls.record("users", row.user_id),
        "default_appointment_type": urls.optional_record("appointment_types", row.default_appointment_type_id),
        "appointment_types": urls.relation(f"practitioners/{row.id}/appointment_types"),
        "appointments": urls.relation(f"practitioners/{row.id}/appointments"),
        "invoices": urls.relation(f"practitioners/{row.id}/invoices"),
        "practitioner_reference_numbers": urls.relation(f"practitioners/{row.id}/practitioner_reference_numbers"),
        "links": urls.self_links(f"practitioners/{row.id}"),
    }
    return _without_absent(record, "default_appointment_type")


def appointment_type(row: AppointmentType, urls: Urls) -> dict[str, Any]:
    record = {
        "id": str(row.id),
        "name": row.name,
        "category": row.category,
        "description": row.description,
        "color": row.color,
        "duration_in_minutes": row.duration_in_minutes,
        "max_attendees": row.max_attendees,
        "show_in_online_bookings": row.show_in_online_bookings,
        "telehealth_enabled": row.telehealth_enabled,
        "online_bookings_lead_time_hours": row.online_bookings_lead_time_hours,
        "online_payments_enabled": False,
        "online_payments_mode": None,
        "deposit_price": None,
        "add_deposit_to_account_credit": False,
        "appointment_confirmation_template_ids": [],
        "appointment_reminder_template_ids": [],
        "appointment_follow_up_template_ids": [],
        **_timestamps(row),
        "archived_at": instant(row.archived_at),
        "practitioners": urls.relation(f"appointment_types/{row.id}/practitioners"),
        "treatment_note_template": urls.optional_record("treatment_note_templates", row.treatment_note_template_id),
        "appointment_type_billable_items": urls.relation(
            f"appointment_type_billable_items?q%5B%5D=appointment_type_id%3A%3D{row.id}"
        ),
        "appointment_type_products": urls.relation(
            f"appointment_type_products?q%5B%5D=appointment_type_id%3A%3D{row.id}"
        ),
        "links": urls.self_links(f"appointment_types/{row.id}"),
    }
    return _without_absent(record, "treatment_note_template")


def daily_availability(row: DailyAvailability, urls: Urls, time_zone_identifier: str) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "day_of_week": row.day_of_week,
        "availabilities": [
            {"starts_at": period["starts_at"], "ends_at": period["ends_at"]} for period in row.availabilities
        ],
        "time_zone": rails_label(time_zone_identifier),
        "time_zone_identifier": time_zone_identifier,
        **_timestamps(row),
        "business": urls.record("businesses", row.business_id),
        "practitioner": urls.record("practitioners", row.practitioner_id),
        "links": urls.self_links(f"daily_availabilities/{row.id}"),
    }


def availability_block(row: AvailabilityBlock, urls: Urls) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "starts_at": instant(row.starts_at),
        "ends_at": instant(row.ends_at),
        "repeat_rule": row.repeat_rule,
        **_timestamps(row),
        "business": urls.record("businesses", row.business_id),
        "practitioner": urls.record("practitioners", row.practitioner_id),
        "links": urls.self_links(f"availability_blocks/{row.id}"),
    }


def unavailable_block(row: UnavailableBlock, urls: Urls) -> dict[str, Any]:
    record = {
        "id": str(row.id),
        "starts_at": instant(row.starts_at),
        "ends_at": instant(row.ends_at),
        "notes": row.notes,
        "repeat_rule": row.repeat_rule,
        "repeated_from": urls.optional_record("unavailable_blocks", row.repeated_from_id),
        "repeats": urls.relation(f"unavailable_blocks?q[]=repeated_from_id:={row.id}"),
        "unavailable_block_type": urls.optional_record("unavailable_block_types", row.unavailable_block_type_id),
        **_timestamps(row),
        "archived_at": instant(row.archived_at),
        "deleted_at": None,
        "business": urls.record("businesses", row.business_id),
        "practitioner": urls.record("practitioners", row.practitioner_id),
        "conflicts": urls.relation(f"unavailable_blocks/{row.id}/conflicts"),
        "links": urls.self_links(f"unavailable_blocks/{row.id}"),
    }
    return _without_absent(record, "repeated_from", "unavailable_block_type")


def phone_numbers(numbers: Sequence[Mapping[str, str]], country_code: str | None = None) -> list[dict[str, str]]:
    return [
        {
            "phone_type": entry.get("phone_type", "Other"),
            "number": entry.get("number", ""),
            "normalized_number": normalized_number(entry.get("number", ""), country_code),
        }
        for entry in numbers
    ]


def patient(row: Patient, urls: Urls) -> dict[str, Any]:
    record = {
        "id": str(row.id),
        "title": row.title,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "preferred_first_name": row.preferred_first_name,
        "label": full_name(row.first_name, row.last_name),
        "date_of_birth": day(row.date_of_birth),
        "sex": row.sex,
        "gender_identity": row.gender_identity,
        "gender": None,
        "pronouns": row.pronouns,
        "email": row.email,
        "patient_phone_numbers": phone_numbers(row.patient_phone_numbers or [], row.country_code),
        "emergency_contact": row.emergency_contact,
        "address_1": row.address_1,
        "address_2": row.address_2,
        "address_3": row.address_3,
        "city": row.city,
        "state": row.state,
        "post_code": row.post_code,
        "country": row.country,
        "country_code": row.country_code,
        "medicare": row.medicare,
        "medicare_reference_number": row.medicare_reference_number,
        "dva_card_number": row.dva_card_number,
        "occupation": row.occupation,
        "notes": row.notes,
        "appointment_notes": row.appointment_notes,
        "old_reference_id": row.old_reference_id,
        "invoice_default_to": row.invoice_default_to,
        "invoice_email": row.invoice_email,
        "invoice_extra_information": row.invoice_extra_information,
        "reminder_type": row.reminder_type,
        "receives_confirmation_emails": _flag_or(row.receives_confirmation_emails, True),
        "receives_cancellation_emails": _flag_or(row.receives_cancellation_emails, True),
        "accepted_privacy_policy": row.accepted_privacy_policy,
        "accepted_email_marketing": _flag_or(row.accepted_email_marketing, False),
        "accepted_sms_marketing": _flag_or(row.accepted_sms_marketing, False),
        "time_zone": row.time_zone,
        "custom_fields": row.custom_fields,
        "referral_source": row.referral_source,
        **_timestamps(row),
        "archived_at": instant(row.archived_at),
        "deleted_at": None,
        "merged_at": None,
        "appointments": urls.relation(f"patients/{row.id}/appointments"),
        "attendees": urls.relation(f"attendees?q%5B%5D=patient_id%3A%3D{row.id}"),
        "concession_type": urls.optional_record("concession_types", row.concession_type_id),
        "invoices": urls.relation(f"patients/{row.id}/invoices"),
        "latest_booking": None,
        "medical_alerts": urls.relation(f"patients/{row.id}/medical_alerts"),
        "merged_with_patient": None,
        "patient_attachments": urls.relation(f"patients/{row.id}/patient_attachments"),
        "referring_doctor": urls.optional_record("contacts", row.referring_doctor_id),
        "relationships": urls.relation(f"relationships?q%5B%5D=patient_id%3A%3D{row.id}"),
        "links": urls.self_links(f"patients/{row.id}"),
    }
    return _without_absent(record, "concession_type", "latest_booking", "merged_with_patient", "referring_doctor")


def individual_appointment(row: IndividualAppointment, urls: Urls, patient_name: str) -> dict[str, Any]:
    reason = row.cancellation_reason
    record = {
        "id": str(row.id),
        "starts_at": instant(row.starts_at),
        "ends_at": instant(row.ends_at),
        "patient_name": patient_name,
        "notes": row.notes,
        "did_not_arrive": row.did_not_arrive,
        "patient_arrived": row.patient_arrived,
        "cancelled_at": instant(row.cancelled_at),
        "cancellation_reason": reason,
        "cancellation_reason_description": CANCELLATION_REASONS.get(reason) if reason is not None else None,
        "cancellation_note": row.cancellation_note,
        "archived_at": instant(row.archived_at),
        "deleted_at": None,
        "booking_ip_address": None,
        "online_booking_policy_accepted": None,
        "email_reminder_sent": False,
        "sms_reminder_sent": False,
        "has_patient_appointment_notes": False,
        "invoice_status": None,
        "treatment_note_status": row.treatment_note_status,
        "telehealth_url": f"{urls.root}/appointments/{row.id}/connect",
        "repeat_rule": row.repeat_rule,
        "repeated_from": urls.optional_record("individual_appointments", row.repeated_from_id),
        "repeats": urls.relation(f"individual_appointments?q[]=repeated_from_id:={row.id}"),
        **_timestamps(row),
        "appointment_type": urls.record("appointment_types", row.appointment_type_id),
        "business": urls.record("businesses", row.business_id),
        "practitioner": urls.record("practitioners", row.practitioner_id),
        "patient": urls.record("patients", row.patient_id),
        "patient_case": urls.optional_record("patient_cases", row.patient_case_id),
        "attendees": urls.relation(f"individual_appointments/{row.id}/attendees"),
        "conflicts": urls.relation(f"individual_appointments/{row.id}/conflicts"),
        "links": urls.self_links(f"individual_appointments/{row.id}"),
    }
    return _without_absent(record, "repeated_from", "patient_case")


def group_appointment(row: GroupAppointment, urls: Urls, patient_ids: Sequence[int]) -> dict[str, Any]:
    """A class; ``patient_ids`` are its attendees who have not cancelled (nor been archived)."""
    record = {
        "id": str(row.id),
        "starts_at": instant(row.starts_at),
        "ends_at": instant(row.ends_at),
        "max_attendees": row.max_attendees,
        "notes": row.notes,
        "patient_ids": [str(patient_id) for patient_id in patient_ids],
        "archived_at": instant(row.archived_at),
        "deleted_at": None,
        "telehealth_url": f"{urls.root}/appointments/{row.id}/connect",
        "repeat_rule": row.repeat_rule,
        "repeated_from": urls.optional_record("group_appointments", row.repeated_from_id),
        "repeats": urls.relation(f"group_appointments?q[]=repeated_from_id:={row.id}"),
        **_timestamps(row),
        "appointment_type": urls.record("appointment_types", row.appointment_type_id),
        "business": urls.record("businesses", row.business_id),
        "practitioner": urls.record("practitioners", row.practitioner_id),
        "attendees": urls.relation(f"group_appointments/{row.id}/attendees"),
        "conflicts": urls.relation(f"group_appointments/{row.id}/conflicts"),
        "links": urls.self_links(f"group_appointments/{row.id}"),
    }
    return _without_absent(record, "repeated_from")


def attendee(row: Attendee, urls: Urls) -> dict[str, Any]:
    """A patient's seat in a class. Its ``telehealth_url`` is the patient's own link (the class's is the
    practitioner's); reminders, invoices and forms are not modelled (counts 0, links to unserved lists)."""
    reason = row.cancellation_reason
    record = {
        "id": str(row.id),
        "arrived": row.arrived,
        "notes": row.notes,
        "cancelled_at": instant(row.cancelled_at),
        "cancellation_reason": reason,
        "cancellation_reason_description": CANCELLATION_REASONS.get(reason) if reason is not None else None,
        "cancellation_note": row.cancellation_note,
        "cancellation_url": None,
        "archived_at": instant(row.archived_at),
        "deleted_at": None,
        "booking_ip_address": None,
        "online_booking_policy_accepted": None,
        "email_reminder_sent": False,
        "sms_reminder_sent": False,
        "sent_email_reminders_count": 0,
        "sent_sms_reminders_count": 0,
        "sent_email_follow_ups_count": 0,
        "sent_sms_follow_ups_count": 0,
        "invoice_status": None,
        "treatment_note_status": None,
        "telehealth_url": f"{urls.root}/attendees/{row.id}/connect",
        **_timestamps(row),
        "booking": urls.record("bookings", row.group_appointment_id),
        "patient": urls.record("patients", row.patient_id),
        "patient_case": urls.optional_record("patient_cases", row.patient_case_id),
        "invoices": urls.relation(f"attendees/{row.id}/invoices"),
        "patient_forms": urls.relation(f"attendees/{row.id}/patient_forms"),
        "links": urls.self_links(f"attendees/{row.id}"),
    }
    return _without_absent(record, "patient_case")


def treatment_note_template(row: TreatmentNoteTemplate, urls: Urls) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "content": row.content,
        "print_settings": row.print_settings,
        **_timestamps(row),
        "archived_at": instant(row.archived_at),
        "deleted_at": None,
        "links": urls.self_links(f"treatment_note_templates/{row.id}"),
    }


def treatment_note(row: TreatmentNote, urls: Urls) -> dict[str, Any]:
    record = {
        "id": str(row.id),
        "title": row.title,
        "draft": row.draft,
        "finalized_at": instant(row.finalized_at),
        "pinned_at": None,
        "author_name": row.author_name,
        "content": row.content,
        **_timestamps(row),
        "archived_at": instant(row.archived_at),
        "deleted_at": None,
        "patient": urls.record("patients", row.patient_id),
        "practitioner": urls.optional_record("practitioners", row.practitioner_id),
        "treatment_note_template": urls.optional_record("treatment_note_templates", row.treatment_note_template_id),
        "booking": urls.optional_record("bookings", row.booking_id),
        "attendee": urls.optional_record("attendees", row.attendee_id),
        "links": urls.self_links(f"treatment_notes/{row.id}"),
    }
    return _without_absent(record, "practitioner", "treatment_note_template", "booking", "attendee")


def patient_attachment(row: PatientAttachment, urls: Urls) -> dict[str, Any]:
    record = {
        "id": str(row.id),
        "description": row.description,
        "filename": row.filename,
        "content_type": row.content_type,
        "size": row.size,
        "processing_completed": row.processing_completed,
        "processed_at": instant(row.processed_at),
        "pinned_at": None,
        **_timestamps(row),
        "archived_at": instant(row.archived_at),
        "deleted_at": None,
        "patient": urls.record("patients", row.patient_id),
        "user": urls.optional_record("users", row.user_id),
        "content": urls.relation(f"patient_attachments/{row.id}/content"),
        "links": urls.self_links(f"patient_attachments/{row.id}"),
    }
    return _without_absent(record, "user")
