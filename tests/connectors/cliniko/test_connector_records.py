"""Connector behaviours on scripted Cliniko answers: schedules, patients, care-unit scoping, notes, files."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote_plus
from zoneinfo import ZoneInfo

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from medley.config import Settings
from medley.connectors.cliniko.client import ClinikoClient
from medley.connectors.cliniko.connector import ClinikoConnector
from medley.connectors.cliniko.errors import UnknownOutcome
from medley.connectors.rate_budget import LocalRateBudget
from medley.domain.errors import DetailCode, ErrorCode, MedleyError
from medley.domain.models import AppointmentQuery, AppointmentStatus, NewDocument, NewMedicalNote, PatientQuery
from tests.connectors.cliniko import payloads as p
from tests.connectors.cliniko.fake_upstream import FakeUpstream, reply

BASE = "http://cliniko.test/v1"
SYDNEY = ZoneInfo("Australia/Sydney")


def link(path: str) -> dict[str, Any]:
    return p.link(f"{BASE}{path}")


def page(key: str, *items: dict[str, Any]) -> dict[str, Any]:
    return {key: list(items), "total_entries": len(items), "links": {"self": f"{BASE}/{key}"}}


@pytest.fixture
def upstream() -> FakeUpstream:
    fake = FakeUpstream()
    business = {**p.SPEC_BUSINESS, "id": "1", "appointment_type_ids": ["3"], "links": {"self": f"{BASE}/businesses/1"}}
    practitioner = {
        **p.GH_PRACTITIONER,
        "id": "2",
        "user": link("/users/7"),
        "links": {"self": f"{BASE}/practitioners/2"},
    }
    appointment_type = {**p.GH_APPOINTMENT_TYPE, "id": "3", "duration_in_minutes": 30}
    fake.on("GET", "/v1/businesses", reply(200, page("businesses", business)))
    fake.on("GET", "/v1/practitioners", reply(200, page("practitioners", practitioner)))
    fake.on("GET", "/v1/appointment_types", reply(200, page("appointment_types", appointment_type)))
    fake.on("GET", "/v1/businesses/1/practitioners", reply(200, page("practitioners", practitioner)))
    fake.on("GET", "/v1/practitioners/2/appointment_types", reply(200, page("appointment_types", appointment_type)))
    return fake


@pytest.fixture
async def connector(upstream: FakeUpstream) -> AsyncIterator[ClinikoConnector]:
    settings = Settings(upstream_max_retries=0)
    client = ClinikoClient(
        "key-au1", settings=settings, base_url=BASE, transport=upstream.transport(), rate_budget=LocalRateBudget(1000)
    )
    connector = ClinikoConnector(client, settings=settings, reconcile_delays=(0.0,))
    yield connector
    await connector.aclose()


def queries(upstream: FakeUpstream, path: str) -> list[str]:
    return [unquote_plus(seen.query) for seen in upstream.seen if seen.path == path]


# ---- reference data ------------------------------------------------------------------------------


async def test_services_list_who_offers_them(connector: ClinikoConnector) -> None:
    (service,) = await connector.list_services("1")
    assert (service.id, service.duration_minutes, service.resource_ids) == ("3", 30, ["2"])
    (resource,) = await connector.list_resources("1")
    assert resource.name == "Randy Savage"


async def test_reference_data_is_fetched_once_per_cache_period(
    connector: ClinikoConnector, upstream: FakeUpstream
) -> None:
    await connector.list_care_units()
    await connector.list_resources("1")
    await connector.list_services("1")
    assert len(upstream.requests_to("GET", "/v1/businesses")) == 1


# ---- schedules -----------------------------------------------------------------------------------


async def test_schedule_is_weekly_hours_plus_extra_minus_time_off(
    connector: ClinikoConnector, upstream: FakeUpstream
) -> None:
    monday = datetime(2030, 7, 1, tzinfo=SYDNEY)  # a Monday in winter (AEST, +10:00)
    daily = {
        "day_of_week": 1,
        "availabilities": [{"starts_at": "09:00", "ends_at": "12:00"}, {"starts_at": "13:00", "ends_at": "17:00"}],
        "business": link("/businesses/1"),
        "practitioner": link("/practitioners/2"),
    }
    extra = {
        "starts_at": "2030-07-01T08:00:00Z",  # 18:00–19:00 local
        "ends_at": "2030-07-01T09:00:00Z",
        "business": link("/businesses/1"),
        "practitioner": link("/practitioners/2"),
    }
    away = {
        "starts_at": "2030-07-01T04:00:00Z",  # 14:00–15:00 local, recorded at another business
        "ends_at": "2030-07-01T05:00:00Z",
        "business": link("/businesses/9"),
        "practitioner": link("/practitioners/2"),
    }
    upstream.on("GET", "/v1/daily_availabilities", reply(200, page("daily_availabilities", daily)))
    upstream.on("GET", "/v1/availability_blocks", reply(200, page("availability_blocks", extra)))
    upstream.on("GET", "/v1/unavailable_blocks", reply(200, page("unavailable_blocks", away)))
    blocks = await connector.get_schedule("1", "2", monday, monday + timedelta(days=1))
    local = [(b.start.strftime("%H:%M"), b.end.strftime("%H:%M")) for b in blocks]
    assert local == [("09:00", "12:00"), ("13:00", "14:00"), ("15:00", "17:00"), ("18:00", "19:00")]
    assert all(b.start.utcoffset() == timedelta(hours=10) for b in blocks)
    (daily_query,) = queries(upstream, "/v1/daily_availabilities")
    assert "q[]=business_id:=1" in daily_query and "q[]=practitioner_id:=2" in daily_query


async def test_schedule_of_someone_not_working_here_is_refused(connector: ClinikoConnector) -> None:
    with pytest.raises(MedleyError) as caught:
        await connector.get_schedule(
            "1", "99", datetime(2030, 7, 1, tzinfo=SYDNEY), datetime(2030, 7, 2, tzinfo=SYDNEY)
        )
    assert caught.value.errors[0].error_code == DetailCode.INVALID_RESOURCE_ID


# ---- patients ------------------------------------------------------------------------------------


async def test_patient_search_filters_upstream_and_matches_phone_here(
    connector: ClinikoConnector, upstream: FakeUpstream
) -> None:
    other = {**p.SPEC_PATIENT, "id": "5", "patient_phone_numbers": [{"number": "0499 999 999"}]}
    upstream.on("GET", "/v1/patients", reply(200, page("patients", p.SPEC_PATIENT, other)))
    found = await connector.search_patients(
        "1", PatientQuery(last_name="Lovelace", birth_date=datetime(1985, 12, 10).date(), phone="+61 412 345 678")
    )
    assert [patient.id for patient in found] == ["836447129235883200"]
    assert found[0].care_unit_id == "1"
    (query,) = queries(upstream, "/v1/patients")
    assert "q[]=last_name:~Lovelace" in query and "q[]=date_of_birth:=1985-12-10" in query
    assert "412" not in query  # Cliniko cannot filter by phone: it is never sent


async def test_patient_search_is_exact_but_ignores_case(connector: ClinikoConnector, upstream: FakeUpstream) -> None:
    longer = {**p.SPEC_PATIENT, "id": "6", "last_name": "Lovelace-Byron"}
    upstream.on("GET", "/v1/patients", reply(200, page("patients", p.SPEC_PATIENT, longer)))
    found = await connector.search_patients("1", PatientQuery(last_name="lovelace"))
    assert [patient.id for patient in found] == ["836447129235883200"]


async def test_a_patient_id_that_cannot_exist_never_reaches_cliniko(
    connector: ClinikoConnector, upstream: FakeUpstream
) -> None:
    with pytest.raises(MedleyError) as caught:
        await connector.get_patient("1", "../businesses")
    assert caught.value.errors[0].error_code == DetailCode.INVALID_PATIENT_ID
    assert not any("patients" in seen.path for seen in upstream.seen)


async def test_a_missing_patient_is_invalid_patient_id(connector: ClinikoConnector) -> None:
    with pytest.raises(MedleyError) as caught:
        await connector.get_patient("1", "404")
    assert caught.value.status == 404
    assert caught.value.errors[0].error_code == DetailCode.INVALID_PATIENT_ID


# ---- appointments --------------------------------------------------------------------------------


async def test_another_care_units_appointment_is_not_found(connector: ClinikoConnector, upstream: FakeUpstream) -> None:
    elsewhere = {**p.SPEC_INDIVIDUAL_APPOINTMENT, "id": "8", "business": link("/businesses/9")}
    upstream.on("GET", "/v1/individual_appointments/8", reply(200, elsewhere))
    with pytest.raises(MedleyError) as caught:
        await connector.get_appointment("1", "8")
    assert caught.value.errors[0].error_code == DetailCode.INVALID_APPOINTMENT_ID
    assert "cancelled_at:*" in queries(upstream, "/v1/individual_appointments/8")[0]


async def test_appointments_include_cancelled_ones_and_filter_status_here(
    connector: ClinikoConnector, upstream: FakeUpstream
) -> None:
    booked = {**p.SPEC_INDIVIDUAL_APPOINTMENT, "id": "10", "business": link("/businesses/1")}
    cancelled = {**booked, "id": "11", "cancelled_at": "2026-11-20T00:00:00Z"}
    upstream.on("GET", "/v1/individual_appointments", reply(200, page("individual_appointments", booked, cancelled)))
    start = datetime(2026, 11, 24, tzinfo=SYDNEY)
    found = await connector.list_appointments(
        "1", AppointmentQuery(start=start, end=start + timedelta(days=1), status=AppointmentStatus.cancelled)
    )
    assert [a.id for a in found] == ["11"]
    (query,) = queries(upstream, "/v1/individual_appointments")
    assert "q[]=business_id:=1" in query and "q[]=cancelled_at:*" in query
    assert "q[]=ends_at:>2026-11-23T13:00:00Z" in query and "q[]=starts_at:<2026-11-24T13:00:00Z" in query


async def test_cancel_sends_reason_other_with_the_comment_and_reads_back(
    connector: ClinikoConnector, upstream: FakeUpstream
) -> None:
    booked = {**p.SPEC_INDIVIDUAL_APPOINTMENT, "id": "10", "business": link("/businesses/1")}
    cancelled = {**booked, "cancelled_at": "2026-11-20T00:00:00Z", "cancellation_reason": 50}
    upstream.on("GET", "/v1/individual_appointments/10", reply(200, booked), reply(200, cancelled))
    upstream.on("PATCH", "/v1/individual_appointments/10/cancel", reply(204))
    appointment = await connector.cancel_appointment("1", "10", "Patient is away")
    assert appointment.status == AppointmentStatus.cancelled
    (patch,) = upstream.requests_to("PATCH", "/v1/individual_appointments/10/cancel")
    assert json.loads(patch.body) == {"cancellation_reason": 50, "cancellation_note": "Patient is away"}


async def test_undoing_a_booking_that_is_already_gone_is_done(
    connector: ClinikoConnector, upstream: FakeUpstream
) -> None:
    await connector.delete_appointment("12")  # DELETE answers Cliniko's HTML 404
    assert upstream.requests_to("DELETE", "/v1/individual_appointments/12")


# ---- notes ---------------------------------------------------------------------------------------


async def test_an_unstructured_note_is_written_as_a_draft_and_reads_back_as_text(
    connector: ClinikoConnector, upstream: FakeUpstream
) -> None:
    async def echo(request: Request) -> Response:
        body = await request.json()
        record = {**body, "id": "40", "patient": link("/patients/5"), "practitioner": link("/practitioners/2")}
        return JSONResponse(record, status_code=201)

    upstream.on("GET", "/v1/patients/5", reply(200, {**p.SPEC_PATIENT, "id": "5"}))
    upstream.on("POST", "/v1/treatment_notes", echo)
    note = await connector.create_note(
        "1", "5", NewMedicalNote(template_id="leyr_unstructured", title="Visit", content={"unstructured": "Fine."})
    )
    assert (note.template_id, note.content, note.signed, note.created_by_id) == (
        "leyr_unstructured",
        {"unstructured": "Fine."},
        False,
        "2",
    )
    (post,) = upstream.requests_to("POST", "/v1/treatment_notes")
    assert json.loads(post.body)["draft"] is True


@pytest.mark.parametrize(
    ("note", "code"),
    [
        (
            NewMedicalNote(template_id="leyr_unstructured", content={"unstructured": "  "}),
            DetailCode.INVALID_NOTE_CONTENT,
        ),
        (NewMedicalNote(template_id="leyr_unstructured", content={"text": "x"}), DetailCode.INVALID_NOTE_CONTENT),
        (NewMedicalNote(template_id="leyr_soap", content={"unstructured": "x"}), DetailCode.INVALID_TEMPLATE_ID),
        (NewMedicalNote(template_id="789", content={"sections": []}), DetailCode.INVALID_TEMPLATE_ID),
        (
            NewMedicalNote(template_id="leyr_unstructured", created_by_id="99", content={"unstructured": "x"}),
            DetailCode.INVALID_CREATED_BY_ID,
        ),
    ],
)
async def test_notes_that_cannot_be_written_are_refused_before_cliniko(
    connector: ClinikoConnector, upstream: FakeUpstream, note: NewMedicalNote, code: DetailCode
) -> None:
    with pytest.raises(MedleyError) as caught:
        await connector.create_note("1", "5", note)
    assert caught.value.code == ErrorCode.BAD_REQUEST
    assert caught.value.errors[0].error_code == code
    assert not upstream.requests_to("POST", "/v1/treatment_notes")


# ---- documents -----------------------------------------------------------------------------------


async def test_a_document_over_the_limit_is_refused_before_any_upload(
    connector: ClinikoConnector, upstream: FakeUpstream
) -> None:
    too_big = NewDocument(title="Scan", format="application/pdf", content=b"x" * (Settings().document_max_bytes + 1))
    with pytest.raises(MedleyError) as caught:
        await connector.create_document("1", "5", too_big)
    assert caught.value.status == 413
    assert caught.value.errors[0].error_code == DetailCode.DOCUMENT_TOO_LARGE
    assert not any("attachment" in seen.path for seen in upstream.seen)


async def test_another_patients_document_is_not_found(connector: ClinikoConnector, upstream: FakeUpstream) -> None:
    upstream.on("GET", "/v1/patient_attachments/1", reply(200, p.GH_PATIENT_ATTACHMENT))  # belongs to patient 123
    with pytest.raises(MedleyError) as caught:
        await connector.get_document("1", "5", "1")
    assert caught.value.errors[0].error_code == DetailCode.INVALID_DOCUMENT_ID
    assert not upstream.requests_to("GET", "/v1/patient_attachments/1/content")


async def test_a_cancel_cliniko_did_not_confirm_is_checked_and_found_done(
    connector: ClinikoConnector, upstream: FakeUpstream
) -> None:
    booked = {**p.SPEC_INDIVIDUAL_APPOINTMENT, "id": "10", "business": link("/businesses/1")}
    cancelled = {**booked, "cancelled_at": "2026-11-20T00:00:00Z"}
    upstream.on("GET", "/v1/individual_appointments/10", reply(200, booked), reply(200, cancelled))
    upstream.on("PATCH", "/v1/individual_appointments/10/cancel", reply(504, "gateway timeout"))
    appointment = await connector.cancel_appointment("1", "10", None)
    assert appointment.status == AppointmentStatus.cancelled
    assert len(upstream.requests_to("PATCH", "/v1/individual_appointments/10/cancel")) == 1


async def test_an_unconfirmed_undo_that_did_not_happen_stays_unknown(
    connector: ClinikoConnector, upstream: FakeUpstream
) -> None:
    still_there = {**p.SPEC_INDIVIDUAL_APPOINTMENT, "id": "12", "business": link("/businesses/1")}
    upstream.on("DELETE", "/v1/individual_appointments/12", reply(502, "bad gateway"))
    upstream.on("GET", "/v1/individual_appointments/12", reply(200, still_there))
    with pytest.raises(UnknownOutcome):
        await connector.delete_appointment("12")
    assert len(upstream.requests_to("DELETE", "/v1/individual_appointments/12")) == 1
