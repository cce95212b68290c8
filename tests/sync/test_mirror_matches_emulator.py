"""The mirror's timeslots equal what the EHR itself answers, for random practice states and windows.

Changes are made straight in the Cliniko emulator (appointments booked, moved, cancelled and deleted, time
off and group classes added), the mirror syncs them, and then the gateway's answer (from the mirror) is
compared with the EHR's own ``available_times`` for every practitioner and service, read live by the
connector.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medley.config import DEFAULT_SANDBOX_API_KEY, Settings
from medley.connectors.registry import build_connector
from medley.sandbox.cliniko.seed_data import cliniko_id
from tests.sync.conftest import wait_for_sync

pytestmark = pytest.mark.slow

CARE_UNITS = (str(cliniko_id(1001)), str(cliniko_id(1002)), str(cliniko_id(1003)))
Slot = tuple[datetime, datetime, str, str]


def _slots(items: list[dict[str, Any]]) -> set[Slot]:
    return {
        (
            datetime.fromisoformat(s["start"]).astimezone(UTC),
            datetime.fromisoformat(s["end"]).astimezone(UTC),
            s["resource_id"],
            s["healthcare_service_id"],
        )
        for s in items
    }


def _not_imminent(slots: set[Slot]) -> set[Slot]:
    # A slot a few minutes from now may pass its notice between the two reads: leave those out.
    soon = datetime.now(UTC) + timedelta(minutes=5)
    return {slot for slot in slots if slot[0] > soon}


async def _live_slots(server_url: str, care_unit: str, start: datetime, end: datetime) -> set[Slot]:
    connector = build_connector(
        "cliniko",
        {"api_key": DEFAULT_SANDBOX_API_KEY},
        settings=Settings(sandbox=False, upstream_requests_per_minute=0, timeslot_cache_seconds=0),
        base_url=server_url + "/sandbox/cliniko/v1",
    )
    try:
        found = await connector.list_timeslots(care_unit, start, end, fresh=True)
    finally:
        await connector.aclose()
    return {(s.start.astimezone(UTC), s.end.astimezone(UTC), s.resource_id, s.healthcare_service_id) for s in found}


def _records(emulator: httpx.Client, path: str, key: str, *params: tuple[str, str]) -> list[dict[str, Any]]:
    response = emulator.get(path, params=[("per_page", "100"), *params])
    assert response.status_code == 200, response.text
    return list(response.json()[key])


def _link_id(record: dict[str, Any], relation: str) -> str:
    return str(record[relation]["links"]["self"]).rstrip("/").rsplit("/", 1)[-1]


class Practice:
    """What the random changes pick from: the seeded practice's combinations and patients."""

    def __init__(self, emulator: httpx.Client) -> None:
        self.patients = [p["id"] for p in _records(emulator, "/patients", "patients")][:20]
        self.combinations: list[tuple[str, str, str, int]] = []
        types = {t["id"]: t for t in _records(emulator, "/appointment_types", "appointment_types")}
        self.class_type = next(kind["id"] for kind in types.values() if kind["max_attendees"] > 1)
        for business in _records(emulator, "/businesses", "businesses"):
            for practitioner in _records(emulator, f"/businesses/{business['id']}/practitioners", "practitioners"):
                path = f"/practitioners/{practitioner['id']}/appointment_types"
                for kind in _records(emulator, path, "appointment_types"):
                    if kind["id"] in business.get("appointment_type_ids", []) and kind["id"] in types:
                        self.combinations.append(
                            (business["id"], practitioner["id"], kind["id"], int(kind["duration_in_minutes"]))
                        )


