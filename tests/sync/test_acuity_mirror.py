"""Acuity's timeslots from the scheduling mirror: the same as Acuity's own answer, and as current.

Acuity computes availability itself and exposes only the result, so the mirror keeps Acuity's own free starts
per calendar, type and day (``medley.sync.free_days``). Changes are made straight in the Acuity emulator
(appointments booked, moved and cancelled, blocks added and removed), the mirror syncs them, and the gateway's
answer (from the mirror) is compared with what the connector reads live from Acuity for every calendar and type.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from medley.config import DEFAULT_SANDBOX_ACUITY_API_KEY, DEFAULT_SANDBOX_ACUITY_USER_ID, Settings
from medley.connectors.base import Connector
from medley.connectors.registry import build_connector
from tests.support.postgres import store_env
from tests.support.server import running_medley
from tests.sync.conftest import SANDBOX_HEADERS, STORES, SYNC_INTERVAL, sync_env
from tests.sync.test_mirror_matches_emulator import _slots

pytestmark = pytest.mark.slow

Slot = tuple[datetime, datetime, str, str]
EMULATOR_PATH = "/sandbox/acuity/api/v1"


@pytest.fixture(scope="module", params=STORES)
def server_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("medley-acuity-mirror")
    with ExitStack() as stack:
        env = {
            **store_env(request.param, stack, "medley_acuity_mirror"),
            **sync_env(),
            "MEDLEY_SANDBOX_ACUITY_RATE_LIMIT_PER_SECOND": "0",
        }
        yield stack.enter_context(running_medley("serve", env, data_dir))


@pytest.fixture
def api(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url + "/api", headers=SANDBOX_HEADERS, timeout=60.0) as client:
        yield client


@pytest.fixture
def emulator(server_url: str) -> Iterator[httpx.Client]:
    """The Acuity emulator's own API, as the clinic's front desk (or an integrator) would use it."""
    auth = (DEFAULT_SANDBOX_ACUITY_USER_ID, DEFAULT_SANDBOX_ACUITY_API_KEY)
    with httpx.Client(base_url=server_url + EMULATOR_PATH, auth=auth, timeout=30.0) as client:
        yield client


@pytest.fixture
def care_unit(api: httpx.Client) -> str:
    response = api.get("/emrs/acuity/care-units")
    assert response.status_code == 200, response.text
    return str(response.json()[0]["id"])


def _not_imminent(slots: set[Slot]) -> set[Slot]:
    # A slot close to the minimum notice may pass it between the two reads: leave those out.
    soon = datetime.now(UTC) + timedelta(hours=3)
    return {slot for slot in slots if slot[0] > soon}


def _read(api: httpx.Client, care_unit: str, start: datetime, end: datetime) -> httpx.Response:
    window = {"start": start.isoformat(), "end": end.isoformat()}
    response = api.get(f"/emrs/acuity/care-units/{care_unit}/timeslots", params=window)
    assert response.status_code == 200, response.text
    return response


def _mirrored(api: httpx.Client, care_unit: str, start: datetime, end: datetime, since: float) -> set[Slot]:
    """The gateway's answer from the mirror, once a sync cycle that began after ``since`` has completed."""
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline:
        response = _read(api, care_unit, start, end)
        age = int(response.headers["medley-data-age"])
        # The age is whole seconds, counted from a clock read in whole seconds: the data was read no earlier
        # than a second before now - age.
        if response.headers["medley-data-source"] == "mirror" and time.time() - age - 1 > since:
            return _slots(response.json())
        time.sleep(0.1)
    raise TimeoutError("the mirror did not answer from a sync after the change")


def _acuity(server_url: str) -> Connector:
    """The connector reading the emulator live, as if there were no mirror."""
    return build_connector(
        "acuity",
        {"user_id": DEFAULT_SANDBOX_ACUITY_USER_ID, "api_key": DEFAULT_SANDBOX_ACUITY_API_KEY},
        settings=Settings(sandbox=False, timeslot_cache_seconds=0),
        base_url=server_url + EMULATOR_PATH,
    )


