"""Cliniko's documented example payloads, as the mapping must read them.

``GH_*`` are copied from the legacy official docs (redguava/cliniko-api ``sections/*.md``): integer ids,
``""`` for unset strings, the unsharded host. ``SPEC_*`` follow the current OpenAPI spec (SPEC25):
ids as strings, sharded links, fields added since (``time_zone_identifier``, ``country_code``, ``sex``,
``normalized_number``). See shared/reference/cliniko-api.md §0 for the sources.
"""

from __future__ import annotations

from typing import Any

JsonObject = dict[str, Any]


def link(url: str) -> JsonObject:
    return {"links": {"self": url}}


# ---- GH (sections/*.md), verbatim apart from Python syntax -----------------------------------------

GH_BUSINESS: JsonObject = {
    "address_1": "20 Smith Street",
    "address_2": None,
    "business_name": "Healthy Times",
    "business_registration_name": "ABN",
    "business_registration_value": "1111111111",
    "city": "Smithytown",
    "contact_information": "Phone: 99999 99999",
    "country": "Australia",
    "created_at": "2013-03-26T14:00:00Z",
    "id": 1,
    "post_code": "3000",
    "show_in_online_bookings": True,
    "state": "Victoria",
    "updated_at": "2013-03-26T14:00:00Z",
    "website_address": "http://www.healthytimes.com",
    "time_zone": "Adelaide",
    "links": {"self": "https://api.cliniko.com/v1/businesses/1"},
}

GH_PRACTITIONER: JsonObject = {
    "created_at": "2013-03-26T14:00:00Z",
    "designation": "Osteopath",
    "description": None,
    "first_name": "Randy",
    "id": "514810972972521916",
    "last_name": "Savage",
    "show_in_online_bookings": True,
    "title": "Mr",
    "label": "Randy Savage",
    "updated_at": "2013-03-26T14:00:00Z",
    "default_appointment_type": link("https://api.au1.cliniko.com/v1/appointment_types/1"),
    "user": link("https://api.au1.cliniko.com/v1/users/1"),
    "links": {"self": "https://api.au1.cliniko.com/v1/practitioners/514810972972521916"},
}

GH_APPOINTMENT_TYPE: JsonObject = {
    "category": "Osteopathy",
    "color": "#00FF00",
    "created_at": "2013-03-26T14:00:00Z",
    "duration_in_minutes": 60,
    "id": "514810976034364376",
    "name": "Initial Consultation",
    "description": None,
    "max_attendees": 1,
    "show_in_online_bookings": True,
    "updated_at": "2013-03-26T14:00:00Z",
    "practitioners": link("https://api.au1.cliniko.com/v1/appointment_types/514810976034364376/practitioners"),
    "treatment_note_template": link("https://api.au1.cliniko.com/v1/treatment_note_templates/1"),
    "links": {"self": "https://api.au1.cliniko.com/v1/appointment_types/514810976034364376"},
}

GH_PATIENT: JsonObject = {
    "address_1": "1 Smith Street",
    "address_2": "",
    "address_3": "",
    "archived_at": "",
    "city": "Melbourne",
    "country": "Australia",
    "created_at": "2013-03-26T14:00:00Z",
    "date_of_birth": "2001-05-26",
    "deleted_at": "",
    "email": "peter@example.com",
    "emergency_contact": "",
    "first_name": "Peter",
    "gender": "Male",
    "id": 1,
    "last_name": "Patientman",
    "notes": "",
    "occupation": "",
    "old_reference_id": "",
    "post_code": "3000",
    "referral_source": "",
    "state": "Victoria",
    "title": "Mr",
    "updated_at": "2013-03-26T14:00:00Z",
    "patient_phone_numbers": [
        {"phone_type": "Mobile", "number": "61444444444"},
        {"phone_type": "Home", "number": "61399999999"},
    ],
    "links": {"self": "https://api.cliniko.com/v1/patients/1"},
}

GH_CREATED_PATIENT: JsonObject = {
    "address_1": "1 Smith Street",
    "address_2": "",
    "address_3": "",
    "archived_at": "",
    "city": "",
    "country": "",
    "created_at": "2013-03-26T14:00:00Z",
    "date_of_birth": "",
    "deleted_at": "",
    "email": "",
    "emergency_contact": "",
    "first_name": "John",
    "gender": "",
    "id": 1,
    "last_name": "Snow",
    "notes": "",
    "occupation": "",
    "old_reference_id": "",
    "post_code": "",
    "referral_source": "",
    "state": "",
    "title": "",
    "updated_at": "2013-03-26T14:00:00Z",
    "patient_phone_numbers": [],
    "links": {"self": "https://api.cliniko.com/v1/patients/1"},
}

