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
    emr: str = "cliniko"

    @property
    def base(self) -> str:
        return f"/emrs/{self.emr}/care-units/{self.unit['id']}"

    @property
    def start(self) -> datetime:
        return datetime.fromisoformat(self.slot["start"])

    @property
    def button_start(self) -> str:
        """The slot's start as the console writes it in ``data-start`` (JavaScript's toISOString)."""
        return self.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def weeks_ahead(self, now: datetime | None = None) -> int:
        """How many "Next week" clicks from the week the console opens on to the slot's week."""
        return weeks_from_opening(self.unit["timezone"], self.start, now)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def next_working_day(day: date) -> date:
    """The day itself on a weekday, else the Monday after (as the console's format.js nextWorkingDay)."""
    return day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


def opening_monday(timezone: str, now: datetime | None = None) -> date:
    """The Monday of the week the console opens on: the week that holds the next working day."""
    today = (now or datetime.now(UTC)).astimezone(ZoneInfo(timezone)).date()
    return _monday(next_working_day(today))


def weeks_from_opening(timezone: str, moment: datetime, now: datetime | None = None) -> int:
    day = moment.astimezone(ZoneInfo(timezone)).date()
    return (_monday(day) - opening_monday(timezone, now)).days // 7


def first_free_slot(api: httpx.Client, emr: str = "cliniko") -> FreeSlot:
    """The first free slot of the last care unit of ``emr`` that has one (not the first: the test must pick it)."""
    units = api.get(f"/emrs/{emr}/care-units").json()
    for unit in reversed(units):
        slots = api.get(f"/emrs/{emr}/care-units/{unit['id']}/timeslots").json()
        if slots:
            return FreeSlot(unit, slots[0], emr)
    raise AssertionError(f"the {emr} sandbox practice has no free slot in the next 14 days")


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