async def _live(server_url: str, care_unit: str, start: datetime, end: datetime) -> set[Slot]:
    connector = _acuity(server_url)
    try:
        found = await connector.list_timeslots(care_unit, start, end, fresh=True)
    finally:
        await connector.aclose()
    return {(s.start.astimezone(UTC), s.end.astimezone(UTC), s.resource_id, s.healthcare_service_id) for s in found}


class Practice:
    """What the random changes pick from: the account's calendars, public types and a few clients."""

    def __init__(self, emulator: httpx.Client) -> None:
        types = emulator.get("/appointment-types").json()
        self.pairs = [
            (str(calendar), kind)
            for kind in types
            if kind["active"] and not kind["private"]
            for calendar in kind["calendarIDs"]
        ]
        self.calendars = sorted({calendar for calendar, _ in self.pairs})
        self.clients = [c for c in emulator.get("/clients").json() if c.get("email")][:10]


def _change(emulator: httpx.Client, practice: Practice, rng: random.Random, now: datetime) -> str:
    """One change the front desk might make in Acuity, at a random place in the next three weeks."""
    day = (now + timedelta(days=rng.randint(1, 20))).date()
    calendar, kind = rng.choice(practice.pairs)
    local = f"{day.isoformat()}T{rng.randint(8, 17):02d}:{rng.choice((0, 15, 30, 45)):02d}:00"
    action = rng.choice(("book", "book", "block", "unblock", "cancel", "move"))
    if action == "book":
        client = rng.choice(practice.clients)
        body = {
            "datetime": local,
            "appointmentTypeID": kind["id"],
            "calendarID": int(calendar),
            "firstName": client["firstName"],
            "lastName": client["lastName"],
            "email": client["email"],
        }
        response = emulator.post("/appointments", params={"admin": "true"}, json=body)
    elif action == "block":
        end = f"{day.isoformat()}T{rng.randint(12, 20):02d}:00:00"
        start = min(local, f"{day.isoformat()}T11:00:00")
        response = emulator.post("/blocks", json={"calendarID": int(calendar), "start": start, "end": end})
    elif action == "unblock":
        blocks = emulator.get("/blocks", params={"minDate": now.date().isoformat()}).json()
        if not blocks:
            return "nothing to unblock"
        response = emulator.delete(f"/blocks/{rng.choice(blocks)['id']}")
    else:
        upcoming = [
            a
            for a in emulator.get(
                "/appointments", params={"minDate": (now + timedelta(days=1)).date().isoformat(), "max": "200"}
            ).json()
            if not a.get("classID")
        ]
        if not upcoming:
            return f"nothing to {action}"
        target = rng.choice(upcoming)
        if action == "cancel":
            response = emulator.put(f"/appointments/{target['id']}/cancel", params={"admin": "true"}, json={})
        else:
            moved = {"datetime": local, "calendarID": int(target["calendarID"])}
            response = emulator.put(f"/appointments/{target['id']}/reschedule", params={"admin": "true"}, json=moved)
    assert response.status_code in (200, 204), response.text
    return action


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_mirrored_timeslots_equal_acuitys_own(
    server_url: str, api: httpx.Client, emulator: httpx.Client, care_unit: str, seed: int
) -> None:
    rng = random.Random(seed)
    practice = Practice(emulator)
    now = datetime.now(UTC)
    start = (now + timedelta(days=rng.randint(0, 10))).replace(microsecond=0)
    end = start + timedelta(days=rng.randint(1, 21))
    _read(api, care_unit, start, end)  # a cold read warms the mirror for this window
    made = [_change(emulator, practice, rng, now) for _ in range(rng.randint(1, 5))]
    since = time.time()
    mirrored = _mirrored(api, care_unit, start, end, since)
    live = asyncio.run(_live(server_url, care_unit, start, end))
    only_mirror, only_live = _not_imminent(mirrored - live), _not_imminent(live - mirrored)
    assert not only_mirror and not only_live, (made, sorted(only_mirror)[:5], sorted(only_live)[:5])


