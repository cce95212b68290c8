"""Group classes through the Cliniko connector, against the emulator's seeded weekly class.

A class is its practitioner's busy time everywhere Medley reads bookings (the mirror's sync, live
timeslots, the conflicts check that guards a booking). Medley does not book patients into classes
(``seats`` is false), and a class is not a Medley appointment: ``appointments`` lists individual
appointments only, also when filtered by one of the class's attendees.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from medley.config import Settings
from medley.connectors.cliniko.connector import ClinikoConnector
from medley.domain.errors import DetailCode, MedleyError
from medley.domain.models import AppointmentQuery, NewAppointment, PatientCreate
from medley.sandbox.cliniko.server import ClinikoSandbox, build_sandbox
from tests.sandbox.emulator import client_for, last_id
from tests.support.emulated import connected, running

pytestmark = pytest.mark.asyncio(loop_scope="module")

SANDBOX_URL = "http://cliniko.sandbox/v1"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir: Path = tmp_path_factory.mktemp("cliniko-classes")
    return Settings(data_dir=data_dir, sandbox_rate_limit_per_minute=100_000, upstream_max_retries=0)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox(settings: Settings) -> AsyncIterator[ClinikoSandbox]:
    async with running(build_sandbox(settings)) as started:
        yield started


@pytest_asyncio.fixture(loop_scope="module")
async def connector(sandbox: ClinikoSandbox, settings: Settings) -> AsyncIterator[ClinikoConnector]:
    credentials = {"api_key": sandbox.api_key}
    async with connected(
        ClinikoConnector, "cliniko", credentials, settings, app=sandbox.app, base_url=SANDBOX_URL
    ) as built:
        yield built


async def _classes(sandbox: ClinikoSandbox, *filters: str) -> list[dict[str, Any]]:
    """Classes straight from the emulator (the connector has no read for them: that is the point)."""
    async with client_for(sandbox) as client:
        params: list[tuple[str, str | int | float | bool | None]] = [("q[]", value) for value in filters]
        params.append(("per_page", 100))
        listed: list[dict[str, Any]] = (await client.get("/group_appointments", params=params)).json()[
            "group_appointments"
        ]
    return listed


async def _upcoming_class(sandbox: ClinikoSandbox) -> dict[str, Any]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (await _classes(sandbox, f"starts_at:>{now}"))[0]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_the_sync_reads_a_class_as_busy_time_of_its_practitioner(
    sandbox: ClinikoSandbox, connector: ClinikoConnector
) -> None:
    group = await _upcoming_class(sandbox)
    starts_at, ends_at = _at(group["starts_at"]), _at(group["ends_at"])
    bookings = await connector.sync_source().read_bookings(
        changed_since=None, start=starts_at - timedelta(hours=1), end=ends_at + timedelta(hours=1)
    )
    read = next(booking for booking in bookings if booking.booking_id == group["id"])
    assert read.kind == "group_appointment" and read.busy and read.patient_id is None
    assert (read.resource_id, read.starts_at, read.ends_at) == (
        last_id(group["practitioner"]["links"]["self"]),
        starts_at,
        ends_at,
    )
    assert read.care_unit_id == last_id(group["business"]["links"]["self"])
    assert read.service_id == last_id(group["appointment_type"]["links"]["self"])


async def test_a_called_off_class_is_read_as_free_again(sandbox: ClinikoSandbox, connector: ClinikoConnector) -> None:
    (called_off,) = await _classes(sandbox, "archived_at:?")
    since = _at(called_off["archived_at"]) - timedelta(seconds=1)
    changed = await connector.sync_source().read_bookings(
        changed_since=since, start=since, end=since + timedelta(days=1)
    )
    read = next(booking for booking in changed if booking.booking_id == called_off["id"])
    assert read.status == "archived" and not read.busy


async def test_live_timeslots_leave_out_the_class_time(sandbox: ClinikoSandbox, connector: ClinikoConnector) -> None:
    group = await _upcoming_class(sandbox)
    care_unit = last_id(group["business"]["links"]["self"])
    practitioner = last_id(group["practitioner"]["links"]["self"])
    starts_at, ends_at = _at(group["starts_at"]), _at(group["ends_at"])
    day_start = starts_at - timedelta(hours=6)
    slots = await connector.list_timeslots(
        care_unit, day_start, day_start + timedelta(hours=12), resource_ids=[practitioner], fresh=True
    )
    assert slots, "the practitioner works around the class that day"
    assert [slot for slot in slots if slot.start < ends_at and slot.end > starts_at] == []


async def test_a_booking_over_a_class_is_caught_by_the_conflicts_check_and_undone(
    sandbox: ClinikoSandbox, connector: ClinikoConnector
) -> None:
    group = await _upcoming_class(sandbox)
    care_unit = last_id(group["business"]["links"]["self"])
    practitioner = last_id(group["practitioner"]["links"]["self"])
    services = [s for s in await connector.list_services(care_unit) if practitioner in s.resource_ids]
    patient = await connector.create_patient(care_unit, PatientCreate(first_name="Class", last_name="Clash"))
    starts_at = _at(group["starts_at"])
    appointment = await connector.create_appointment(
        care_unit,
        NewAppointment(
            start=starts_at,
            end=starts_at + timedelta(minutes=services[0].duration_minutes),
            patient_id=patient.id,
            resource_id=practitioner,
            healthcare_service_id=services[0].id,
        ),
    )
    assert await connector.has_conflicts(appointment.id)
    assert not await connector.check_own_write(care_unit, appointment.id)
    assert (await connector.list_appointments(care_unit, AppointmentQuery(patient_id=patient.id))) == []


async def test_medley_does_not_book_into_classes_nor_list_them_as_appointments(
    sandbox: ClinikoSandbox, connector: ClinikoConnector
) -> None:
    assert connector.capabilities().seats is False
    group = await _upcoming_class(sandbox)
    care_unit = last_id(group["business"]["links"]["self"])
    class_type = last_id(group["appointment_type"]["links"]["self"])
    assert class_type not in {service.id for service in await connector.list_services(care_unit)}
    with pytest.raises(MedleyError) as refused:
        await connector.create_appointment(
            care_unit,
            NewAppointment(
                start=_at(group["starts_at"]),
                end=_at(group["ends_at"]),
                patient_id=group["patient_ids"][0],
                resource_id=last_id(group["practitioner"]["links"]["self"]),
                healthcare_service_id=class_type,
            ),
        )
    assert refused.value.errors[0].error_code == DetailCode.INVALID_HEALTHCARE_SERVICE_ID
    attendee = group["patient_ids"][0]
    listed = await connector.list_appointments(
        care_unit,
        AppointmentQuery(
            patient_id=attendee,
            start=_at(group["starts_at"]) - timedelta(hours=1),
            end=_at(group["ends_at"]) + timedelta(hours=1),
        ),
    )
    assert group["id"] not in {appointment.id for appointment in listed}
    assert all(appointment.patient_id == attendee for appointment in listed)
