"""What the tests do through a gateway, over and over: find a care unit, add a patient, find free slots, book."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

Json = Any


@dataclass(frozen=True)
class Person:
    """A patient whose name, email and phone appear nowhere else, so logs and stores can be searched for them."""

    first_name: str
    last_name: str
    email: str
    phone: str

    @classmethod
    def distinctive(cls) -> Person:
        tag = uuid.uuid4().hex[:8]
        digits = f"{random.randrange(10**6):06d}"
        return cls("Philomena", f"Quorndon-{tag}", f"philomena.{tag}@quorndon.example", f"+61 491 {digits}")

    def body(self) -> dict[str, Json]:
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "birth_date": "1979-04-23",
            "emails": [self.email],
            "phones": [self.phone],
        }


class Clinic:
    """One application's view of one care unit through a gateway."""

    def __init__(self, api: httpx.Client, care_unit_id: str) -> None:
        self.api = api
        self.care_unit_id = care_unit_id
        self.path = f"/care-units/{care_unit_id}"

    @classmethod
    def first(cls, api: httpx.Client) -> Clinic:
        response = api.get("/care-units")
        assert response.status_code == 200, response.text
        return cls(api, str(response.json()[0]["id"]))

    def add_patient(self, person: Person | None = None) -> dict[str, Json]:
        response = self.api.post(f"{self.path}/patients", json=(person or Person.distinctive()).body())
        assert response.status_code == 201, response.text
        return dict(response.json())

    def free_slots(
        self,
        *,
        days_ahead: int = 1,
        days: int = 6,
        resource_id: str | None = None,
        service_id: str | None = None,
    ) -> list[dict[str, Json]]:
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days_ahead)
        params = {"start": start.isoformat(), "end": (start + timedelta(days=days)).isoformat()}
        if resource_id:
            params["resource_id"] = resource_id
        if service_id:
            params["healthcare_service_id"] = service_id
        response = self.api.get(f"{self.path}/timeslots", params=params)
        assert response.status_code == 200, response.text
        return list(response.json())

    def any_free_slot(self, **filters: Any) -> dict[str, Json]:
        """A free slot chosen at random, so tests sharing an EHR rarely reach for the same one."""
        slots = self.free_slots(**filters)
        assert slots, "the practice should have free time in the coming days"
        return dict(random.choice(slots))

    def book(
        self,
        slot: Mapping[str, Json],
        patient_id: str,
        *,
        key: str | None = None,
        comment: str | None = None,
    ) -> httpx.Response:
        body = {
            "start": slot["start"],
            "end": slot["end"],
            "resource_id": slot["resource_id"],
            "healthcare_service_id": slot["healthcare_service_id"],
            "patient_id": patient_id,
        }
        if comment is not None:
            body["comment"] = comment
        headers = {"Idempotency-Key": key} if key else {}
        return self.api.post(f"{self.path}/appointments", json=body, headers=headers)
