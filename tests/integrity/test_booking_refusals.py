"""A refused booking says what is wrong: a time that was never free, a window that does not fit the service, a
practitioner who does not offer it, a start in the past; "just booked by someone else" only when it was.
Whatever can be refused without the EHR is refused before any upstream call, and a booking on the usual path
costs three upstream calls, all live (DESIGN.md §3).

A real gateway reaches the emulator through the fault relay, which counts every upstream call.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.integrity.clinic import Clinic
from tests.integrity.conftest import SandboxGateway
from tests.integrity.relay import FaultRelay

Json = Any

ANY_CALL = r"^/v1/"


@pytest.fixture
def clinic(sandbox_gateway: SandboxGateway, faults: FaultRelay) -> Iterator[Clinic]:
    with sandbox_gateway.gateway.api(sandbox_gateway.live, timeout=30.0) as api:
        yield Clinic.first(api)


def _problem(response: httpx.Response, status: int, detail_code: str) -> dict[str, Json]:
    assert response.status_code == status, response.text
    body: dict[str, Json] = response.json()
    assert body["errors"][0]["error_code"] == detail_code, body
    assert "just been booked" not in body["detail"], body
    return body


def _zone(clinic: Clinic) -> ZoneInfo:
    units = clinic.api.get("/care-units").json()
    return ZoneInfo(next(u for u in units if str(u["id"]) == clinic.care_unit_id)["timezone"])


def _service(clinic: Clinic, service_id: str) -> dict[str, Json]:
    services = clinic.api.get(f"{clinic.path}/healthcare-services").json()
    return dict(next(s for s in services if str(s["id"]) == str(service_id)))


def _moved(slot: dict[str, Json], start: datetime, minutes: int) -> dict[str, Json]:
    return {**slot, "start": start.isoformat(), "end": (start + timedelta(minutes=minutes)).isoformat()}


def test_three_in_the_morning_was_never_free_and_is_not_called_just_booked(
    clinic: Clinic, faults: FaultRelay
) -> None:
    slot = clinic.any_free_slot()
    patient = str(clinic.add_patient()["id"])
    minutes = _service(clinic, slot["healthcare_service_id"])["duration_minutes"]
    night = datetime.fromisoformat(slot["start"]).astimezone(_zone(clinic)).replace(hour=3, minute=0)
    body = _problem(clinic.book(_moved(slot, night, minutes), patient), 409, "NO_TIMESLOTS_AVAILABLE")
    assert "working hours" in body["detail"]


def test_a_window_longer_than_the_service_is_a_400_before_any_upstream_call(
    clinic: Clinic, faults: FaultRelay
) -> None:
    slot = clinic.any_free_slot()
    patient = str(clinic.add_patient()["id"])
    minutes = _service(clinic, slot["healthcare_service_id"])["duration_minutes"]
    start = datetime.fromisoformat(slot["start"])
    for too_long in (minutes + 15, 1000 * 24 * 60):
        before = faults.count("GET", ANY_CALL) + faults.count("POST", ANY_CALL)
        body = _problem(clinic.book(_moved(slot, start, too_long), patient), 400, "INVALID_TIME_WINDOW")
        assert body["errors"][0]["path"] == "end"
        assert f"{minutes} minutes" in body["detail"]
        assert faults.count("GET", ANY_CALL) + faults.count("POST", ANY_CALL) == before, "refused upfront"


def test_a_practitioner_who_does_not_offer_the_service_is_told_so(clinic: Clinic) -> None:
    services = clinic.api.get(f"{clinic.path}/healthcare-services").json()
    resources = [str(r["id"]) for r in clinic.api.get(f"{clinic.path}/resources").json()]
    service, resource = next(
        (s, r) for s in services for r in resources if s["resource_ids"] and r not in map(str, s["resource_ids"])
    )
    slot = clinic.any_free_slot(service_id=str(service["id"]))
    patient = str(clinic.add_patient()["id"])
    body = _problem(clinic.book({**slot, "resource_id": resource}, patient), 400, "INVALID_HEALTHCARE_SERVICE_ID")
    assert "does not offer" in body["detail"]
    assert body["errors"][0]["path"] == "healthcare_service_id"


def test_a_start_in_the_past_is_a_400(clinic: Clinic) -> None:
    slot = clinic.any_free_slot()
    patient = str(clinic.add_patient()["id"])
    minutes = _service(clinic, slot["healthcare_service_id"])["duration_minutes"]
    yesterday = datetime.fromisoformat(slot["start"]) - timedelta(days=30)
    body = _problem(clinic.book(_moved(slot, yesterday, minutes), patient), 400, "INVALID_TIME_WINDOW")
    assert body["errors"][0]["path"] == "start"


def test_just_booked_is_said_only_when_it_was_and_a_booking_costs_three_live_upstream_calls(
    clinic: Clinic, faults: FaultRelay
) -> None:
    slot = clinic.any_free_slot()
    first, second = str(clinic.add_patient()["id"]), str(clinic.add_patient()["id"])
    _service(clinic, slot["healthcare_service_id"])  # reference data warm, as on the usual path
    calls = {
        "re-check": ("GET", r"/available_times$"),
        "create": ("POST", r"^/v1/individual_appointments$"),
        "conflicts": ("GET", r"/conflicts$"),
        "patient read": ("GET", r"^/v1/patients/\d+$"),
    }
    before = {name: faults.count(*call) for name, call in calls.items()}
    booked = clinic.book(slot, first)
    assert booked.status_code == 201, booked.text
    spent = {name: faults.count(*call) - before[name] for name, call in calls.items()}
    assert spent == {"re-check": 1, "create": 1, "conflicts": 1, "patient read": 0}

    again = clinic.book(slot, second)
    assert again.status_code == 409, again.text
    assert again.json()["errors"][0]["error_code"] == "NO_TIMESLOTS_AVAILABLE"
    assert again.json()["detail"] == "This timeslot has just been booked by someone else."


def test_an_unknown_patient_is_still_a_404(clinic: Clinic) -> None:
    slot = clinic.any_free_slot()
    response = clinic.book(slot, "999999999")
    assert response.status_code == 404, response.text
    assert response.json()["errors"][0]["error_code"] == "INVALID_PATIENT_ID"
