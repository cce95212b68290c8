"""A deliberately small in-memory Cliniko: enough reference data, availability and appointments to test
the connector's fan-out and its unconfirmed-write recovery with controlled latency and faults.

Every practitioner works 09:00–17:00 (business time) every day; slots step by the type's duration.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BUSINESS_ID = "100"
ZONE = ZoneInfo("Australia/Sydney")
OPENS, CLOSES = time(9), time(17)


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class MiniCliniko:
    practitioner_ids: list[str]
    type_durations: dict[str, int]
    offers: dict[str, set[str]]
    offline_pairs: set[tuple[str, str]] = field(default_factory=set)
    latency: float = 0.0
    post_delay: float = 0.0
    apply_post_before_delay: bool = True
    appointments: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(900))

    def base(self, request: Request) -> str:
        return str(request.base_url).rstrip("/") + "/v1"

    def link(self, request: Request, path: str) -> dict[str, Any]:
        return {"links": {"self": f"{self.base(request)}{path}"}}

    @property
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/businesses", self.businesses),
                Route("/v1/practitioners", self.practitioners),
                Route("/v1/appointment_types", self.appointment_types),
                Route("/v1/businesses/{b}/practitioners", self.practitioners),
                Route("/v1/practitioners/{p}/appointment_types", self.appointment_types),
                Route("/v1/businesses/{b}/practitioners/{p}/appointment_types/{t}/available_times", self.available),
                Route("/v1/businesses/{b}/practitioners/{p}/appointment_types/{t}/next_available_time", self.next),
                Route("/v1/individual_appointments", self.appointments_route, methods=["GET", "POST"]),
                Route("/v1/individual_appointments/{id}", self.appointment),
            ]
        )

    async def _enter(self, request: Request) -> None:
        self.calls.append(f"{request.method} {request.url.path}")
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
        finally:
            self.in_flight -= 1

    def _list(self, key: str, items: list[dict[str, Any]]) -> JSONResponse:
        return JSONResponse({key: items, "total_entries": len(items), "links": {}})

    async def businesses(self, request: Request) -> Response:
        await self._enter(request)
        business = {
            "id": BUSINESS_ID,
            "business_name": "Mini Clinic",
            "time_zone_identifier": ZONE.key,
            "appointment_type_ids": list(self.type_durations),
            "archived_at": None,
            "links": {"self": f"{self.base(request)}/businesses/{BUSINESS_ID}"},
        }
        return self._list("businesses", [business])

    async def practitioners(self, request: Request) -> Response:
        await self._enter(request)
        items = [
            {
                "id": pid,
                "first_name": "Dr",
                "last_name": pid,
                "active": True,
                **self.link(request, f"/practitioners/{pid}"),
            }
            for pid in self.practitioner_ids
        ]
        return self._list("practitioners", items)

    async def appointment_types(self, request: Request) -> Response:
        await self._enter(request)
        practitioner = request.path_params.get("p")
        type_ids = self.offers.get(practitioner, set()) if practitioner else set(self.type_durations)
        items = [
            {"id": tid, "name": f"Type {tid}", "duration_in_minutes": minutes, "max_attendees": 1}
            for tid, minutes in self.type_durations.items()
            if tid in type_ids
        ]
        return self._list("appointment_types", items)

    def _starts(self, practitioner: str, type_id: str, first: date, last: date) -> list[datetime]:
        step = timedelta(minutes=self.type_durations[type_id])
        now = datetime.now(UTC)
        starts = []
        day = first
        while day <= last:
            moment = datetime.combine(day, OPENS, ZONE)
            closing = datetime.combine(day, CLOSES, ZONE)
            while moment + step <= closing:
                if moment >= now:
                    starts.append(moment)
                moment += step
            day += timedelta(days=1)
        return starts

    def _window(self, request: Request) -> tuple[str, str, date, date] | Response:
        p, t = request.path_params["p"], request.path_params["t"]
        if (p, t) in self.offline_pairs or t not in self.offers.get(p, set()):
            return JSONResponse({"status": "404", "error": "Not Found"}, status_code=404)
        first = date.fromisoformat(request.query_params["from"])
        last = date.fromisoformat(request.query_params["to"])
        if (last - first).days > 6 or first < datetime.now(ZONE).date():
            return JSONResponse({"message": "Invalid time frame definition."}, status_code=400)
        return p, t, first, last

    async def available(self, request: Request) -> Response:
        await self._enter(request)
        window = self._window(request)
        if isinstance(window, Response):
            return window
        p, t, first, last = window
        items = [{"appointment_start": _instant(s)} for s in self._starts(p, t, first, last)]
        return self._list("available_times", items)

    async def next(self, request: Request) -> Response:
        await self._enter(request)
        window = self._window(request)
        if isinstance(window, Response):
            return window
        starts = self._starts(*window)
        return JSONResponse({"appointment_start": _instant(starts[0]) if starts else None, "links": {}})

    def _render(self, request: Request, record: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": record["id"],
            "starts_at": record["starts_at"],
            "ends_at": record["ends_at"],
            "notes": record.get("notes"),
            "cancelled_at": None,
            "did_not_arrive": False,
            "created_at": record["created_at"],
            "business": self.link(request, f"/businesses/{record['business_id']}"),
            "practitioner": self.link(request, f"/practitioners/{record['practitioner_id']}"),
            "patient": self.link(request, f"/patients/{record['patient_id']}"),
            "appointment_type": self.link(request, f"/appointment_types/{record['appointment_type_id']}"),
            "links": {"self": f"{self.base(request)}/individual_appointments/{record['id']}"},
        }

    async def appointments_route(self, request: Request) -> Response:
        await self._enter(request)
        if request.method == "POST":
            body = await request.json()
            record = {**body, "id": str(next(self._ids)), "created_at": _instant(datetime.now(UTC))}
            if self.apply_post_before_delay:
                self.appointments[record["id"]] = record
            if self.post_delay:
                await asyncio.sleep(self.post_delay)
                if not self.apply_post_before_delay:
                    return Response("upstream timeout", status_code=504)
            return JSONResponse(self._render(request, record), status_code=201)
        records = [r for r in self.appointments.values() if self._matches(r, request.query_params.getlist("q[]"))]
        return self._list("individual_appointments", [self._render(request, r) for r in records])

    def _matches(self, record: dict[str, Any], filters: list[str]) -> bool:
        for spec in filters:
            name, _, rest = spec.partition(":")
            if rest == "*":
                continue
            if rest.startswith("="):
                if str(record.get(name)) != rest[1:]:
                    return False
            elif rest.startswith(">="):
                if record[name] < rest[2:]:
                    return False
            elif rest.startswith("<") and record[name] >= rest[1:]:
                return False
        return True

    async def appointment(self, request: Request) -> Response:
        await self._enter(request)
        record = self.appointments.get(request.path_params["id"])
        if record is None:
            return JSONResponse({"status": "404", "error": "Not Found"}, status_code=404)
        return JSONResponse(self._render(request, record))
