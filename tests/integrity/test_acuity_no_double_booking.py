"""DESIGN.md §3 on Acuity (issue 14, item 7): twenty clients racing for one time through the gateway (one
process on SQLite, two replicas on PostgreSQL) get one 201 and nineteen 409s; a class with N seats left
takes exactly N bookings. Acuity (the emulator process both replicas share) is read directly to count.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from medley.sandbox.acuity.seed_data import APPOINTMENT_TYPES, FOLLOW_UP, OKAFOR, STUDIO, YOGA_CLASS
from tests.integrity.acuity_stack import AcuityStack, booked_at, first_offered, race, running_acuity_stack
from tests.support.postgres import admin_url, scratch_database

pytestmark = pytest.mark.slow  # an emulator process and one or two gateways per store

CLIENTS = 20
EXTRA_FOR_THE_CLASS = 4


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def acuity_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AcuityStack]:
    with ExitStack() as resources:
        store_url = None
        if request.param == "postgres":
            if admin_url() is None:
                pytest.skip("MEDLEY_TEST_POSTGRES_URL is not set")
            store_url = resources.enter_context(scratch_database("medley_acuity_race"))
        root = tmp_path_factory.mktemp(f"acuity-{request.param}")
        replicas = 1 if store_url is None else 2
        yield resources.enter_context(running_acuity_stack(root, replicas=replicas, store_url=store_url))


def _unit(api: httpx.Client) -> str:
    units = api.get("/emrs/acuity/care-units")
    assert units.status_code == 200, units.text
    return str(units.json()[0]["id"])


def _patients(api: httpx.Client, unit: str, count: int) -> list[str]:
    found = []
    for _ in range(count):
        tag = uuid.uuid4().hex[:10]
        person = {"first_name": "Race", "last_name": f"Client {tag}", "emails": [f"race.{tag}@example.org"]}
        made = api.post(f"/emrs/acuity/care-units/{unit}/patients", json=person)
        assert made.status_code in (200, 201), made.text
        found.append(str(made.json()["id"]))
    return found


def _body(start: datetime, minutes: int, patient: str, resource: int, service: int) -> dict[str, Any]:
    return {
        "start": start.isoformat(), "end": (start + timedelta(minutes=minutes)).isoformat(), "patient_id": patient,
        "resource_id": str(resource), "healthcare_service_id": str(service),
    }


def _minutes(type_id: int) -> int:
    return next(t.duration for t in APPOINTMENT_TYPES if t.id == type_id)


def _split(responses: list[httpx.Response]) -> tuple[list[httpx.Response], list[httpx.Response]]:
    won = [r for r in responses if r.status_code == 201]
    lost = [r for r in responses if r.status_code != 201]
    for response in lost:
        assert response.status_code == 409, response.text
        body = response.json()
        assert body["code"] == "CONFLICT" and body["errors"][0]["error_code"] == "NO_TIMESLOTS_AVAILABLE", body
    return won, lost


def test_twenty_clients_one_time_exactly_one_booking(acuity_stack: AcuityStack) -> None:
    with acuity_stack.api() as api, acuity_stack.acuity() as acuity:
        unit = _unit(api)
        start, _ = first_offered(acuity, FOLLOW_UP, OKAFOR)
        patients = _patients(api, unit, 4)
    bodies = [_body(start, _minutes(FOLLOW_UP), patients[i % 4], OKAFOR, FOLLOW_UP) for i in range(CLIENTS)]
    won, lost = _split(race(acuity_stack, "POST", f"/emrs/acuity/care-units/{unit}/appointments", bodies))
    assert (len(won), len(lost)) == (1, CLIENTS - 1), [(r.status_code, r.text[:200]) for r in won + lost]
    with acuity_stack.acuity() as acuity:
        upstream = booked_at(acuity, FOLLOW_UP, OKAFOR, start)
    assert [str(a["id"]) for a in upstream] == [won[0].json()[0]["id"]]


def test_a_class_with_n_seats_left_takes_exactly_n_bookings(acuity_stack: AcuityStack) -> None:
    with acuity_stack.acuity() as acuity:
        # A session with several seats left (the seeded practice has filled some of each already).
        start, seats = first_offered(acuity, YOGA_CLASS, STUDIO, seats=3)
        already = len(booked_at(acuity, YOGA_CLASS, STUDIO, start))
    with acuity_stack.api() as api:
        unit = _unit(api)
        patients = _patients(api, unit, seats + EXTRA_FOR_THE_CLASS)
    bodies = [_body(start, _minutes(YOGA_CLASS), patient, STUDIO, YOGA_CLASS) for patient in patients]
    won, lost = _split(race(acuity_stack, "POST", f"/emrs/acuity/care-units/{unit}/appointments", bodies))
    assert (len(won), len(lost)) == (seats, EXTRA_FOR_THE_CLASS), [(r.status_code, r.text[:200]) for r in lost]
    with acuity_stack.acuity() as acuity:
        upstream = booked_at(acuity, YOGA_CLASS, STUDIO, start)
    assert len(upstream) == already + seats
    assert {r.json()[0]["id"] for r in won} <= {str(a["id"]) for a in upstream}
