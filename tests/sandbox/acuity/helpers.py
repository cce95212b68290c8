"""Small conveniences for the Acuity emulator tests: reading availability and booking."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import httpx

from medley.sandbox.acuity.seed_data import OKAFOR, WHITFIELD

CLIENT = {"firstName": "Robin", "lastName": "Tester", "email": "robin.tester@example.com", "phone": "(312) 555-0199"}


async def times(api: httpx.AsyncClient, type_id: int, calendar_id: int, day: date, **extra: Any) -> list[str]:
    answer = await api.get(
        "/availability/times",
        params={"date": day.isoformat(), "appointmentTypeID": type_id, "calendarID": calendar_id, **extra},
    )
    assert answer.status_code == 200, answer.text
    return [slot["time"] for slot in answer.json()]


async def book(
    api: httpx.AsyncClient, type_id: int, calendar_id: int, when: str, *, admin: bool = False, **client: str
) -> httpx.Response:
    body = {"datetime": when, "appointmentTypeID": type_id, "calendarID": calendar_id, **CLIENT, **client}
    return await api.post("/appointments", params={"admin": "true"} if admin else None, json=body)


def parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")


def later(text: str, minutes: int) -> str:
    return (parse(text) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S%z")


async def free_run(
    api: httpx.AsyncClient, type_id: int, calendar_id: int, first_day: date, offsets: tuple[int, ...]
) -> str:
    """A start S offered with S + each offset (minutes) offered too: a stretch of free time to play in."""
    for day in (first_day + timedelta(days=n) for n in range(28)):
        offered = set(await times(api, type_id, calendar_id, day))
        for start in sorted(offered):
            if all(later(start, offset) in offered for offset in offsets):
                return start
    raise AssertionError("no free stretch found in four weeks")


__all__ = ["CLIENT", "OKAFOR", "WHITFIELD", "book", "free_run", "later", "parse", "times"]
