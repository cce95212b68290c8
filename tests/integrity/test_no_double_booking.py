"""DESIGN.md §3: twenty clients racing for one slot, over one process or two replicas: exactly one wins.

Real processes, real sockets, real concurrent clients; the EHR itself is read to count what was written.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.integrity.practice import (
    booking_body,
    care_unit,
    create_patient,
    distinct_slots,
    free_slot,
    upstream_appointments_overlapping,
)
from tests.integrity.replicas import Stack

CLIENTS = 20



def _race(stack: Stack, requests: list[tuple[str, str, dict[str, Any]]]) -> list[httpx.Response]:
    """Send every (method, path, body) at the same moment, spread round-robin over the gateways."""
    barrier = threading.Barrier(len(requests))

    def send(index: int) -> httpx.Response:
        method, path, body = requests[index]
        with stack.app.client(stack.gateways[index % len(stack.gateways)], timeout=60.0) as api:
            api.get("/emrs")  # warm the connection and the auth cache before the start line
            barrier.wait()
            return api.request(method, path, json=body)

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(send, range(len(requests))))


def _assert_one_winner(responses: list[httpx.Response], success: int) -> None:
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(success) == 1, [(r.status_code, r.text[:200]) for r in responses]
    for response in responses:
        if response.status_code != success:
            assert response.status_code == 409, response.text
            body = response.json()
            assert body["code"] == "CONFLICT"
            assert body["errors"][0]["error_code"] == "NO_TIMESLOTS_AVAILABLE", body


def test_twenty_clients_one_slot_exactly_one_booking(any_stack: Stack) -> None:
    with any_stack.app.client(any_stack.gateways[0]) as api:
        unit = care_unit(api)
        slot = free_slot(api, unit)
        patients = [create_patient(api, unit)["id"] for _ in range(4)]
    path = f"/emrs/cliniko/care-units/{unit}/appointments"
    responses = _race(
        any_stack, [("POST", path, booking_body(slot, patients[i % len(patients)])) for i in range(CLIENTS)]
    )
    _assert_one_winner(responses, 201)
    winner = next(r for r in responses if r.status_code == 201).json()
    with any_stack.emulator.client() as ehr:
        upstream = upstream_appointments_overlapping(ehr, slot)
    assert [str(a["id"]) for a in upstream] == [str(winner[0]["id"])]


def test_two_reschedules_into_one_slot_exactly_one_moves(any_stack: Stack) -> None:
    with any_stack.app.client(any_stack.gateways[0]) as api:
        unit = care_unit(api)
        first, second, target = distinct_slots(api, unit, 3)
        patient = create_patient(api, unit)["id"]
        ids = []
        for slot in (first, second):
            booked = api.post(f"/emrs/cliniko/care-units/{unit}/appointments", json=booking_body(slot, patient))
            assert booked.status_code == 201, booked.text
            ids.append(booked.json()[0]["id"])
    move = {"start": target["start"], "end": target["end"], "resource_id": target["resource_id"]}
    responses = _race(
        any_stack,
        [("PATCH", f"/emrs/cliniko/care-units/{unit}/appointments/{ids[i % 2]}", move) for i in range(2)],
    )
    _assert_one_winner(responses, 200)
    with any_stack.emulator.client() as ehr:
        upstream = upstream_appointments_overlapping(ehr, target)
    assert len(upstream) == 1, upstream
    winner = next(r for r in responses if r.status_code == 200).json()
    assert str(upstream[0]["id"]) == str(winner["id"] if isinstance(winner, dict) else winner[0]["id"])


def test_a_booking_made_in_the_ehr_during_our_write_wins_and_ours_is_undone(any_stack: Stack) -> None:
    relay = any_stack.relay
    with any_stack.app.client(any_stack.gateways[0]) as api:
        unit = care_unit(api)
        slot = free_slot(api, unit)
        ours, theirs = create_patient(api, unit)["id"], create_patient(api, unit)["id"]
    outside: list[httpx.Response] = []

    def book_in_the_ehr() -> None:
        # Runs after the gateway's re-check, just before its create reaches the EHR: the reception desk
        # books the same slot in Cliniko itself.
        with any_stack.emulator.client() as ehr:
            outside.append(
                ehr.post(
                    "/individual_appointments",
                    json={
                        "business_id": unit,
                        "practitioner_id": slot["resource_id"],
                        "appointment_type_id": slot["healthcare_service_id"],
                        "patient_id": theirs,
                        "starts_at": slot["start"],
                        "ends_at": slot["end"],
                    },
                )
            )

    relay.clear()
    relay.before("POST", r"^/v1/individual_appointments$", book_in_the_ehr)
    try:
        with any_stack.app.client(any_stack.gateways[0]) as api:
            response = api.post(f"/emrs/cliniko/care-units/{unit}/appointments", json=booking_body(slot, ours))
    finally:
        relay.clear()
    assert len(outside) == 1 and outside[0].status_code == 201, outside
    assert response.status_code == 409, response.text
    assert response.json()["errors"][0]["error_code"] == "NO_TIMESLOTS_AVAILABLE"
    with any_stack.emulator.client() as ehr:
        upstream = upstream_appointments_overlapping(ehr, slot)
    assert [str(a["id"]) for a in upstream] == [str(outside[0].json()["id"])]
