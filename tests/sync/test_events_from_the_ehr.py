"""Changes made straight in the EHR become events, exactly one per change and of the right type, once the
sync sees them (Cliniko has no webhooks of its own)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from medley.sandbox.cliniko.seed_data import cliniko_id
from tests.sync.conftest import SYNC_INTERVAL


def _events_of(api: httpx.Client, appointment_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        params = {"limit": "500", **({"after": after} if after else {})}
        page = api.get("/events", params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        found += [e for e in body["data"] if e["data"].get("appointment_id") == appointment_id]
        if not body["has_more"]:
            return found
        after = body["next_after"]


def _wait_for_types(api: httpx.Client, appointment_id: str, types: list[str]) -> list[dict[str, Any]]:
    deadline = time.monotonic() + SYNC_INTERVAL + 5.0
    while True:
        events = _events_of(api, appointment_id)
        if [e["type"] for e in events] == types or time.monotonic() > deadline:
            return events
        time.sleep(0.1)


def test_a_booking_moved_and_cancelled_in_the_ehr_gives_one_event_each(
    api: httpx.Client, emulator: httpx.Client
) -> None:
    start = (datetime.now(UTC) + timedelta(days=40)).replace(hour=2, minute=0, second=0, microsecond=0)
    patient = emulator.get("/patients", params={"per_page": "1"}).json()["patients"][0]["id"]
    made = emulator.post(
        "/individual_appointments",
        json={
            "starts_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ends_at": (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "patient_id": patient,
            "practitioner_id": str(cliniko_id(2001)),
            "appointment_type_id": str(cliniko_id(3002)),
            "business_id": str(cliniko_id(1001)),
        },
    )
    assert made.status_code == 201, made.text
    appointment = str(made.json()["id"])
    created = _wait_for_types(api, appointment, ["appointment.created"])
    assert [e["type"] for e in created] == ["appointment.created"]
    assert created[0]["data"]["resource_id"] == str(cliniko_id(2001))
    assert "first_name" not in str(created[0]), "events are thin: ids, times and statuses only"

    moved_to = start + timedelta(hours=1)
    moved = emulator.patch(
        f"/individual_appointments/{appointment}",
        json={
            "starts_at": moved_to.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ends_at": (moved_to + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    )
    assert moved.status_code == 200, moved.text
    events = _wait_for_types(api, appointment, ["appointment.created", "appointment.rescheduled"])
    assert [e["type"] for e in events] == ["appointment.created", "appointment.rescheduled"]
    assert datetime.fromisoformat(events[1]["data"]["start"]) == moved_to

    cancelled = emulator.patch(f"/individual_appointments/{appointment}/cancel", json={"cancellation_reason": 50})
    assert cancelled.status_code == 204, cancelled.text
    expected = ["appointment.created", "appointment.rescheduled", "appointment.cancelled"]
    assert [e["type"] for e in _wait_for_types(api, appointment, expected)] == expected
    # Later syncs (and the next reconcile's reads of the same versions) add nothing.
    time.sleep(SYNC_INTERVAL * 3)
    assert [e["type"] for e in _events_of(api, appointment)] == expected
