"""What the integrity tests do with a practice: find a free slot, create a patient, read the EHR directly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

Json = Any


def care_unit(api: httpx.Client) -> str:
    response = api.get("/emrs/cliniko/care-units")
    assert response.status_code == 200, response.text
    return str(response.json()[0]["id"])


# A week at a time keeps each availability call fast, and every week holds working days whatever today is
# (a few days from a Sunday are mostly weekend). The search walks on, week by week, while earlier tests have
# used up the nearest slots, up to the gateway's maximum horizon.
SEARCH_WINDOW = timedelta(days=7)
SEARCH_WEEKS = 8


def _weeks_of_slots(api: httpx.Client, unit: str) -> Iterator[list[dict[str, Json]]]:
    # An hour's lead, so a slot found now is still in the future when a slow test books it.
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    for _ in range(SEARCH_WEEKS):
        response = api.get(
            f"/emrs/cliniko/care-units/{unit}/timeslots",
            params={"start": start.isoformat(), "end": (start + SEARCH_WINDOW).isoformat()},
        )
        assert response.status_code == 200, response.text
        yield list(response.json())
        start += SEARCH_WINDOW


def free_slots(api: httpx.Client, unit: str) -> list[dict[str, Json]]:
    """The free slots of the first week (from now) that has any."""
    for slots in _weeks_of_slots(api, unit):
        if slots:
            return slots
    return []


def free_slot(api: httpx.Client, unit: str) -> dict[str, Json]:
    """The first free slot (booked with its resource and service, so it matches exactly one)."""
    slots = free_slots(api, unit)
    assert slots, f"the practice has no free time in the next {SEARCH_WEEKS} weeks"
    return slots[0]


def distinct_slots(api: httpx.Client, unit: str, count: int) -> list[dict[str, Json]]:
    """``count`` free slots of one service that do not overlap one another (so an appointment booked in
    one may be moved to another)."""
    chosen: dict[str, list[dict[str, Json]]] = {}
    for slots in _weeks_of_slots(api, unit):
        for slot in slots:
            picked = chosen.setdefault(str(slot["healthcare_service_id"]), [])
            start, end = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
            if all(
                c["resource_id"] != slot["resource_id"]
                or datetime.fromisoformat(c["end"]) <= start
                or end <= datetime.fromisoformat(c["start"])
                for c in picked
            ):
                picked.append(slot)
                if len(picked) == count:
                    return picked
    raise AssertionError(f"fewer than {count} non-overlapping free slots of one service in {SEARCH_WEEKS} weeks")


def new_person(tag: str = "") -> dict[str, Json]:
    suffix = uuid.uuid4().hex[:10]
    return {
        "first_name": f"Zephyrine{tag}",
        "last_name": f"Quillfeather-{suffix}",
        "birth_date": "1979-03-14",
        "emails": [f"zq.{suffix}@example.org"],
        "phones": [f"+61 4{int(suffix[:6], 16) % 10**8:08d}"],
    }


def create_patient(api: httpx.Client, unit: str, person: dict[str, Json] | None = None) -> dict[str, Json]:
    response = api.post(f"/emrs/cliniko/care-units/{unit}/patients", json=person or new_person())
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def booking_body(slot: dict[str, Json], patient_id: str, comment: str = "integrity") -> dict[str, Json]:
    return {
        "start": slot["start"],
        "end": slot["end"],
        "patient_id": patient_id,
        "resource_id": slot["resource_id"],
        "healthcare_service_id": slot["healthcare_service_id"],
        "comment": comment,
    }


def _utc(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def upstream_appointments_overlapping(emulator: httpx.Client, slot: dict[str, Json]) -> list[dict[str, Json]]:
    """Live (not cancelled, not archived) appointments of the slot's practitioner overlapping the slot,
    read from the EHR itself, not through the gateway."""
    response = emulator.get(
        "/individual_appointments",
        params=[
            ("q[]", f"starts_at:<{_utc(slot['end'])}"),
            ("q[]", f"ends_at:>{_utc(slot['start'])}"),
            ("per_page", "100"),
        ],
    )
    assert response.status_code == 200, response.text
    rows = response.json()["individual_appointments"]
    practitioner = f"/practitioners/{slot['resource_id']}"
    return [
        row
        for row in rows
        if row.get("cancelled_at") is None
        and row.get("archived_at") is None
        and str(row["practitioner"]["links"]["self"]).endswith(practitioner)
    ]


def count_upstream(emulator: httpx.Client, resource: str, params: list[tuple[str, str]] | None = None) -> int:
    response = emulator.get(f"/{resource}", params=[("per_page", "1"), *(params or [])])
    assert response.status_code == 200, response.text
    return int(response.json()["total_entries"])
