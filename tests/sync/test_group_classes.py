"""A group class is busy time in the mirror: the mirror's timeslots drop its practitioner's overlapping
slots once the sync has read the class from Cliniko's ``/bookings``, and give them back when the class is
deleted (archived)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from medley.sandbox.cliniko.seed_data import GROUP_CLASSES, cliniko_id
from tests.sync.conftest import wait_for_sync

CLASS_CARE_UNIT = str(cliniko_id(GROUP_CLASSES[0].business_id))
CLASS_LENGTH = timedelta(minutes=60)


def _z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _mirror_slots(api: httpx.Client, start: datetime, end: datetime) -> list[dict[str, Any]]:
    response = api.get(
        f"/emrs/cliniko/care-units/{CLASS_CARE_UNIT}/timeslots",
        params={"start": start.isoformat(), "end": end.isoformat()},
    )
    assert response.status_code == 200, response.text
    assert response.headers["medley-data-source"] == "mirror"
    slots: list[dict[str, Any]] = response.json()
    return slots


def _overlapping(slots: list[dict[str, Any]], resource: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    return [
        slot
        for slot in slots
        if slot["resource_id"] == resource
        and datetime.fromisoformat(slot["start"]) < end
        and datetime.fromisoformat(slot["end"]) > start
    ]


def _class_type(emulator: httpx.Client) -> str:
    types = emulator.get("/appointment_types", params={"per_page": 100}).json()["appointment_types"]
    return str(next(kind["id"] for kind in types if kind["max_attendees"] > 1))


def test_a_class_takes_its_practitioners_overlapping_slots_out_of_the_mirror(
    api: httpx.Client, emulator: httpx.Client
) -> None:
    window_start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    window_end = window_start + timedelta(days=3)
    before = _mirror_slots(api, window_start, window_end)
    assert before, "the class's clinic has free time in the next days"
    chosen = before[0]
    resource = chosen["resource_id"]
    class_start = datetime.fromisoformat(chosen["start"]).astimezone(UTC)
    class_end = class_start + CLASS_LENGTH
    freed = _overlapping(before, resource, class_start, class_end)
    others = [slot for slot in before if slot["resource_id"] != resource]

    created_at = datetime.now(UTC).timestamp()
    created = emulator.post(
        "/group_appointments",
        json={
            "starts_at": _z(class_start),
            "ends_at": _z(class_end),
            "practitioner_id": resource,
            "business_id": CLASS_CARE_UNIT,
            "appointment_type_id": _class_type(emulator),
        },
    )
    assert created.status_code == 201, created.text
    wait_for_sync(api, created_at)
    during = _mirror_slots(api, window_start, window_end)
    assert _overlapping(during, resource, class_start, class_end) == []
    assert [slot for slot in during if slot["resource_id"] != resource] == others, "other practitioners untouched"

    archived_at = datetime.now(UTC).timestamp()
    assert emulator.post(f"/group_appointments/{created.json()['id']}/archive").status_code == 204
    wait_for_sync(api, archived_at)
    after = _mirror_slots(api, window_start, window_end)
    assert _overlapping(after, resource, class_start, class_end) == freed
