"""Writes are safe to retry (DESIGN.md §2): ``Idempotency-Key`` over HTTP, against a real gateway process,
counting what the EHR really holds."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.integrity.practice import (
    booking_body,
    care_unit,
    count_upstream,
    create_patient,
    distinct_slots,
    free_slot,
    new_person,
    upstream_appointments_overlapping,
)
from tests.integrity.replicas import Stack
from tests.integrity.stored_bytes import postgres_store_bytes, sqlite_store_bytes

REPLAYED = "Idempotent-Replayed"



def _key() -> dict[str, str]:
    return {"Idempotency-Key": f"integrity-{uuid.uuid4()}"}


def test_a_booking_retried_with_its_key_is_replayed_not_repeated(any_stack: Stack) -> None:
    # The retry goes to the other replica when there are two: the record is shared through the store.
    with (
        any_stack.app.client(any_stack.gateways[0]) as api,
        any_stack.app.client(any_stack.gateways[-1]) as retrying,
        any_stack.emulator.client() as ehr,
    ):
        unit = care_unit(api)
        slot = free_slot(api, unit)
        body = booking_body(slot, create_patient(api, unit)["id"])
        key = _key()
        path = f"/emrs/cliniko/care-units/{unit}/appointments"
        first = api.post(path, json=body, headers=key)
        assert first.status_code == 201, first.text
        assert REPLAYED not in first.headers
        before = count_upstream(ehr, "individual_appointments")
        again = retrying.post(path, json=body, headers=key)
        assert again.status_code == 201
        assert again.headers[REPLAYED] == "true"
        assert again.json() == first.json()
        assert count_upstream(ehr, "individual_appointments") == before
        assert len(upstream_appointments_overlapping(ehr, slot)) == 1

        other_body = {**body, "comment": "a different request"}
        reused = retrying.post(path, json=other_body, headers=key)
        assert reused.status_code == 422, reused.text
        problem = reused.json()
        assert problem["code"] == "UNPROCESSABLE_ENTITY"
        assert problem["errors"][0]["error_code"] == "IDEMPOTENCY_KEY_REUSED"
        assert count_upstream(ehr, "individual_appointments") == before


def test_a_patient_create_retried_with_its_key_is_replayed(single_stack: Stack) -> None:
    with single_stack.app.client(single_stack.gateways[0]) as api, single_stack.emulator.client() as ehr:
        unit = care_unit(api)
        person, key = new_person(), _key()
        path = f"/emrs/cliniko/care-units/{unit}/patients"
        first = api.post(path, json=person, headers=key)
        assert first.status_code in (200, 201), first.text
        before = count_upstream(ehr, "patients")
        again = api.post(path, json=person, headers=key)
        assert (again.status_code, again.json()) == (first.status_code, first.json())
        assert again.headers[REPLAYED] == "true"
        assert count_upstream(ehr, "patients") == before
        different = api.post(path, json={**person, "first_name": "Other"}, headers=key)
        assert different.status_code == 422
        assert different.json()["errors"][0]["error_code"] == "IDEMPOTENCY_KEY_REUSED"
        assert count_upstream(ehr, "patients") == before


def test_a_reschedule_retried_with_its_key_is_replayed(any_stack: Stack) -> None:
    with (
        any_stack.app.client(any_stack.gateways[0]) as api,
        any_stack.app.client(any_stack.gateways[-1]) as retrying,
        any_stack.emulator.client() as ehr,
    ):
        unit = care_unit(api)
        here, there = distinct_slots(api, unit, 2)
        booked = api.post(
            f"/emrs/cliniko/care-units/{unit}/appointments",
            json=booking_body(here, create_patient(api, unit)["id"]),
        )
        assert booked.status_code == 201, booked.text
        appointment_id = booked.json()[0]["id"]
        path = f"/emrs/cliniko/care-units/{unit}/appointments/{appointment_id}"
        move, key = {"start": there["start"], "end": there["end"], "resource_id": there["resource_id"]}, _key()
        first = api.patch(path, json=move, headers=key)
        assert first.status_code == 200, first.text
        upstream = ehr.get(f"/individual_appointments/{appointment_id}").json()
        again = retrying.patch(path, json=move, headers=key)
        assert (again.status_code, again.json()) == (200, first.json())
        assert again.headers[REPLAYED] == "true"
        # No second write: the EHR record was not touched again.
        assert ehr.get(f"/individual_appointments/{appointment_id}").json()["updated_at"] == upstream["updated_at"]
        assert api.patch(path, json={**move, "comment": "changed"}, headers=key).status_code == 422


def test_concurrent_requests_with_one_key_write_once(any_stack: Stack) -> None:
    relay = any_stack.relay
    with any_stack.app.client(any_stack.gateways[0]) as api:
        unit = care_unit(api)
        slot = free_slot(api, unit)
        body = booking_body(slot, create_patient(api, unit)["id"])
    key, clients = _key(), 8
    barrier = threading.Barrier(clients)
    # A slow create keeps the first request in flight while the others arrive.
    relay.clear()
    relay.fail("POST", r"^/v1/individual_appointments$", "latency=1s", times=clients)

    def send(index: int) -> httpx.Response:
        with any_stack.app.client(any_stack.gateways[index % len(any_stack.gateways)]) as api:
            api.get("/emrs")
            barrier.wait()
            return api.post(f"/emrs/cliniko/care-units/{unit}/appointments", json=body, headers=key)

    try:
        with ThreadPoolExecutor(clients) as pool:
            responses = list(pool.map(send, range(clients)))
    finally:
        relay.clear()
    originals = [r for r in responses if r.status_code == 201 and REPLAYED not in r.headers]
    assert len(originals) == 1, [(r.status_code, r.text[:120]) for r in responses]
    for response in responses:
        if response.status_code == 201:
            assert response.json() == originals[0].json()
        else:
            assert response.status_code == 409, response.text
            assert response.json()["errors"][0]["error_code"] == "IDEMPOTENCY_REQUEST_IN_PROGRESS"
    with any_stack.emulator.client() as ehr:
        assert len(upstream_appointments_overlapping(ehr, slot)) == 1


def test_keys_belong_to_one_application(single_stack: Stack) -> None:
    other = single_stack.other_app
    assert other is not None
    key = _key()
    answers: list[dict[str, Any]] = []
    for app in (single_stack.app, other):
        with app.client(single_stack.gateways[0]) as api:
            unit = care_unit(api)
            response = api.post(f"/emrs/cliniko/care-units/{unit}/patients", json=new_person(), headers=key)
            # Another application's use of the key is neither a replay nor a reuse.
            assert response.status_code in (200, 201), response.text
            assert REPLAYED not in response.headers
            answers.append(response.json())
    assert answers[0]["last_name"] != answers[1]["last_name"]


def test_the_idempotency_store_holds_no_patient_data_in_clear(any_stack: Stack) -> None:
    person = new_person("Idem")
    key = _key()
    with any_stack.app.client(any_stack.gateways[0]) as api:
        unit = care_unit(api)
        created = api.post(f"/emrs/cliniko/care-units/{unit}/patients", json=person, headers=key)
        assert created.status_code in (200, 201), created.text
        # The record is really there (a replay), so the search below looks at a stored answer.
        assert api.post(f"/emrs/cliniko/care-units/{unit}/patients", json=person, headers=key).headers[REPLAYED]
    if any_stack.store_url is None:
        stored = sqlite_store_bytes(any_stack.data_dir)
    else:
        stored = postgres_store_bytes(any_stack.store_url)
    assert key["Idempotency-Key"].encode() in stored, "the idempotency record was not found in the store"
    for value in (person["last_name"], person["emails"][0], person["phones"][0]):
        assert value.encode() not in stored, f"{value!r} is stored in clear"
