"""The Cliniko connector against Medley's Cliniko emulator, in-process and over a real socket.

One emulator (seeded practice) serves the whole module; each story books on its own day so stories do
not see each other's appointments.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import pytest_asyncio

from medley.config import Settings
from medley.connectors.cliniko.connector import ClinikoConnector
from medley.domain.errors import DetailCode, ErrorCode, MedleyError
from medley.domain.models import (
    AppointmentChange,
    AppointmentQuery,
    AppointmentStatus,
    NewAppointment,
    NewDocument,
    NewMedicalNote,
    PatientCreate,
    PatientQuery,
    Timeslot,
)
from medley.sandbox.cliniko.server import ClinikoSandbox, build_sandbox
from tests.support.asgi_server import served
from tests.support.emulated import connected, running

pytestmark = pytest.mark.asyncio(loop_scope="module")

SANDBOX_URL = "http://cliniko.sandbox/v1"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir: Path = tmp_path_factory.mktemp("cliniko-sandbox")
    return Settings(data_dir=data_dir, sandbox_rate_limit_per_minute=100_000, upstream_max_retries=0)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox(settings: Settings) -> AsyncIterator[ClinikoSandbox]:
    async with running(build_sandbox(settings)) as started:
        yield started


def connect(
    sandbox: ClinikoSandbox, settings: Settings, *, base_url: str = SANDBOX_URL, api_key: str | None = None
) -> AbstractAsyncContextManager[ClinikoConnector]:
    """A connector to the emulator: in-process at ``SANDBOX_URL``, else over the network at ``base_url``."""
    app = sandbox.app if base_url == SANDBOX_URL else None
    credentials = {"api_key": api_key or sandbox.api_key}
    return connected(ClinikoConnector, "cliniko", credentials, settings, app=app, base_url=base_url)


@pytest_asyncio.fixture(loop_scope="module")
async def connector(sandbox: ClinikoSandbox, settings: Settings) -> AsyncIterator[ClinikoConnector]:
    async with connect(sandbox, settings) as built:
        yield built


@pytest_asyncio.fixture(loop_scope="module")
async def care_unit(connector: ClinikoConnector) -> str:
    units = await connector.list_care_units()
    return units[0].id


async def slots_on(connector: ClinikoConnector, care_unit: str, days_ahead: int) -> list[Timeslot]:
    unit = await connector.get_care_unit(care_unit)
    day = datetime.now(UTC).astimezone(ZoneInfo(unit.timezone)).date() + timedelta(days=days_ahead)
    # Weekends may be closed: take the first day from there that has free time.
    for offset in range(7):
        start = datetime.combine(day + timedelta(days=offset), datetime.min.time(), ZoneInfo(unit.timezone))
        slots = await connector.list_timeslots(care_unit, start, start + timedelta(days=1))
        if slots:
            return slots
    raise AssertionError("the sandbox practice has no free time that week")


async def new_patient(connector: ClinikoConnector, care_unit: str, last_name: str) -> str:
    patient = await connector.create_patient(
        care_unit,
        PatientCreate(first_name="Test", last_name=last_name, birth_date=date(1990, 1, 2), phones=["0400 111 222"]),
    )
    return patient.id


def booking_for(slot: Timeslot, patient_id: str, comment: str | None = None) -> NewAppointment:
    return NewAppointment(
        start=slot.start,
        end=slot.end,
        patient_id=patient_id,
        resource_id=slot.resource_id,
        healthcare_service_id=slot.healthcare_service_id,
        comment=comment,
    )


# ---- reference data and free time ----------------------------------------------------------------


async def test_the_practice_has_care_units_resources_and_services(connector: ClinikoConnector, care_unit: str) -> None:
    unit = await connector.get_care_unit(care_unit)
    assert unit.name and unit.timezone
    resources = await connector.list_resources(care_unit)
    services = await connector.list_services(care_unit)
    assert resources and services
    resource_ids = {r.id for r in resources}
    assert all(set(s.resource_ids) <= resource_ids for s in services)
    with pytest.raises(MedleyError) as caught:
        await connector.get_care_unit("999999")
    assert caught.value.errors[0].error_code == DetailCode.INVALID_CARE_UNIT_ID


async def test_every_timeslot_lies_within_its_resources_working_time(
    connector: ClinikoConnector, care_unit: str
) -> None:
    slots = await slots_on(connector, care_unit, 1)
    start, end = slots[0].start - timedelta(hours=12), slots[-1].end + timedelta(hours=12)
    schedules = {
        resource_id: await connector.get_schedule(care_unit, resource_id, start, end)
        for resource_id in {s.resource_id for s in slots}
    }
    for slot in slots:
        assert any(b.start <= slot.start and slot.end <= b.end for b in schedules[slot.resource_id]), slot


async def test_next_available_is_the_first_listed_timeslot(connector: ClinikoConnector, care_unit: str) -> None:
    now = datetime.now(UTC)
    listed = await connector.list_timeslots(care_unit, now, now + timedelta(days=14))
    first = await connector.next_available(care_unit, now)
    assert listed and first is not None
    assert (first.start, first.resource_id, first.healthcare_service_id) == (
        listed[0].start,
        listed[0].resource_id,
        listed[0].healthcare_service_id,
    )


# ---- patients ------------------------------------------------------------------------------------


async def test_a_created_patient_is_found_by_name_birth_date_and_phone(
    connector: ClinikoConnector, care_unit: str
) -> None:
    created = await connector.create_patient(
        care_unit,
        PatientCreate(
            first_name="Marie",
            last_name="Curie-Sklodowska",
            birth_date=date(1967, 11, 7),
            gender="Female",
            external_id="EXT-CURIE",
            phones=["0412 000 111"],
            emails=["marie@example.org"],
        ),
    )
    assert created.emails == ["marie@example.org"] and created.external_id == "EXT-CURIE"
    by_name = await connector.search_patients(
        care_unit, PatientQuery(first_name="Marie", last_name="Curie-Sklodowska", birth_date=date(1967, 11, 7))
    )
    assert [p.id for p in by_name] == [created.id]
    by_external_id = await connector.search_patients(care_unit, PatientQuery(external_id="EXT-CURIE"))
    assert [p.id for p in by_external_id] == [created.id]
    by_phone = await connector.search_patients(
        care_unit, PatientQuery(last_name="Curie-Sklodowska", phone="+61412000111")
    )
    assert [p.id for p in by_phone] == [created.id]
    assert (await connector.get_patient(care_unit, created.id)).birth_date == date(1967, 11, 7)


# ---- the booking story ---------------------------------------------------------------------------


async def test_a_booked_slot_disappears_and_comes_back_when_cancelled(
    connector: ClinikoConnector, care_unit: str
) -> None:
    slot = (await slots_on(connector, care_unit, 2))[0]
    patient_id = await new_patient(connector, care_unit, "Booker")
    appointment = await connector.create_appointment(care_unit, booking_for(slot, patient_id, "first visit"))
    assert (appointment.start, appointment.end, appointment.status) == (slot.start, slot.end, AppointmentStatus.booked)
    assert appointment.comment == "first visit"
    assert not await connector.has_conflicts(appointment.id)

    def still_free(slots: list[Timeslot]) -> bool:
        return any(
            (s.start, s.resource_id, s.healthcare_service_id)
            == (slot.start, slot.resource_id, slot.healthcare_service_id)
            for s in slots
        )

    assert not still_free(await connector.list_timeslots(care_unit, slot.start, slot.end, fresh=True))
    listed = await connector.list_appointments(care_unit, AppointmentQuery(patient_id=patient_id))
    assert [a.id for a in listed] == [appointment.id]

    cancelled = await connector.cancel_appointment(care_unit, appointment.id, "patient is unwell")
    assert cancelled.status == AppointmentStatus.cancelled
    assert (await connector.cancel_appointment(care_unit, appointment.id, None)).status == AppointmentStatus.cancelled
    assert still_free(await connector.list_timeslots(care_unit, slot.start, slot.end))
    only_cancelled = await connector.list_appointments(
        care_unit, AppointmentQuery(patient_id=patient_id, status=AppointmentStatus.cancelled)
    )
    assert [a.id for a in only_cancelled] == [appointment.id]


async def test_a_reschedule_moves_the_appointment_and_an_edit_keeps_the_time(
    connector: ClinikoConnector, care_unit: str
) -> None:
    slots = await slots_on(connector, care_unit, 3)
    first = slots[0]
    later = next(s for s in slots if s.resource_id == first.resource_id and s.start >= first.end)
    patient_id = await new_patient(connector, care_unit, "Mover")
    appointment = await connector.create_appointment(care_unit, booking_for(first, patient_id))
    moved = await connector.update_appointment(
        care_unit, appointment.id, AppointmentChange(start=later.start, end=later.start + (first.end - first.start))
    )
    assert moved.start == later.start
    edited = await connector.update_appointment(care_unit, appointment.id, AppointmentChange(comment="bring scans"))
    assert (edited.start, edited.comment) == (later.start, "bring scans")
    assert (await connector.get_appointment(care_unit, appointment.id)).comment == "bring scans"


async def test_cliniko_accepts_a_double_booking_reports_the_conflict_and_the_loser_is_undone(
    connector: ClinikoConnector, care_unit: str
) -> None:
    slot = (await slots_on(connector, care_unit, 4))[0]
    winner = await connector.create_appointment(
        care_unit, booking_for(slot, await new_patient(connector, care_unit, "Winner"))
    )
    loser = await connector.create_appointment(
        care_unit, booking_for(slot, await new_patient(connector, care_unit, "Loser"))
    )
    assert await connector.has_conflicts(loser.id)
    await connector.delete_appointment(loser.id)
    await connector.delete_appointment(loser.id)  # undoing twice is harmless
    assert not await connector.has_conflicts(winner.id)
    with pytest.raises(MedleyError) as caught:
        await connector.get_appointment(care_unit, loser.id)
    assert caught.value.errors[0].error_code == DetailCode.INVALID_APPOINTMENT_ID


async def test_an_appointment_is_only_visible_at_its_own_care_unit(connector: ClinikoConnector, care_unit: str) -> None:
    units = await connector.list_care_units()
    other = next(u.id for u in units if u.id != care_unit)
    mine = await connector.list_appointments(
        care_unit, AppointmentQuery(start=datetime.now(UTC) - timedelta(days=7), end=datetime.now(UTC))
    )
    assert mine
    with pytest.raises(MedleyError) as caught:
        await connector.get_appointment(other, mine[0].id)
    assert caught.value.errors[0].error_code == DetailCode.INVALID_APPOINTMENT_ID


# ---- notes ---------------------------------------------------------------------------------------


async def test_an_unstructured_note_round_trips_as_an_unsigned_draft(
    connector: ClinikoConnector, care_unit: str
) -> None:
    patient_id = await new_patient(connector, care_unit, "Noted")
    author = (await connector.list_resources(care_unit))[0].id
    text = "Knee pain for 3 weeks.\nBP < 120 & stable."
    note = await connector.create_note(
        care_unit,
        patient_id,
        NewMedicalNote(
            template_id="leyr_unstructured", title="Visit", created_by_id=author, content={"unstructured": text}
        ),
    )
    assert (note.template_id, note.content, note.signed, note.title) == (
        "leyr_unstructured",
        {"unstructured": text},
        False,
        "Visit",
    )
    assert note.created_by_id is not None  # Cliniko's author: the API key's practitioner
    listed = await connector.list_notes(care_unit, patient_id)
    assert [(n.id, n.content) for n in listed] == [(note.id, {"unstructured": text})]


async def test_a_note_can_use_a_native_cliniko_template_and_a_wrong_one_is_refused(
    connector: ClinikoConnector, care_unit: str, sandbox: ClinikoSandbox, settings: Settings
) -> None:
    patient_id = await new_patient(connector, care_unit, "Templated")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sandbox.app),
        base_url=SANDBOX_URL,
        auth=(sandbox.api_key, ""),
        headers={"User-Agent": "tests (tests@example.org)", "Accept": "application/json"},
    ) as raw:
        templates = (await raw.get(f"{SANDBOX_URL}/treatment_note_templates")).json()["treatment_note_templates"]
    template_id = templates[0]["id"]
    content = {
        "sections": [{"name": "Assessment", "questions": [{"name": "Findings", "type": "text", "answer": "Normal"}]}]
    }
    note = await connector.create_note(care_unit, patient_id, NewMedicalNote(template_id=template_id, content=content))
    assert note.template_id == template_id
    assert note.content["sections"][0]["questions"][0]["answer"] == "Normal"
    with pytest.raises(MedleyError) as caught:
        await connector.create_note(care_unit, patient_id, NewMedicalNote(template_id="999999", content=content))
    assert caught.value.errors[0].error_code == DetailCode.INVALID_TEMPLATE_ID


# ---- documents -----------------------------------------------------------------------------------


async def test_a_document_round_trips_through_the_three_step_upload(
    connector: ClinikoConnector, care_unit: str
) -> None:
    patient_id = await new_patient(connector, care_unit, "Filed")
    pdf = b"%PDF-1.4\n" + base64.b64encode(bytes(range(256)) * 8) + b"\n%%EOF\n"
    document = await connector.create_document(
        care_unit,
        patient_id,
        NewDocument(title="Referral letter", type="Referral", format="application/pdf", content=pdf),
    )
    assert (document.title, document.type, document.format, document.size) == (
        "Referral letter",
        "Referral",
        "application/pdf",
        len(pdf),
    )
    listed = await connector.list_documents(care_unit, patient_id)
    assert [(d.id, d.title, d.type) for d in listed] == [(document.id, "Referral letter", "Referral")]
    file = await connector.get_document(care_unit, patient_id, document.id)
    assert (file.content, file.format) == (pdf, "application/pdf")
    assert file.filename is not None and file.filename.endswith(".pdf")
    someone_else = await new_patient(connector, care_unit, "Other")
    with pytest.raises(MedleyError) as caught:
        await connector.get_document(care_unit, someone_else, document.id)
    assert caught.value.errors[0].error_code == DetailCode.INVALID_DOCUMENT_ID


# ---- keys and sockets ----------------------------------------------------------------------------


async def test_a_wrong_key_is_an_emr_error(sandbox: ClinikoSandbox, settings: Settings) -> None:
    async with connect(sandbox, settings, api_key="not-the-key-au1") as connector:
        with pytest.raises(MedleyError) as caught:
            await connector.list_care_units()
    assert caught.value.code == ErrorCode.EMR_ERROR
    assert caught.value.errors[0].emr_error == {"status": 401, "message": "HTTP Basic: Access denied."}


async def test_the_same_connector_works_over_a_real_socket(sandbox: ClinikoSandbox, settings: Settings) -> None:
    async with served(sandbox.app) as url, connect(sandbox, settings, base_url=f"{url}/v1") as connector:
        care_unit = (await connector.list_care_units())[0].id
        slot = (await slots_on(connector, care_unit, 5))[0]
        patient_id = await new_patient(connector, care_unit, "Networked")
        appointment = await connector.create_appointment(care_unit, booking_for(slot, patient_id))
        assert appointment.start == slot.start
        cancelled = await connector.cancel_appointment(care_unit, appointment.id, "over the network")
        assert cancelled.status == AppointmentStatus.cancelled


async def test_connector_logs_carry_no_key_names_or_clinical_text(
    connector: ClinikoConnector, care_unit: str, sandbox: ClinikoSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="medley.connectors")
    patient = await connector.create_patient(
        care_unit, PatientCreate(first_name="Xanthippe", last_name="Quillfeather", emails=["xq@example.org"])
    )
    await connector.search_patients(care_unit, PatientQuery(last_name="Quillfeather", phone="0499 123 456"))
    await connector.create_note(
        care_unit, patient.id, NewMedicalNote(template_id="leyr_unstructured", content={"unstructured": "Tinnitus"})
    )
    slot = (await slots_on(connector, care_unit, 6))[0]
    await connector.create_appointment(care_unit, booking_for(slot, patient.id, "Confidential remark"))
    records = [r for r in caplog.records if r.name.startswith("medley.connectors")]
    assert records
    for record in records:
        message = record.getMessage()
        for secret in (
            sandbox.api_key,
            "Xanthippe",
            "Quillfeather",
            "xq@example.org",
            "0499",
            "Tinnitus",
            "Confidential",
        ):
            assert secret not in message