GH_INDIVIDUAL_APPOINTMENT: JsonObject = {
    "id": 1,
    "created_at": "2016-06-28T21:33:26Z",
    "updated_at": "2016-07-22T15:10:08Z",
    "booking_ip_address": None,
    "cancellation_note": None,
    "cancellation_reason": None,
    "conflicts": link("https://api.cliniko.com/v1/individual_appointments/1/conflicts"),
    "did_not_arrive": False,
    "email_reminder_sent": False,
    "invoice_status": None,
    "notes": None,
    "online_booking_policy_accepted": None,
    "patient_arrived": False,
    "patient_name": "Joe Monahan",
    "repeat_rule": {},
    "repeats": None,
    "sms_reminder_sent": False,
    "treatment_note_status": None,
    "deleted_at": None,
    "starts_at": "2016-07-21T03:45:00Z",
    "ends_at": "2016-07-21T04:30:00Z",
    "cancelled_at": None,
    "appointment_type": link("https://api.cliniko.com/v1/appointment_types/2"),
    "business": link("https://api.cliniko.com/v1/businesses/1"),
    "practitioner": link("https://api.cliniko.com/v1/practitioners/1"),
    "patient": link("https://api.cliniko.com/v1/patients/82"),
    "attendees": link("https://api.cliniko.com/v1/individual_appointments/1/attendees"),
    "links": {"self": "https://api.cliniko.com/v1/individual_appointments/1"},
}

GH_CANCELLED_APPOINTMENT: JsonObject = {
    **GH_INDIVIDUAL_APPOINTMENT,
    "cancellation_note": "Last minute cancellation",
    "cancellation_reason": 50,
    "cancelled_at": "2016-07-22T15:10:08Z",
}

GH_TREATMENT_NOTE: JsonObject = {
    "id": 1,
    "created_at": "2017-06-12T16:56:57Z",
    "updated_at": "2017-06-12T16:56:57Z",
    "content": {
        "sections": [
            {
                "name": "Section 1",
                "questions": [
                    {
                        "name": "Patient progress report",
                        "type": "paragraph",
                        "answer": "<div>Answers to paragraph questions support basic HTML!</div>",
                    },
                    {
                        "name": "Assessment",
                        "type": "text",
                        "answer": "Answers to text questions are single lines and do not support HTML",
                    },
                ],
            },
            {
                "name": "Section 2",
                "questions": [
                    {
                        "name": "Choose just one",
                        "type": "radiobuttons",
                        "answers": [
                            {"value": "Choice 1"},
                            {"value": "Choice 2", "selected": True},
                            {"value": "Choice 3"},
                        ],
                    },
                ],
            },
        ]
    },
    "draft": True,
    "title": "Standard Consultation",
    "deleted_at": None,
    "author_name": "Natasha Hermiston",
    "patient": link("https://api.au1.cliniko.com/v1/patients/123"),
    "practitioner": link("https://api.au1.cliniko.com/v1/practitioners/456"),
    "treatment_note_template": link("https://api.au1.cliniko.com/v1/treatment_note_templates/789"),
    "links": {"self": "https://api.au1.cliniko.com/v1/treatment_notes/1"},
}

GH_PATIENT_ATTACHMENT: JsonObject = {
    "id": 1,
    "created_at": "2017-12-31T15:32:58Z",
    "updated_at": "2017-12-31T15:32:58Z",
    "content_type": "text/plain",
    "filename": "the-name-of-the-file.txt",
    "size": 14936,
    "content": link("https://api.au1.cliniko.com/v1/patient_attachments/1/content"),
    "description": None,
    "processing_completed": True,
    "patient": link("https://api.au1.cliniko.com/v1/patients/123"),
    "user": link("https://api.au1.cliniko.com/v1/users/456"),
    "links": {"self": "https://api.au1.cliniko.com/v1/patient_attachments/1"},
}

# GH sections/daily_availabilities.md: ISO numbering, 7 = Sunday.
GH_DAILY_AVAILABILITY: JsonObject = {
    "id": 15,
    "created_at": "2016-06-28T21:33:24Z",
    "updated_at": "2016-09-23T17:19:31Z",
    "availabilities": [
        {"starts_at": "09:00", "ends_at": "13:00"},
        {"starts_at": "14:00", "ends_at": "17:00"},
    ],
    "day_of_week": 7,
    "business": link("http://api.cliniko.com/v1/businesses/3"),
    "practitioner": link("http://api.cliniko.com/v1/practitioners/1"),
    "links": {"self": "http://api.cliniko.com/v1/internal/daily_availabilities/15"},
}