def _first_free(api: httpx.Client, emulator: httpx.Client, care_unit: str) -> tuple[dict[str, Any], datetime, datetime]:
    """A free service slot (not a class seat) from the mirror. From tomorrow: no start there can pass the
    minimum notice while the test runs."""
    classes = {str(kind["id"]) for kind in emulator.get("/appointment-types").json() if kind["type"] != "service"}
    start = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    end = start + timedelta(days=7)
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline:
        response = _read(api, care_unit, start, end)
        slots = [s for s in response.json() if s["healthcare_service_id"] not in classes]
        if response.headers["medley-data-source"] == "mirror" and slots:
            return slots[len(slots) // 2], start, end
        time.sleep(0.2)
    raise TimeoutError("the mirror did not answer")


def _shows(api: httpx.Client, care_unit: str, slot: dict[str, Any], start: datetime, end: datetime) -> bool:
    response = _read(api, care_unit, start, end)
    assert response.headers["medley-data-source"] == "mirror"
    return (slot["start"], slot["resource_id"]) in {(s["start"], s["resource_id"]) for s in response.json()}


def test_a_change_made_in_acuity_shows_within_the_sync_interval(
    api: httpx.Client, emulator: httpx.Client, care_unit: str
) -> None:
    slot, start, end = _first_free(api, emulator, care_unit)
    client = next(c for c in emulator.get("/clients").json() if c.get("email"))
    body = {
        "datetime": slot["start"],
        "appointmentTypeID": int(slot["healthcare_service_id"]),
        "calendarID": int(slot["resource_id"]),
        "firstName": client["firstName"],
        "lastName": client["lastName"],
        "email": client["email"],
    }
    booked = emulator.post("/appointments", json=body)  # client mode: Acuity checks the time is free
    assert booked.status_code == 200, booked.text
    changed = time.monotonic()
    while _shows(api, care_unit, slot, start, end):
        assert time.monotonic() - changed < SYNC_INTERVAL + 3.0, "the booking made in Acuity did not show in time"
        time.sleep(0.05)

    cancelled = emulator.put(f"/appointments/{booked.json()['id']}/cancel", params={"admin": "true"}, json={})
    assert cancelled.status_code == 200, cancelled.text
    changed = time.monotonic()
    while not _shows(api, care_unit, slot, start, end):
        assert time.monotonic() - changed < SYNC_INTERVAL + 3.0, "the cancel made in Acuity did not show in time"
        time.sleep(0.05)


def test_a_booking_through_medley_leaves_the_mirror_at_once(
    api: httpx.Client, emulator: httpx.Client, care_unit: str
) -> None:
    slot, start, end = _first_free(api, emulator, care_unit)
    patient = api.post(
        f"/emrs/acuity/care-units/{care_unit}/patients",
        json={
            "first_name": "Mirror",
            "last_name": f"Test-{uuid.uuid4().hex[:8]}",
            "emails": [f"mirror-{uuid.uuid4().hex[:8]}@example.com"],
        },
    )
    assert patient.status_code in (200, 201), patient.text
    booked = api.post(
        f"/emrs/acuity/care-units/{care_unit}/appointments", json={**slot, "patient_id": patient.json()["id"]}
    )
    assert booked.status_code == 201, booked.text
    assert not _shows(api, care_unit, slot, start, end)  # the very next read, before any sync


async def _live_next(server_url: str, care_unit: str, after: datetime) -> datetime | None:
    connector = _acuity(server_url)
    try:
        found = await connector.next_available(care_unit, after)
    finally:
        await connector.aclose()
    return None if found is None else found.start


def test_an_empty_window_names_the_next_free_start_from_the_mirror(
    server_url: str, api: httpx.Client, care_unit: str
) -> None:
    unit = next(u for u in api.get("/emrs/acuity/care-units").json() if u["id"] == care_unit)
    zone = ZoneInfo(unit["timezone"])
    # 03:00 to 04:00 local two days ahead: no calendar of the practice works at night.
    night = datetime.combine(datetime.now(zone).date() + timedelta(days=2), datetime.min.time(), zone)
    start, end = night.replace(hour=3), night.replace(hour=4)
    deadline = time.monotonic() + 60.0
    while (response := _read(api, care_unit, start, end)).headers["medley-data-source"] != "mirror":
        assert time.monotonic() < deadline, "the mirror did not answer"
        time.sleep(0.2)
    assert response.json() == []
    named = datetime.fromisoformat(response.headers["x-next-available-start"])
    assert named == asyncio.run(_live_next(server_url, care_unit, end))