def _change(emulator: httpx.Client, practice: Practice, rng: random.Random, now: datetime) -> None:
    """One change a front desk might make, at a random place in the next three weeks."""
    business_id, practitioner_id, type_id, minutes = rng.choice(practice.combinations)
    start = (now + timedelta(days=rng.randint(0, 20))).replace(
        hour=rng.randint(0, 23), minute=rng.choice((0, 5, 15, 30, 45)), second=0, microsecond=0
    )
    action = rng.choice(("book", "book", "time_off", "class", "cancel", "delete", "move"))
    if action in ("book", "time_off", "class"):
        body: dict[str, Any] = {
            "starts_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ends_at": (start + timedelta(minutes=minutes if action == "book" else rng.choice((30, 90, 240)))).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "practitioner_id": practitioner_id,
            "business_id": business_id,
        }
        if action == "book":
            body |= {"patient_id": rng.choice(practice.patients), "appointment_type_id": type_id}
        if action == "class":
            body |= {"appointment_type_id": practice.class_type}
        paths = {"book": "/individual_appointments", "time_off": "/unavailable_blocks", "class": "/group_appointments"}
        path = paths[action]
        response = emulator.post(path, json=body)
        assert response.status_code == 201, response.text
        return
    upcoming = _records(
        emulator,
        "/individual_appointments",
        "individual_appointments",
        ("q[]", f"starts_at:>{now.strftime('%Y-%m-%dT%H:%M:%SZ')}"),
        ("q[]", f"practitioner_id:={practitioner_id}"),
    )
    if not upcoming:
        return
    target = rng.choice(upcoming)["id"]
    if action == "cancel":
        response = emulator.patch(f"/individual_appointments/{target}/cancel", json={"cancellation_reason": 50})
    elif action == "delete":
        response = emulator.delete(f"/individual_appointments/{target}")
    else:
        moved = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        ends = (start + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
        response = emulator.patch(f"/individual_appointments/{target}", json={"starts_at": moved, "ends_at": ends})
    assert response.status_code in (200, 204), response.text


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    changes=st.integers(min_value=0, max_value=6),
    care_unit=st.sampled_from(CARE_UNITS),
    first_day=st.integers(min_value=0, max_value=20),
    days=st.integers(min_value=1, max_value=21),
)
def test_mirror_timeslots_equal_the_ehrs_own(
    server_url: str,
    api: httpx.Client,
    emulator: httpx.Client,
    seed: int,
    changes: int,
    care_unit: str,
    first_day: int,
    days: int,
) -> None:
    rng = random.Random(seed)
    practice = Practice(emulator)
    now = datetime.now(UTC)
    changed_at = time.time()
    for _ in range(changes):
        _change(emulator, practice, rng, now)
    wait_for_sync(api, changed_at)

    start = (now + timedelta(days=first_day)).replace(microsecond=0)
    end = start + timedelta(days=days)
    response = api.get(
        f"/emrs/cliniko/care-units/{care_unit}/timeslots", params={"start": start.isoformat(), "end": end.isoformat()}
    )
    assert response.status_code == 200, response.text
    assert response.headers["medley-data-source"] == "mirror"
    mirrored = _not_imminent(_slots(response.json()))
    live = _not_imminent(asyncio.run(_live_slots(server_url, care_unit, start, end)))
    assert mirrored == live, (
        f"only in the mirror: {sorted(mirrored - live)[:5]}; only in the EHR: {sorted(live - mirrored)[:5]}"
    )


async def _live_schedule(
    server_url: str, care_unit: str, resource: str, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    connector = build_connector(
        "cliniko",
        {"api_key": DEFAULT_SANDBOX_API_KEY},
        settings=Settings(sandbox=False, upstream_requests_per_minute=0),
        base_url=server_url + "/sandbox/cliniko/v1",
    )
    try:
        blocks = await connector.get_schedule(care_unit, resource, start, end)
    finally:
        await connector.aclose()
    return [(b.start.astimezone(UTC), b.end.astimezone(UTC)) for b in blocks]


def test_mirror_schedules_equal_the_ehrs_working_time(server_url: str, api: httpx.Client) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    end = start + timedelta(days=30)
    compared = 0
    for care_unit in CARE_UNITS:
        for resource in api.get(f"/emrs/cliniko/care-units/{care_unit}/resources").json():
            response = api.get(
                f"/emrs/cliniko/care-units/{care_unit}/resources/{resource['id']}/schedules",
                params={"start": start.isoformat(), "end": end.isoformat()},
            )
            assert response.status_code == 200, response.text
            assert response.headers["medley-data-source"] == "mirror"
            mirrored = [
                (datetime.fromisoformat(b["start"]).astimezone(UTC), datetime.fromisoformat(b["end"]).astimezone(UTC))
                for b in response.json()
            ]
            assert mirrored == asyncio.run(_live_schedule(server_url, care_unit, resource["id"], start, end))
            compared += 1
    assert compared >= 5