# ---- SPEC25 shapes (string ids, sharded links) ----------------------------------------------------

SPEC = "https://api.au2.cliniko.com/v1"

SPEC_BUSINESS: JsonObject = {
    "id": "836447129235883061",
    "business_name": "Harbourside Physio",
    "display_name": "Harbourside",
    "label": "Harbourside Physio",
    "address_1": "12 Circular Quay",
    "address_2": "Level 3",
    "city": "Sydney",
    "state": "NSW",
    "post_code": "2000",
    "country": None,
    "country_code": "AU",
    "contact_information": "02 9000 0000",
    "email_reply_to": "front@harbourside.example",
    "website_address": "https://harbourside.example",
    "time_zone": "Sydney",
    "time_zone_identifier": "Australia/Sydney",
    "appointment_type_ids": ["836447129235883100"],
    "show_in_online_bookings": True,
    "archived_at": None,
    "created_at": "2024-01-02T03:04:05Z",
    "updated_at": "2024-01-02T03:04:05Z",
    "links": {"self": f"{SPEC}/businesses/836447129235883061"},
}

SPEC_PATIENT: JsonObject = {
    "id": "836447129235883200",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "preferred_first_name": None,
    "date_of_birth": "1985-12-10",
    "sex": "Female",
    "gender": None,
    "gender_identity": "Woman",
    "email": "ada@example.org",
    "patient_phone_numbers": [
        {"phone_type": "Home", "number": "(02) 9000 1111", "normalized_number": "61290001111"},
        {"phone_type": "Mobile", "number": "0412 345 678", "normalized_number": "61412345678"},
    ],
    "address_1": "1 Analytical Way",
    "address_2": None,
    "address_3": None,
    "city": "Sydney",
    "state": "NSW",
    "post_code": "2000",
    "country": "Australia",
    "country_code": "AU",
    "old_reference_id": "EXT-42",
    "label": "Ada Lovelace",
    "archived_at": None,
    "created_at": "2025-03-01T00:00:00Z",
    "updated_at": "2025-03-01T00:00:00Z",
    "links": {"self": f"{SPEC}/patients/836447129235883200"},
}

SPEC_INDIVIDUAL_APPOINTMENT: JsonObject = {
    "id": "836447129235883300",
    "starts_at": "2026-11-24T03:45:00Z",
    "ends_at": "2026-11-24T04:30:00Z",
    "patient_name": "Ada Lovelace",
    "notes": "Bring scans",
    "did_not_arrive": False,
    "patient_arrived": False,
    "cancelled_at": None,
    "cancellation_reason": None,
    "cancellation_reason_description": "",
    "cancellation_note": None,
    "archived_at": None,
    "deleted_at": None,
    "telehealth_url": "https://example.cliniko.com/appointments/836447129235883300/connect",
    "treatment_note_status": None,
    "appointment_type": link(f"{SPEC}/appointment_types/836447129235883100"),
    "business": link(f"{SPEC}/businesses/836447129235883061"),
    "practitioner": link(f"{SPEC}/practitioners/836447129235883010"),
    "patient": link(f"{SPEC}/patients/836447129235883200"),
    "conflicts": link(f"{SPEC}/individual_appointments/836447129235883300/conflicts"),
    "attendees": link(f"{SPEC}/individual_appointments/836447129235883300/attendees"),
    "created_at": "2026-11-01T00:00:00Z",
    "updated_at": "2026-11-02T00:00:00Z",
    "links": {"self": f"{SPEC}/individual_appointments/836447129235883300"},
}

SPEC_PATIENT_ATTACHMENT: JsonObject = {
    "id": "836447129235883400",
    "description": "Referral: Letter from Dr Who",
    "filename": "Letter_from_Dr_Who.pdf",
    "content_type": "application/pdf",
    "size": "20480",
    "processing_completed": True,
    "processed_at": "2025-03-02T00:00:05Z",
    "content": link(f"{SPEC}/patient_attachments/836447129235883400/content"),
    "patient": link(f"{SPEC}/patients/836447129235883200"),
    "user": link(f"{SPEC}/users/836447129235883005"),
    "archived_at": None,
    "created_at": "2025-03-02T00:00:00Z",
    "updated_at": "2025-03-02T00:00:05Z",
    "links": {"self": f"{SPEC}/patient_attachments/836447129235883400"},
}
