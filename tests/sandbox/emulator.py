"""Talking to the emulator in tests: an authenticated client, list walking, link parsing, a clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from medley.config import DEFAULT_SANDBOX_API_KEY
from medley.sandbox.cliniko.server import ClinikoSandbox

API_KEY = DEFAULT_SANDBOX_API_KEY
USER_AGENT = "Medley sandbox tests (tests@example.com)"
BASE_URL = "http://cliniko.test/v1"


class MutableClock:
    """A clock tests can move; starts at the real time so the seeded calendar still makes sense."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def client_for(sandbox: ClinikoSandbox, **options: Any) -> httpx.AsyncClient:
    """An HTTP client on the emulator, authenticated as Cliniko expects (Basic key, User-Agent)."""
    options.setdefault("auth", (sandbox.api_key, ""))
    options.setdefault("headers", {"User-Agent": USER_AGENT, "Accept": "application/json"})
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app), base_url=BASE_URL, **options)


async def walk(client: httpx.AsyncClient, path: str, params: Any = None) -> list[dict[str, Any]]:
    """Every record of a list, following ``links.next`` the way Cliniko asks clients to."""
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    key = next(name for name in response.json() if name not in {"total_entries", "links"})
    records: list[dict[str, Any]] = []
    while True:
        body = response.json()
        records.extend(body[key])
        next_url = body["links"].get("next")
        if next_url is None:
            assert len(records) == body["total_entries"]
            return records
        response = await client.get(next_url)
        assert response.status_code == 200, response.text


def last_id(url: str) -> str:
    """The id in a Cliniko link (its last path segment), as the connector reads it."""
    return url.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Bookable:
    """A business, practitioner and appointment type that online booking serves, with free time ahead."""

    business_id: str
    practitioner_id: str
    appointment_type_id: str
    duration: timedelta
    zone: ZoneInfo
    first_day: date
    last_day: date

    @property
    def path(self) -> str:
        return (
            f"/businesses/{self.business_id}/practitioners/{self.practitioner_id}"
            f"/appointment_types/{self.appointment_type_id}"
        )

    @property
    def window(self) -> dict[str, str]:
        return {"from": self.first_day.isoformat(), "to": self.last_day.isoformat()}


async def find_bookable(client: httpx.AsyncClient) -> Bookable:
    """The first combination (in id order) with free slots from tomorrow to six days later."""
    for business in (await client.get("/businesses")).json()["businesses"]:
        if not business["show_in_online_bookings"]:
            continue
        zone = ZoneInfo(business["time_zone_identifier"])
        first_day = datetime.now(zone).date() + timedelta(days=1)
        practitioners = (await client.get(f"/businesses/{business['id']}/practitioners")).json()["practitioners"]
        for practitioner in practitioners:
            types = (await client.get(f"/practitioners/{practitioner['id']}/appointment_types")).json()
            for kind in types["appointment_types"]:
                candidate = Bookable(
                    business["id"],
                    practitioner["id"],
                    kind["id"],
                    timedelta(minutes=kind["duration_in_minutes"]),
                    zone,
                    first_day,
                    first_day + timedelta(days=6),
                )
                response = await client.get(candidate.path + "/available_times", params=candidate.window)
                if response.status_code == 200 and response.json()["total_entries"] > 0:
                    return candidate
    raise AssertionError("the seeded practice should offer some free time next week")


async def any_patient_id(client: httpx.AsyncClient) -> str:
    patient_id: str = (await client.get("/patients", params={"per_page": 1})).json()["patients"][0]["id"]
    return patient_id


async def available_starts(client: httpx.AsyncClient, bookable: Bookable) -> list[str]:
    starts = await walk(client, bookable.path + "/available_times", {**bookable.window, "per_page": 100})
    return [slot["appointment_start"] for slot in starts]
