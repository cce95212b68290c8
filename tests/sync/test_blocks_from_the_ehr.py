"""The mirror follows working-time changes made through the EHR's API: extra time added with
``POST /availability_blocks``, time off moved with ``PATCH /unavailable_blocks/{id}``."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from medley.sandbox.cliniko.seed_data import cliniko_id
from tests.sync.conftest import SYNC_INTERVAL
from tests.sync.test_freshness import _timeslots

BUSINESS = str(cliniko_id(1001))


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < SYNC_INTERVAL + 3.0, what
        time.sleep(0.05)


def _starts_of(api: httpx.Client, resource_id: str) -> set[str]:
    return {slot["start"] for slot in _timeslots(api, resource_id=resource_id)[0]}


def test_an_availability_block_made_in_the_ehr_adds_slots(api: httpx.Client, emulator: httpx.Client) -> None:
    resource = _timeslots(api)[0][0]["resource_id"]
    zone = ZoneInfo(emulator.get(f"/businesses/{BUSINESS}").json()["time_zone_identifier"])
    # 22:00 local three days ahead: after every seeded working day, inside the mirror's window.
    day = datetime.now(zone).date() + timedelta(days=3)
    start = datetime.combine(day, datetime.min.time(), zone).replace(hour=22)
    assert not any(datetime.fromisoformat(s) >= start for s in _starts_of(api, resource) if s.startswith(str(day)))
    made = emulator.post(
        "/availability_blocks",
        json={
            "business_id": BUSINESS,
            "practitioner_id": resource,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1, minutes=30)).isoformat(),
        },
    )
    assert made.status_code == 201, made.text

    def late_slots() -> list[str]:
        return [s for s in _starts_of(api, resource) if datetime.fromisoformat(s) >= start]

    _wait_until(lambda: bool(late_slots()), "the availability block was not picked up")
    assert all(datetime.fromisoformat(s) < start + timedelta(hours=1, minutes=30) for s in late_slots())


def test_time_off_moved_in_the_ehr_frees_its_old_time(api: httpx.Client, emulator: httpx.Client) -> None:
    slots = _timeslots(api)[0]
    first = slots[len(slots) // 3]
    resource = first["resource_id"]
    other = next(s for s in slots[2 * len(slots) // 3 :] if s["resource_id"] == resource and s["start"] > first["end"])
    block: dict[str, Any] = emulator.post(
        "/unavailable_blocks",
        json={
            "starts_at": first["start"],
            "ends_at": first["end"],
            "practitioner_id": resource,
            "business_id": BUSINESS,
        },
    ).json()
    _wait_until(lambda: first["start"] not in _starts_of(api, resource), "the time off was not picked up")

    moved = emulator.patch(
        f"/unavailable_blocks/{block['id']}", json={"starts_at": other["start"], "ends_at": other["end"]}
    )
    assert moved.status_code == 200, moved.text
    _wait_until(
        lambda: first["start"] in (starts := _starts_of(api, resource)) and other["start"] not in starts,
        "the move of the time off was not picked up",
    )
