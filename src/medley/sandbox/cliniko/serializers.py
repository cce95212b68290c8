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
    AvailabilityBlock,
    Business,
    DailyAvailability,
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


def normalized_number(number: str) -> str:
    return _NON_DIGITS.sub("", number)


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
        "practitioners": urls.relation(f"businesses/{row.id}/practitioners"),
        "links": urls.self_links(f"businesses/{row.id}"),
    }


def practitioner(row: Practitioner, urls: Urls) -> dict[str, Any]:
    return {
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
        "links": urls.self_links(f"practitioners/{row.id}"),
    }


def appointment_type(row: AppointmentType, urls: Urls) -> dict[str, Any]:
    return {
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
        "links": urls.self_links(f"appointment_types/{row.id}"),
    }


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
        "repeat_rule": None,
        **_timestamps(row),
        "business": urls.record("businesses", row.business_id),
        "practitioner": urls.record("practitioners", row.practitioner_id),
        "links": urls.self_links(f"availability_blocks/{row.id}"),
    }


def unavailable_block(row: UnavailableBlock, urls: Urls) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "starts_at": instant(row.starts_at),
        "ends_at": instant(row.ends_at),
        "notes": row.notes,
        "repeat_rule": None,
        "repeated_from": None,
        "unavailable_block_type": None,
        **_timestamps(row),
        "archived_at": instant(row.archived_at),
        "deleted_at": None,
        "business": urls.record("businesses", row.business_id),
        "practitioner": urls.record("practitioners", row.practitioner_id),
        "conflicts": urls.relation(f"unavailable_blocks/{row.id}/conflicts"),
        "links": urls.self_links(f"unavailable_blocks/{row.id}"),
    }


def phone_numbers(numbers: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    return [
        {
            "phone_type": entry.get("phone_type", "Other"),
            "number": entry.get("number", ""),
            "normalized_number": normalized_number(entry.get("number", "")),
        }
        for entry in numbers
    ]


def patient(row: Patient, urls: Urls) -> dict[str, Any]:
    return {
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
        "pronouns": None,
        "email": row.email,
        "patient_phone_numbers": phone_numbers(row.patient_phone_numbers or []),
        "emergency_contact": None,
        "address_1": row.address_1,
        "address_2": row.address_2,
        "address_3": row.address_3,
        "city": row.city,
        "state": row.state,
        "post_code": row.post_code,
        "country": row.country,
        "country_code": row.country_code,
        "medicare": row.medicare,
        "medicare_reference_number": None,
        "dva_card_number": None,
        "occupation": row.occupation,
        "notes": row.notes,
        "appointment_notes": None,
        "old_reference_id": row.old_reference_id,
        "invoice_default_to": None,
        "invoice_email": None,
        "invoice_extra_information": None,
        "reminder_type": row.reminder_type,
        "receives_confirmation_emails": True,
        "receives_cancellation_emails": True,
        "accepted_privacy_policy": None,
        "accepted_email_marketing": False,
        "accepted_sms_marketing": False,
        "time_zone": row.time_zone,
        "custom_fields": None,
        "referral_source": None,
        **_timestamps(row),
        "archived_at": instant(row.archived_at),
        "deleted_at": None,
        "merged_at": None,
        "patient_attachments": urls.relation(f"patients/{row.id}/patient_attachments"),
        "links": urls.self_links(f"patients/{row.id}"),
    }


def individual_appointment(row: IndividualAppointment, urls: Urls, patient_name: str) -> dict[str, Any]:
    reason = row.cancellation_reason
    return {
        "id": str(row.id),
        "starts_at": instant(row.starts_at),
        "ends_at": instant(row.ends_at),
        "patient_name": patient_name,
        "notes": row.notes,
        "did_not_arrive": row.did_not_arrive,
        "patient_arrived": row.patient_arrived,
        "cancelled_at": instant(row.cancelled_at),
        "cancellation_reason": reason,
        "cancellation_reason_description": CANCELLATION_REASONS.get(reason, "") if reason is not None else "",
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
        "repeat_rule": None,
        "repeated_from": None,
        **_timestamps(row),
        "appointment_type": urls.record("appointment_types", row.appointment_type_id),
        "business": urls.record("businesses", row.business_id),
        "practitioner": urls.record("practitioners", row.practitioner_id),
        "patient": urls.record("patients", row.patient_id),
        "patient_case": None,
        "attendees": urls.relation(f"individual_appointments/{row.id}/attendees"),
        "conflicts": urls.relation(f"individual_appointments/{row.id}/conflicts"),
        "links": urls.self_links(f"individual_appointments/{row.id}"),
    }


def treatment_note_template(row: TreatmentNoteTemplate, urls: Urls) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "content": row.content,
        "print_settings": row.print_settings,
        **_timestamps(row),
        "archived_at": instant(row.archived_at),
        "links": urls.self_links(f"treatment_note_templates/{row.id}"),
    }


def treatment_note(row: TreatmentNote, urls: Urls) -> dict[str, Any]:
    return {
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
        "attendee": None,
        "links": urls.self_links(f"treatment_notes/{row.id}"),
    }


def patient_attachment(row: PatientAttachment, urls: Urls) -> dict[str, Any]:
    return {
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
