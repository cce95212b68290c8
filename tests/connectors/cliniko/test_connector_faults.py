"""The connector's fan-out and its recovery from unconfirmed writes, against a small fake Cliniko."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest

from medley.config import Settings
from medley.connectors.cliniko.client import ClinikoClient
from medley.connectors.cliniko.connector import ClinikoConnector
from medley.connectors.cliniko.errors import UnknownOutcome
from medley.connectors.rate_budget import LocalRateBudget
from medley.domain.errors import DetailCode, MedleyError
from medley.domain.models import NewAppointment
from tests.connectors.cliniko.mini_cliniko import BUSINESS_ID, ZONE, MiniCliniko
from tests.support.asgi_server import served

PRACTITIONERS = ["200", "201", "202", "203", "204"]
TYPES = {"300": 30, "301": 45, "302": 60}


def mini(**options: object) -> MiniCliniko:
    return MiniCliniko(
        practitioner_ids=PRACTITIONERS,
        type_durations=dict(TYPES),
        offers={p: set(TYPES) for p in PRACTITIONERS},
        **options,  # type: ignore[arg-type]
    )


def connector_for(
    base_url: str, transport: httpx.AsyncBaseTransport | None = None, **settings: object
) -> ClinikoConnector:
    config = Settings(**{"upstream_concurrency": 8, "upstream_timeout_seconds": 5.0, **settings})  # type: ignore[arg-type]
    client = ClinikoClient(
        "test-key-au1", settings=config, base_url=base_url, transport=transport, rate_budget=LocalRateBudget(10_000)
    )
    return ClinikoConnector(client, settings=config, reconcile_delays=(0.0, 0.05))


@pytest.fixture
async def fake() -> MiniCliniko:
    return mini()


@pytest.fixture
async def connector(fake: MiniCliniko) -> AsyncIterator[ClinikoConnector]:
    connector = connector_for("http://mini.cliniko/v1", httpx.ASGITransport(app=fake.app))
    yield connector
    await connector.aclose()


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    day = datetime.now(ZONE).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


# ---- timeslots -----------------------------------------------------------------------------------


async def test_two_weeks_of_fifteen_pairs_at_100ms_each_answer_well_under_a_second_and_a_half() -> None:
    fake = mini(latency=0.1)
    connector = connector_for("http://mini.cliniko/v1", httpx.ASGITransport(app=fake.app))
    try:
        await connector.list_care_units()  # reference data is cached; time the fan-out itself
        start = datetime.now(ZONE)
        started = time.perf_counter()
        slots = await connector.list_timeslots(BUSINESS_ID, start, start + timedelta(days=14))
        elapsed = time.perf_counter() - started
    finally:
        await connector.aclose()
    assert elapsed < 1.5
    assert 1 < fake.max_in_flight <= 8  # concurrent, and within the configured pool
    assert len({(s.resource_id, s.healthcare_service_id) for s in slots}) == 15
    keys = [(s.start, s.resource_id, s.healthcare_service_id) for s in slots]
    assert keys == sorted(keys)


async def test_slots_are_clipped_to_the_window_and_last_their_type_duration(connector: ClinikoConnector) -> None:
    start, end = tomorrow_at(10, 30), tomorrow_at(12)
    slots = await connector.list_timeslots(BUSINESS_ID, start, end, resource_ids=["201"], service_ids=["300"])
    assert [s.start for s in slots] == [tomorrow_at(10, 30), tomorrow_at(11), tomorrow_at(11, 30)]
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)
    assert all(s.start.utcoffset() == tomorrow_at(10).utcoffset() for s in slots)  # the clinic's zone


async def test_a_pair_not_bookable_online_is_skipped() -> None:
    fake = mini(offline_pairs={("200", "300")})
    connector = connector_for("http://mini.cliniko/v1", httpx.ASGITransport(app=fake.app))
    try:
        slots = await connector.list_timeslots(BUSINESS_ID, tomorrow_at(9), tomorrow_at(17), resource_ids=["200"])
    finally:
        await connector.aclose()
    assert {s.healthcare_service_id for s in slots} == {"301", "302"}


async def test_unknown_ids_are_named_precisely(connector: ClinikoConnector) -> None:
    cases = [
        ("999", None, None, DetailCode.INVALID_CARE_UNIT_ID),
        (BUSINESS_ID, ["999"], None, DetailCode.INVALID_RESOURCE_ID),
        (BUSINESS_ID, None, ["999"], DetailCode.INVALID_HEALTHCARE_SERVICE_ID),
    ]
    for care_unit, resources, services, code in cases:
        with pytest.raises(MedleyError) as caught:
            await connector.list_timeslots(care_unit, tomorrow_at(9), tomorrow_at(17), resources, services)
        assert caught.value.status == 404
        assert caught.value.errors[0].error_code == code


async def test_the_next_free_slot_is_the_earliest_at_or_after_the_moment_asked(connector: ClinikoConnector) -> None:
    slot = await connector.next_available(BUSINESS_ID, tomorrow_at(12, 10), service_ids=["300"])
    assert slot is not None
    assert slot.start == tomorrow_at(12, 30)
    assert slot.resource_id == "200"  # ties go to the lowest resource id
    assert slot.end - slot.start == timedelta(minutes=30)


async def test_no_next_slot_when_nothing_is_bookable_online() -> None:
    fake = mini(offline_pairs={(p, t) for p in PRACTITIONERS for t in TYPES})
    connector = connector_for("http://mini.cliniko/v1", httpx.ASGITransport(app=fake.app))
    try:
        assert await connector.next_available(BUSINESS_ID, tomorrow_at(9)) is None
    finally:
        await connector.aclose()
    # Refusing pairs are asked once, not for every one of the 13 weeks.
    assert sum("next_available_time" in call for call in fake.calls) == len(PRACTITIONERS) * len(TYPES)


# ---- unconfirmed writes --------------------------------------------------------------------------


def booking() -> NewAppointment:
    return NewAppointment(
        start=tomorrow_at(10),
        end=tomorrow_at(10, 30),
        patient_id="555",
        resource_id="201",
        healthcare_service_id="300",
        comment="first visit",
    )


async def test_a_booking_whose_answer_times_out_is_found_not_repeated() -> None:
    fake = mini(post_delay=0.6, apply_post_before_delay=True)
    async with served(fake.app) as url:
        connector = connector_for(f"{url}/v1", upstream_timeout_seconds=0.2)
        try:
            appointment = await connector.create_appointment(BUSINESS_ID, booking())
        finally:
            await connector.aclose()
    assert len(fake.appointments) == 1
    assert appointment.id == next(iter(fake.appointments))
    assert appointment.start == tomorrow_at(10)
    assert appointment.resource_id == "201"
    assert fake.calls.count("POST /v1/individual_appointments") == 1
    assert fake.calls.count("GET /v1/individual_appointments") == 1  # found at the first look


async def test_a_booking_that_did_not_happen_stays_unknown_and_is_not_retried() -> None:
    fake = mini(post_delay=0.6, apply_post_before_delay=False)
    async with served(fake.app) as url:
        connector = connector_for(f"{url}/v1", upstream_timeout_seconds=0.2)
        try:
            with pytest.raises(UnknownOutcome) as caught:
                await connector.create_appointment(BUSINESS_ID, booking())
        finally:
            await connector.aclose()
    assert caught.value.status == 504
    assert fake.appointments == {}
    assert fake.calls.count("POST /v1/individual_appointments") == 1
    assert fake.calls.count("GET /v1/individual_appointments") == 2  # every look-up came back empty
