"""Cliniko JSON ⇄ domain, on Cliniko's own documented examples and on round trips."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from medley.connectors.cliniko import mapping
from medley.connectors.cliniko.availability import block_intervals, weekly_hours
from medley.domain.errors import ErrorCode, MedleyError
from medley.domain.models import (
    Address,
    AppointmentChange,
    AppointmentStatus,
    BoundedAddress,
    NewAppointment,
    NewDocument,
    NewMedicalNote,
    PatientCreate,
)
from medley.scheduling import Interval, WorkingPeriod
from tests.connectors.cliniko import payloads as p

SYDNEY = ZoneInfo("Australia/Sydney")
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


# ---- ids and links -------------------------------------------------------------------------------


def test_ids_are_strings_whether_cliniko_sends_integers_or_strings() -> None:
    assert mapping.record_id(p.GH_PATIENT) == "1"
    assert mapping.record_id(p.SPEC_PATIENT) == "836447129235883200"


def test_related_ids_come_from_the_last_segment_of_their_link() -> None:
    assert mapping.linked_id(p.GH_INDIVIDUAL_APPOINTMENT, "patient") == "82"
    assert mapping.linked_id(p.SPEC_INDIVIDUAL_APPOINTMENT, "practitioner") == "836447129235883010"
    assert mapping.linked_id(p.GH_INDIVIDUAL_APPOINTMENT, "nothing_here") is None


def test_a_record_without_id_falls_back_to_its_self_link() -> None:
    assert mapping.record_id({"links": {"self": "https://api.au1.cliniko.com/v1/patients/77"}}) == "77"


def test_a_record_without_any_id_is_an_upstream_error() -> None:
    with pytest.raises(MedleyError) as caught:
        mapping.record_id({"name": "?"})
    assert caught.value.code == ErrorCode.EMR_ERROR


def test_times_are_read_as_utc_and_written_with_z_and_whole_seconds() -> None:
    assert mapping.parse_instant("2016-07-21T03:45:00Z") == datetime(2016, 7, 21, 3, 45, tzinfo=UTC)
    assert mapping.parse_instant("") is None
    local = datetime(2026, 11, 24, 14, 45, 30, 123456, tzinfo=SYDNEY)
    assert mapping.format_instant(local) == "2026-11-24T03:45:30Z"


# ---- reference data ------------------------------------------------------------------------------


def test_gh_business_becomes_a_care_unit_with_utc_when_no_iana_zone_is_given() -> None:
    unit = mapping.care_unit_from_business(p.GH_BUSINESS)
    assert unit.id == "1"
    assert unit.name == "Healthy Times"
    assert unit.timezone == "UTC"
    assert unit.address == Address(
        line1="20 Smith Street",
        line2=None,
        city="Smithytown",
        state="Victoria",
        postal_code="3000",
        country="Australia",
    )
    assert unit.phone == "99999 99999"
    assert unit.website == "http://www.healthytimes.com"


def test_spec_business_uses_its_iana_zone_and_country_code() -> None:
    unit = mapping.care_unit_from_business(p.SPEC_BUSINESS)
    assert unit.id == "836447129235883061"
    assert unit.name == "Harbourside Physio"
    assert unit.timezone == "Australia/Sydney"
    assert unit.address is not None and unit.address.country == "AU"
    assert unit.address.line2 == "Level 3"
    assert unit.email == "front@harbourside.example"
    assert unit.phone == "02 9000 0000"


@pytest.mark.parametrize(
    ("contact", "phone"),
    [
        ("Phone: (02) 5550 4100\nEmail: cbd@example.net", "(02) 5550 4100"),
        ("Tel +44 20 7946 0310", "+44 20 7946 0310"),
        ("+61 2 9000 0000", "+61 2 9000 0000"),
        ("Ring reception any time", None),
        ("", None),
    ],
)
def test_the_phone_is_picked_out_of_free_text_contact_information(contact: str, phone: str | None) -> None:
    assert mapping.phone_in(contact) == phone


def test_practitioner_becomes_a_resource_named_first_then_last() -> None:
    resource = mapping.resource_from_practitioner(p.GH_PRACTITIONER)
    assert resource.id == "514810972972521916"
    assert resource.name == "Randy Savage"
    assert (resource.title, resource.designation, resource.kind.value) == ("Mr", "Osteopath", "practitioner")


def test_appointment_type_becomes_a_service_with_its_duration_and_resources() -> None:
    service = mapping.service_from_appointment_type(p.GH_APPOINTMENT_TYPE, ["514810972972521916"])
    assert service.id == "514810976034364376"
    assert service.name == "Initial Consultation"
    assert service.duration_minutes == 60
    assert service.description is None
    assert service.resource_ids == ["514810972972521916"]


# ---- patients ------------------------------------------------------------------------------------


def test_gh_patient_with_empty_strings_reads_as_unset_fields() -> None:
    patient = mapping.patient_from_cliniko(p.GH_PATIENT, care_unit_id="1")
    assert (patient.id, patient.emr_id, patient.care_unit_id) == ("1", "1", "1")
    assert (patient.first_name, patient.last_name) == ("Peter", "Patientman")
    assert patient.birth_date == date(2001, 5, 26)
    assert patient.gender == "Male"  # the deprecated field, read as a fallback
    assert patient.external_id is None
    assert patient.phones == ["61444444444", "61399999999"]
    assert patient.emails == ["peter@example.com"]
    assert patient.address == Address(
        line1="1 Smith Street", city="Melbourne", state="Victoria", postal_code="3000", country="Australia"
    )


def test_gh_created_patient_has_no_birth_date_email_or_phones() -> None:
    patient = mapping.patient_from_cliniko(p.GH_CREATED_PATIENT, care_unit_id="1")
    assert patient.birth_date is None
    assert patient.emails == []
    assert patient.phones == []
    assert patient.gender is None


def test_spec_patient_reads_sex_and_external_id() -> None:
    patient = mapping.patient_from_cliniko(p.SPEC_PATIENT, care_unit_id="836447129235883061")
    assert patient.gender == "Female"
    assert patient.external_id == "EXT-42"
    assert patient.phones == ["(02) 9000 1111", "0412 345 678"]


def test_patient_create_body_writes_cliniko_field_names_and_one_email() -> None:
    wanted = PatientCreate(
        first_name="Ada",
        last_name="Lovelace",
        birth_date=date(1985, 12, 10),
        gender="Female",
        external_id="EXT-42",
        phones=["0412 345 678"],
        emails=["ada@example.org", "second@example.org"],
        address=BoundedAddress(line1="1 Analytical Way", city="Sydney", postal_code="2000", country="Australia"),
    )
    assert mapping.patient_to_cliniko(wanted) == {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "date_of_birth": "1985-12-10",
        "sex": "Female",
        "old_reference_id": "EXT-42",
        "email": "ada@example.org",
        "patient_phone_numbers": [{"phone_type": "Mobile", "number": "0412 345 678"}],
        "address_1": "1 Analytical Way",
        "city": "Sydney",
        "post_code": "2000",
        "country": "Australia",
    }


def test_minimal_patient_create_sends_only_the_names() -> None:
    assert mapping.patient_to_cliniko(PatientCreate(first_name="John", last_name="Snow")) == {
        "first_name": "John",
        "last_name": "Snow",
    }


def test_patient_round_trips_through_cliniko() -> None:
    wanted = PatientCreate(
        first_name="Grace",
        last_name="Hopper",
        birth_date=date(1906, 12, 9),
        gender="Female",
        external_id="N-1",
        phones=["+1 555 0100"],
        emails=["grace@example.org"],
        address=BoundedAddress(line1="1 Navy Rd", line2="Apt 2", city="Arlington", state="VA", postal_code="22201"),
    )
    # What Cliniko stores and answers: our body plus its id, link and read-only fields.
    echoed = {
        **mapping.patient_to_cliniko(wanted),
        "id": "9",
        "links": {"self": f"{p.SPEC}/patients/9"},
        "label": "Grace Hopper",
    }
    patient = mapping.patient_from_cliniko(echoed, care_unit_id="3")
    assert patient.model_dump(exclude={"id", "emr_id", "care_unit_id"}) == wanted.model_dump()


def test_existing_phone_types_are_kept_and_new_numbers_are_mobile() -> None:
    existing = p.SPEC_PATIENT["patient_phone_numbers"]
    assert mapping.phone_numbers_to_cliniko(["(02) 9000 1111", "0499 000 000"], existing) == [
        {"phone_type": "Home", "number": "(02) 9000 1111"},
        {"phone_type": "Mobile", "number": "0499 000 000"},
    ]


@pytest.mark.parametrize(
    ("wanted", "matches"),
    [
        ("0412 345 678", True),  # national format vs normalized 61412345678
        ("+61 412 345 678", True),
        ("61412345678", True),
        ("(02) 9000-1111", True),
        ("0412 345 679", False),
        ("678", False),  # too short to mean anything
    ],
)
def test_phone_search_ignores_formatting_and_the_country_prefix(wanted: str, matches: bool) -> None:
    assert mapping.phone_matches(wanted, p.SPEC_PATIENT) is matches


# ---- appointments --------------------------------------------------------------------------------


def test_gh_appointment_in_the_past_is_completed_and_has_linked_ids() -> None:
    appointment = mapping.appointment_from_cliniko(p.GH_INDIVIDUAL_APPOINTMENT, "1", UTC, datetime.now(UTC))
    assert appointment.id == "1"
    assert appointment.status == AppointmentStatus.completed
    assert (appointment.patient_id, appointment.resource_id, appointment.healthcare_service_id) == (
        "82",
        "1",
        "2",
    )
    assert appointment.start == datetime(2016, 7, 21, 3, 45, tzinfo=UTC)
    assert appointment.end - appointment.start == timedelta(minutes=45)


def test_appointment_times_are_presented_in_the_care_unit_zone_with_offset() -> None:
    appointment = mapping.appointment_from_cliniko(
        p.SPEC_INDIVIDUAL_APPOINTMENT, "836447129235883061", SYDNEY, LONG_AGO
    )
    assert appointment.start.isoformat() == "2026-11-24T14:45:00+11:00"
    assert appointment.end.isoformat() == "2026-11-24T15:30:00+11:00"
    assert appointment.status == AppointmentStatus.booked
    assert appointment.comment == "Bring scans"
    assert appointment.care_unit_id == "836447129235883061"


def test_cancelled_wins_over_every_other_status() -> None:
    cancelled = {**p.GH_CANCELLED_APPOINTMENT, "did_not_arrive": True}
    assert mapping.appointment_status(cancelled, datetime.now(UTC)) == AppointmentStatus.cancelled


def test_a_no_show_is_did_not_arrive_even_after_it_ended() -> None:
    no_show = {**p.GH_INDIVIDUAL_APPOINTMENT, "did_not_arrive": True}
    assert mapping.appointment_status(no_show, datetime.now(UTC)) == AppointmentStatus.did_not_arrive


def test_booking_body_sends_utc_times_and_all_required_ids() -> None:
    booking = NewAppointment(
        start=datetime(2026, 11, 24, 14, 45, tzinfo=SYDNEY),
        end=datetime(2026, 11, 24, 15, 30, tzinfo=SYDNEY),
        patient_id="82",
        resource_id="1",
        healthcare_service_id="2",
        comment="First visit",
    )
    assert mapping.appointment_to_cliniko("1", booking) == {
        "starts_at": "2026-11-24T03:45:00Z",
        "ends_at": "2026-11-24T04:30:00Z",
        "patient_id": "82",
        "practitioner_id": "1",
        "appointment_type_id": "2",
        "business_id": "1",
        "notes": "First visit",
    }


def test_a_new_start_without_an_end_asks_cliniko_to_recompute_the_end() -> None:
    change = AppointmentChange(start=datetime(2026, 11, 24, 4, 0, tzinfo=UTC))
    assert mapping.appointment_change_to_cliniko(change) == {
        "starts_at": "2026-11-24T04:00:00Z",
        "ends_at": None,
    }


def test_an_edit_sends_only_what_changes() -> None:
    assert mapping.appointment_change_to_cliniko(AppointmentChange(resource_id="7", comment="moved")) == {
        "practitioner_id": "7",
        "notes": "moved",
    }


# ---- treatment notes -----------------------------------------------------------------------------


def test_a_native_cliniko_note_keeps_its_template_and_content() -> None:
    note = mapping.note_from_cliniko(p.GH_TREATMENT_NOTE)
    assert note.id == "1"
    assert note.patient_id == "123"
    assert note.template_id == "789"
    assert note.created_by_id == "456"
    assert note.title == "Standard Consultation"
    assert note.signed is False
    assert note.content == p.GH_TREATMENT_NOTE["content"]
    assert note.created_at == datetime(2017, 6, 12, 16, 56, 57, tzinfo=UTC)


def test_a_final_note_is_signed() -> None:
    assert mapping.note_from_cliniko({**p.GH_TREATMENT_NOTE, "draft": False}).signed is True


def test_unstructured_text_round_trips_through_cliniko_html_rules() -> None:
    text = "Knee pain, 3 weeks.\nBP < 120 & stable\r\nPlan:\tphysio"
    body = mapping.note_to_cliniko(
        "123", NewMedicalNote(template_id="leyr_unstructured", content={"unstructured": text})
    )
    assert body["draft"] is True
    assert "treatment_note_template_id" not in body
    answer = body["content"]["sections"][0]["questions"][0]["answer"]
    assert "\n" not in answer and "<" not in answer.replace("<br>", "")
    echoed = {**body, "id": "5", "patient": p.link(f"{p.SPEC}/patients/123"), "treatment_note_template": None}
    note = mapping.note_from_cliniko(echoed)
    assert note.template_id == "leyr_unstructured"
    assert note.content == {"unstructured": "Knee pain, 3 weeks.\nBP < 120 & stable\nPlan: physio"}


def test_the_unstructured_shape_is_exactly_one_note_question() -> None:
    content = mapping.unstructured_content("hello")
    assert content == {
        "sections": [{"name": "Note", "questions": [{"name": "Note", "type": "paragraph", "answer": "hello"}]}]
    }
    assert mapping.unstructured_text(content) == "hello"
    with_null_extra = {"sections": [{**content["sections"][0], "description": None}]}
    assert mapping.unstructured_text(with_null_extra) == "hello"
    two_questions = {"sections": [{"name": "Note", "questions": [content["sections"][0]["questions"][0]] * 2}]}
    assert mapping.unstructured_text(two_questions) is None
    assert mapping.unstructured_text(p.GH_TREATMENT_NOTE["content"]) is None


def test_cliniko_html_line_breaks_read_back_as_newlines() -> None:
    content = mapping.unstructured_content("x")
    content["sections"][0]["questions"][0]["answer"] = "<div>one</div><div>two<br />three &amp; four</div>"
    assert mapping.unstructured_text(content) == "one\ntwo\nthree & four"


def test_a_native_template_note_passes_its_content_through() -> None:
    content = {"sections": [{"name": "S", "questions": [{"name": "Q", "type": "text", "answer": "42"}]}]}
    body = mapping.note_to_cliniko("123", NewMedicalNote(template_id="789", title="Review", content=content))
    assert body == {
        "patient_id": "123",
        "draft": True,
        "title": "Review",
        "treatment_note_template_id": "789",
        "content": content,
    }


# ---- attachments ---------------------------------------------------------------------------------


def test_gh_attachment_without_description_is_titled_by_its_file_name() -> None:
    document = mapping.document_from_attachment(p.GH_PATIENT_ATTACHMENT, practitioner_of_user={"456": "9"})
    assert document.id == "1"
    assert document.patient_id == "123"
    assert document.title == "the-name-of-the-file.txt"
    assert document.type is None
    assert (document.format, document.size) == ("text/plain", 14936)
    assert document.created_by_id == "9"


def test_spec_attachment_reads_type_and_title_from_its_description() -> None:
    document = mapping.document_from_attachment(p.SPEC_PATIENT_ATTACHMENT)
    assert (document.type, document.title) == ("Referral", "Letter from Dr Who")
    assert document.size == 20480
    assert document.created_by_id is None  # the uploading user is not a known practitioner


@pytest.mark.parametrize(
    ("title", "kind"),
    [("Letter from Dr Who", "Referral"), ("X-ray: left knee", "Imaging"), ("Plain title", None)],
)
def test_document_type_and_title_round_trip_through_the_description(title: str, kind: str | None) -> None:
    description = mapping.attachment_description(title, kind)
    assert mapping.split_description(description) == (kind, title)


def test_upload_file_names_are_safe_and_carry_the_mime_extension() -> None:
    def named(title: str, mime: str) -> str:
        return mapping.upload_filename(NewDocument(title=title, format=mime, content=b"x"))

    assert named("Letter from Dr Who", "application/pdf") == "Letter_from_Dr_Who.pdf"
    assert named("scan.jpg", "image/jpeg") == "scan.jpg"
    assert named("../../etc/passwd", "text/plain") == "etc_passwd.txt"
    assert named("%%%", "application/pdf") == "document.pdf"


# ---- working hours -------------------------------------------------------------------------------


def test_gh_iso_day_seven_is_sunday() -> None:
    weekly = weekly_hours([p.GH_DAILY_AVAILABILITY], business_id="3", practitioner_id="1")
    assert weekly == {6: [WorkingPeriod(time(9), time(13)), WorkingPeriod(time(14), time(17))]}


def test_spec_day_zero_is_sunday_and_one_is_monday() -> None:
    records = [
        {
            **p.GH_DAILY_AVAILABILITY,
            "day_of_week": 0,
            "availabilities": [{"starts_at": "10:00", "ends_at": "12:00"}],
        },
        {
            **p.GH_DAILY_AVAILABILITY,
            "day_of_week": 1,
            "availabilities": [{"starts_at": "08:00", "ends_at": "24:00"}],
        },
    ]
    assert weekly_hours(records, business_id="3", practitioner_id="1") == {
        6: [WorkingPeriod(time(10), time(12))],
        0: [WorkingPeriod(time(8), time(0))],
    }


def test_other_businesses_hours_are_not_this_businesses() -> None:
    assert weekly_hours([p.GH_DAILY_AVAILABILITY], business_id="4", practitioner_id="1") == {}


def test_blocks_become_utc_intervals_and_archived_ones_are_ignored() -> None:
    block = {
        "starts_at": "2026-11-24T01:00:00Z",
        "ends_at": "2026-11-24T02:00:00Z",
        "practitioner": p.link(f"{p.SPEC}/practitioners/1"),
        "business": p.link(f"{p.SPEC}/businesses/3"),
    }
    archived = {**block, "archived_at": "2026-11-01T00:00:00Z"}
    elsewhere = {**block, "business": p.link(f"{p.SPEC}/businesses/4")}
    expected = Interval(datetime(2026, 11, 24, 1, tzinfo=UTC), datetime(2026, 11, 24, 2, tzinfo=UTC))
    assert block_intervals([block, archived], practitioner_id="1") == [expected]
    assert block_intervals([block, elsewhere], practitioner_id="1", business_id="3") == [expected]
