"""The mirror follows the EHR: our own writes show at once, changes made in the EHR within one interval."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from medley.sandbox.cliniko.seed_data import cliniko_id
from tests.sync.conftest import SYNC_INTERVAL


def _window() -> dict[str, str]:
    # A week from tomorrow: working days whatever today is, and no slot whose notice runs out meanwhile.
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    return {"start": start.isoformat(), "end": (start + timedelta(days=7)).isoformat()}


def _timeslots(api: httpx.Client, **params: str) -> tuple[list[dict[str, Any]], httpx.Response]:
    response = api.get(f"/emrs/cliniko/care-units/{cliniko_id(1001)}/timeslots", params={**_window(), **params})
    assert response.status_code == 200, response.text
    return list(response.json()), response


def _key(slot: dict[str, Any]) -> tuple[str, str, str]:
    return (slot["start"], slot["resource_id"], slot["healthcare_service_id"])


def _patient(api: httpx.Client) -> str:
    response = api.post(
        f"/emrs/cliniko/care-units/{cliniko_id(1001)}/patients",
        json={"first_name": "Mirror", "last_name": f"Test-{uuid.uuid4().hex[:8]}", "birth_date": "1980-01-01"},
    )
    assert response.status_code in (200, 201), response.text
    return str(response.json()["id"])


def test_a_booking_through_medley_leaves_the_mirror_at_once(api: httpx.Client) -> None:
    slots, response = _timeslots(api, healthcare_service_id=str(cliniko_id(3002)))
    assert response.headers["medley-data-source"] == "mirror"
    slot = slots[len(slots) // 2]
    booked = api.post(
        f"/emrs/cliniko/care-units/{cliniko_id(1001)}/appointments", json={**slot, "patient_id": _patient(api)}
    )
    assert booked.status_code == 201, booked.text
    after, response = _timeslots(api, healthcare_service_id=str(cliniko_id(3002)))
    assert response.headers["medley-data-source"] == "mirror"
    assert _key(slot) not in {_key(s) for s in after}

    cancelled = api.patch(
        f"/emrs/cliniko/care-units/{cliniko_id(1001)}/appointments/{booked.json()[0]['id']}",
        json={"status": "cancelled"},
    )
    assert cancelled.status_code == 200, cancelled.text
    freed, _ = _timeslots(api, healthcare_service_id=str(cliniko_id(3002)))
    assert _key(slot) in {_key(s) for s in freed}


def _first_free(api: httpx.Client) -> dict[str, Any]:
    slots, _ = _timeslots(api, healthcare_service_id=str(cliniko_id(3002)))
    return slots[-1]


def test_a_booking_made_in_the_ehr_shows_within_one_interval(api: httpx.Client, emulator: httpx.Client) -> None:
    slot = _first_free(api)
    patients = emulator.get("/patients", params={"per_page": "1"}).json()["patients"]
    made = emulator.post(
        "/individual_appointments",
        json={
            "starts_at": slot["start"],
            "ends_at": slot["end"],
            "patient_id": patients[0]["id"],
            "practitioner_id": slot["resource_id"],
            "appointment_type_id": slot["healthcare_service_id"],
            "business_id": str(cliniko_id(1001)),
        },
    )
    assert made.status_code == 201, made.text
    made_at = time.monotonic()
    while _key(slot) in {_key(s) for s in _timeslots(api, healthcare_service_id=str(cliniko_id(3002)))[0]}:
        assert time.monotonic() - made_at < SYNC_INTERVAL + 1.0 + 2.0, "the mirror did not pick the booking up"
        time.sleep(0.05)
    # And a cancellation made in the EHR frees the slot again.
    cancel = emulator.patch(f"/individual_appointments/{made.json()['id']}/cancel", json={"cancellation_reason": 50})
    assert cancel.status_code == 204, cancel.text
    cancelled_at = time.monotonic()
    while _key(slot) not in {_key(s) for s in _timeslots(api, healthcare_service_id=str(cliniko_id(3002)))[0]}:
        assert time.monotonic() - cancelled_at < SYNC_INTERVAL + 1.0 + 2.0, "the cancellation was not picked up"
        time.sleep(0.05)


def test_time_off_made_in_the_ehr_removes_the_slots_it_covers(api: httpx.Client, emulator: httpx.Client) -> None:
    slot = _first_free(api)
    block = emulator.post(
        "/unavailable_blocks",
        json={
            "starts_at": slot["start"],
            "ends_at": slot["end"],
            "practitioner_id": slot["resource_id"],
            "business_id": str(cliniko_id(1001)),
        },
    )
    assert block.status_code == 201, block.text
    made_at = time.monotonic()
    while any(s["resource_id"] == slot["resource_id"] and s["start"] == slot["start"] for s in _timeslots(api)[0]):
        assert time.monotonic() - made_at < SYNC_INTERVAL + 3.0, "the time off was not picked up"
        time.sleep(0.05)


def test_reference_reads_cost_nothing_upstream_once_the_mirror_is_live(api: httpx.Client) -> None:
    for path in ("/emrs/cliniko/care-units", f"/emrs/cliniko/care-units/{cliniko_id(1001)}/resources"):
        assert api.get(path).status_code == 200
    _, response = _timeslots(api)
    assert response.headers["medley-data-source"] == "mirror"
    assert int(response.headers["medley-data-age"]) <= 30
