"""The sandbox practice as a test sets it up: through the public API, as another client would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

Json = dict[str, Any]


@dataclass(frozen=True)
class FreeSlot:
    unit: Json
    slot: Json

    @property
    def base(self) -> str:
        return f"/emrs/cliniko/care-units/{self.unit['id']}"

    @property
    def start(self) -> datetime:
        return datetime.fromisoformat(self.slot["start"])

    @property
    def button_start(self) -> str:
        """The slot's start as the console writes it in ``data-start`` (JavaScript's toISOString)."""
        return self.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def weeks_ahead(self, now: datetime | None = None) -> int:
        """How many "Next week" clicks from the current week (in the unit's zone) to the slot's week."""
        zone = ZoneInfo(self.unit["timezone"])
        today = (now or datetime.now(UTC)).astimezone(zone).date()
        day = self.start.astimezone(zone).date()
        return (_monday(day) - _monday(today)).days // 7


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def first_free_slot(api: httpx.Client) -> FreeSlot:
    """The first free slot of the last care unit that has one (not the first: the test must pick it)."""
    units = api.get("/emrs/cliniko/care-units").json()
    for unit in reversed(units):
        slots = api.get(f"/emrs/cliniko/care-units/{unit['id']}/timeslots").json()
        if slots:
            return FreeSlot(unit, slots[0])
    raise AssertionError("the sandbox practice has no free slot in the next 14 days")


def create_patient(api: httpx.Client, base: str, first_name: str, last_name: str, birth_date: str) -> Json:
    response = api.post(f"{base}/patients", json={"first_name": first_name, "last_name": last_name,
                                                  "birth_date": birth_date})
    assert response.status_code in (200, 201), response.text
    patient: Json = response.json()
    return patient


def book(api: httpx.Client, free: FreeSlot, patient_id: str) -> Json:
    response = api.post(f"{free.base}/appointments", json={**free.slot, "patient_id": patient_id})
    assert response.status_code == 201, response.text
    appointment: Json = response.json()[0]
    return appointment
