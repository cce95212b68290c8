"""The Acuity connector against Medley's Acuity emulator over HTTP (in-process ASGI transport): reference data,
timeslots in each calendar's zone, client-mode bookings and Acuity's refusals, patients, and the request limit.

One emulator (the seeded practice) serves the module; each story books on its own days so stories do not see
each other's appointments. Seed ids come from the seed module, never literals.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import pytest_asyncio

from medley.config import Settings
from medley.connectors.acuity.client import AcuityClient
from medley.connectors.acuity.connector import AcuityConnector
from medley.domain.errors import DetailCode, ErrorCode, MedleyError
from medley.domain.models import (
    AppointmentChange,
    AppointmentQuery,
    AppointmentStatus,
    NewAppointment,
    Patient,
    PatientCreate,
    PatientQuery,
    Timeslot,
)
from medley.metrics import UPSTREAM_CALLS
from medley.sandbox.acuity import seed_data
from medley.sandbox.acuity.server import AcuitySandbox, build_sandbox
from tests.support.emulated import connected, running

pytestmark = pytest.mark.asyncio(loop_scope="module")

SANDBOX_URL = "http://acuity.sandbox/api/v1"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir: Path = tmp_path_factory.mktemp("acuity-sandbox")
    # No limit in the emulator for the stories; the limit's own test builds a limited emulator.
    return Settings(
        data_dir=data_dir,
        sandbox_acuity_rate_limit_per_second=0,
        sandbox_acuity_max_concurrent=0,
        upstream_max_retries=0,
        timeslot_cache_seconds=0,
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox(settings: Settings) -> AsyncIterator[AcuitySandbox]:
    async with running(build_sandbox(settings)) as started:
        yield started


def credentials(sandbox: AcuitySandbox, *, api_key: str | None = None) -> dict[str, str]:
    return {"user_id": sandbox.user_id, "api_key": api_key or sandbox.api_key}


@pytest_asyncio.fixture(loop_scope="module")
async def connector(sandbox: AcuitySandbox, settings: Settings) -> AsyncIterator[AcuityConnector]:
    async with connected(
        AcuityConnector, "acuity", credentials(sandbox), settings, app=sandbox.app, base_url=SANDBOX_URL
    ) as built:
        yield built


@pytest_asyncio.fixture(loop_scope="module")
async def care_unit(connector: AcuityConnector) -> str:
    return (await connector.list_care_units())[0].id


async def new_patient(connector: AcuityConnector, care_unit: str, *, email: bool = True) -> Patient:
    suffix = uuid.uuid4().hex[:8]
    return await connector.create_patient(
        care_unit,
        PatientCreate(
            first_name="Grace",
            last_name=f"Hopper-{suffix}",
            emails=[f"grace.{suffix}@example.org"] if email else [],
            phones=["(312) 555-0199"],
        ),
    )


async def free_slots(
    connector: AcuityConnector, care_unit: str, resource: int, service: int, days_ahead: int, days: int = 7
) -> list[Timeslot]:
    zone = ZoneInfo(seed_data.BUSINESS_TIME_ZONE)
    start = datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=days_ahead)
    return await connector.list_timeslots(
        care_unit, start, start + timedelta(days=days), [str(resource)], [str(service)], fresh=True
    )


def booking(slot: Timeslot, patient: Patient) -> NewAppointment:
    return NewAppointment(
        start=slot.start,
        end=slot.end,
        patient_id=patient.id,
        resource_id=slot.resource_id,
        healthcare_service_id=slot.healthcare_service_id,
    )


async def test_the_account_is_one_care_unit_in_its_zone_with_calendars_and_public_services(
    connector: AcuityConnector,
) -> None:
    units = await connector.list_care_units()
    assert [u.id for u in units] == [str(seed_data.ACCOUNT_ID)]
    assert units[0].timezone == seed_data.BUSINESS_TIME_ZONE
    resources = await connector.list_resources(units[0].id)
    assert {r.id for r in resources} == {str(c.id) for c in seed_data.CALENDARS}
    services = {s.id: s for s in await connector.list_services(units[0].id)}
    # Private and inactive types are not offered; the class is.
    assert str(seed_data.CASE_REVIEW) not in services and str(seed_data.RETIRED_CUPPING) not in services
    assert services[str(seed_data.YOGA_CLASS)].resource_ids == [str(seed_data.STUDIO)]
    assert services[str(seed_data.FOLLOW_UP)].duration_minutes == 30


async def test_an_unknown_care_unit_resource_or_service_is_not_found(
    connector: AcuityConnector, care_unit: str
) -> None:
    with pytest.raises(MedleyError) as caught:
        await connector.list_resources("999")
    assert caught.value.errors[0].error_code == DetailCode.INVALID_CARE_UNIT_ID
    with pytest.raises(MedleyError) as caught:
        await connector.get_resource(care_unit, "999")
    assert caught.value.errors[0].error_code == DetailCode.INVALID_RESOURCE_ID
    now = datetime.now(ZoneInfo("UTC"))
    with pytest.raises(MedleyError) as caught:
        await connector.list_timeslots(care_unit, now, now + timedelta(days=1), None, [str(seed_data.CASE_REVIEW)])
    assert caught.value.errors[0].error_code == DetailCode.INVALID_HEALTHCARE_SERVICE_ID


async def test_slots_are_rendered_in_their_calendars_own_zone(connector: AcuityConnector, care_unit: str) -> None:
    denver = await free_slots(connector, care_unit, seed_data.RAMAN, seed_data.NUTRITION_CHECK_IN, 2, days=14)
    chicago = await free_slots(connector, care_unit, seed_data.OKAFOR, seed_data.FOLLOW_UP, 2, days=14)
    assert denver and chicago
    for slot in denver:
        assert slot.start.utcoffset() == slot.start.astimezone(ZoneInfo("America/Denver")).utcoffset()
    for slot in chicago:
        assert slot.start.utcoffset() == slot.start.astimezone(ZoneInfo("America/Chicago")).utcoffset()
    # Raman works 08:00-12:00 and 13:00-16:00 in Denver: her starts are Denver wall-clock times.
    assert all(8 <= s.start.hour < 16 for s in denver)


async def test_a_booking_takes_its_slot_and_a_second_one_is_a_conflict(
    connector: AcuityConnector, care_unit: str
) -> None:
    patient = await new_patient(connector, care_unit)
    slot = (await free_slots(connector, care_unit, seed_data.OKAFOR, seed_data.FOLLOW_UP, 3))[0]
    appointment = await connector.create_appointment(care_unit, booking(slot, patient))
    assert appointment.status == AppointmentStatus.booked
    assert (appointment.start, appointment.resource_id, appointment.patient_id) == (
        slot.start,
        slot.resource_id,
        patient.id,
    )
    assert await connector.check_own_write(care_unit, appointment.id)  # Acuity refused overlaps itself
    assert slot not in await free_slots(connector, care_unit, seed_data.OKAFOR, seed_data.FOLLOW_UP, 3)
    # The live re-check (check-times) and Acuity's own refusal both say taken.
    exact = await connector.list_timeslots(
        care_unit, slot.start, slot.end, [slot.resource_id], [slot.healthcare_service_id], fresh=True
    )
    assert exact == []
    other = await new_patient(connector, care_unit)
    with pytest.raises(MedleyError) as caught:
        await connector.create_appointment(care_unit, booking(slot, other))
    assert caught.value.code == ErrorCode.CONFLICT
    assert caught.value.errors[0].error_code == DetailCode.NO_TIMESLOTS_AVAILABLE
    assert caught.value.errors[0].emr_error is not None
    assert caught.value.errors[0].emr_error["error"] == "not_available"


async def test_too_soon_and_too_far_ahead_are_clear_bad_requests(connector: AcuityConnector, care_unit: str) -> None:
    patient = await new_patient(connector, care_unit)
    zone = ZoneInfo("America/Chicago")
    today = datetime.now(zone).replace(minute=0, second=0, microsecond=0)
    for ahead, code in (
        (timedelta(hours=1), "not_available_min_hours_in_advance"),
        (timedelta(days=seed_data.ACCOUNT.max_days_in_advance + 30), "not_available_max_days_in_advance"),
    ):
        start = today + ahead
        wanted = NewAppointment(
            start=start,
            end=start + timedelta(minutes=30),
            patient_id=patient.id,
            resource_id=str(seed_data.OKAFOR),
            healthcare_service_id=str(seed_data.FOLLOW_UP),
        )
        with pytest.raises(MedleyError) as caught:
            await connector.create_appointment(care_unit, wanted)
        assert caught.value.code == ErrorCode.BAD_REQUEST, caught.value
        assert caught.value.errors[0].error_code == DetailCode.INVALID_TIME_WINDOW
        assert caught.value.errors[0].emr_error is not None and caught.value.errors[0].emr_error["error"] == code


async def test_a_patient_without_an_email_cannot_be_booked_in_client_mode(
    connector: AcuityConnector, care_unit: str
) -> None:
    patient = await new_patient(connector, care_unit, email=False)
    slot = (await free_slots(connector, care_unit, seed_data.OKAFOR, seed_data.FOLLOW_UP, 4))[0]
    with pytest.raises(MedleyError) as caught:
        await connector.create_appointment(care_unit, booking(slot, patient))
    assert caught.value.errors[0].error_code == DetailCode.MISSING_REQUIRED_FIELD


async def test_reschedule_comment_and_cancel(connector: AcuityConnector, care_unit: str) -> None:
    patient = await new_patient(connector, care_unit)
    slots = await free_slots(connector, care_unit, seed_data.WHITFIELD, seed_data.MASSAGE_60, 9)
    first, later = slots[0], slots[-1]
    made = await connector.create_appointment(care_unit, booking(first, patient))
    moved = await connector.update_appointment(
        care_unit, made.id, AppointmentChange(start=later.start, end=later.end, comment="Moved by phone")
    )
    assert (moved.id, moved.start, moved.comment) == (made.id, later.start, "Moved by phone")
    assert first in await free_slots(connector, care_unit, seed_data.WHITFIELD, seed_data.MASSAGE_60, 9)
    cancelled = await connector.cancel_appointment(care_unit, made.id, "Feeling better")
    assert cancelled.status == AppointmentStatus.cancelled
    again = await connector.cancel_appointment(care_unit, made.id, None)
    assert again.status == AppointmentStatus.cancelled
    listed = await connector.list_appointments(care_unit, AppointmentQuery(patient_id=patient.id))
    assert [(a.id, a.status) for a in listed] == [(made.id, AppointmentStatus.cancelled)]
    with pytest.raises(MedleyError) as caught:
        await connector.get_appointment(care_unit, "999999")
    assert caught.value.errors[0].error_code == DetailCode.INVALID_APPOINTMENT_ID


async def test_a_patients_id_is_derived_stable_and_found_again(connector: AcuityConnector, care_unit: str) -> None:
    patient = await new_patient(connector, care_unit)
    assert patient.id == patient.emr_id and patient.id.startswith("a") and len(patient.id) == 25
    assert patient.last_name is not None and patient.last_name not in patient.id
    assert (await connector.get_patient(care_unit, patient.id)).id == patient.id
    found = await connector.search_patients(
        care_unit, PatientQuery(first_name="grace", last_name=patient.last_name.upper())
    )
    assert [p.id for p in found] == [patient.id]
    with pytest.raises(MedleyError) as caught:
        await connector.get_patient(care_unit, "a" + "0" * 24)
    assert caught.value.errors[0].error_code == DetailCode.INVALID_PATIENT_ID
    with pytest.raises(MedleyError) as caught:
        await connector.search_patients(care_unit, PatientQuery(birth_date="1980-01-01"))
    assert caught.value.errors[0].error_code == DetailCode.NOT_SUPPORTED


def _throttled() -> float:
    return sum(
        sample.value
        for metric in UPSTREAM_CALLS.collect()
        for sample in metric.samples
        if sample.name.endswith("_total") and sample.labels["ehr"] == "acuity" and sample.labels["status"] == "429"
    )


async def test_the_client_keeps_to_acuitys_ten_per_second_and_rides_out_a_429(tmp_path: Path) -> None:
    """Against an emulator enforcing 10/s: with the client's budget, nothing is throttled; without it, the
    emulator's 429s are waited out and every read still succeeds."""
    settings = Settings(data_dir=tmp_path, sandbox_acuity_rate_limit_per_second=10, upstream_max_retries=0)
    sandbox = build_sandbox(settings)
    await sandbox.start()
    try:
        for budgeted in (True, False):
            client = AcuityClient(
                sandbox.user_id,
                sandbox.api_key,
                settings=settings,
                base_url=f"http://acuity-{budgeted}.sandbox/api/v1",
                transport=httpx.ASGITransport(app=sandbox.app),
                requests_per_second=10 if budgeted else 0,
            )
            await asyncio.sleep(1.1)  # a fresh second at the emulator
            before = _throttled()
            try:
                answers = await asyncio.gather(*(client.get_list("/calendars") for _ in range(25)))
            finally:
                await client.aclose()
            assert all(len(a) == len(seed_data.CALENDARS) for a in answers)
            if budgeted:
                assert _throttled() == before
            else:
                assert _throttled() > before
    finally:
        await sandbox.stop()


async def test_wrong_credentials_are_an_emr_error_that_says_where_to_look(
    sandbox: AcuitySandbox, settings: Settings
) -> None:
    async with connected(
        AcuityConnector,
        "acuity",
        credentials(sandbox, api_key="wrong"),
        settings,
        app=sandbox.app,
        base_url=SANDBOX_URL,
    ) as connector:
        with pytest.raises(MedleyError) as caught:
            await connector.list_care_units()
        assert caught.value.code == ErrorCode.EMR_ERROR
        assert "API key" in caught.value.detail
