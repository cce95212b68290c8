"""The mirror's timeslots equal what the EHR itself answers, for random practice states and windows.

Changes are made straight in the Cliniko emulator (appointments booked, moved, cancelled and deleted, time
off and group classes added), the mirror syncs them, and then the gateway's answer (from the mirror) is
compared with the EHR's own ``available_times`` for every practitioner and service, read live by the
connector. Once with the account's online-booking limits off, once under a cap per day segment and a daily
bookings limit, set through the emulator's sandbox control route (Cliniko has no API for them) and read by
the mirror with its reference data.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from medley.config import DEFAULT_SANDBOX_API_KEY, Settings
from medley.connectors.registry import build_connector
from medley.sandbox.cliniko.seed_data import cliniko_id
from tests.sync.conftest import STORES, synced_medley, wait_for_sync

pytestmark = pytest.mark.slow

CARE_UNITS = (str(cliniko_id(1001)), str(cliniko_id(1002)), str(cliniko_id(1003)))
Slot = tuple[datetime, datetime, str, str]
REFERENCE_SECONDS = 1.0
"""How often this module's server reads reference data, the online-booking limits among it (default 300 s)."""
LIMITS_CONTROL = "/sandbox/cliniko/control/settings/online_bookings"
NO_LIMITS = (0, 0)
IMMINENT = timedelta(minutes=5)
CURRENT_SEGMENT = timedelta(hours=12)


@pytest.fixture(scope="module", params=STORES)
def server_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {"MEDLEY_SYNC_REFERENCE_SECONDS": str(REFERENCE_SECONDS)}
    with synced_medley(request.param, tmp_path_factory.mktemp("medley-sync"), env) as base:
        yield base


def _slots(items: list[dict[str, Any]]) -> set[Slot]:
    return {
        (
            datetime.fromisoformat(s["start"]).astimezone(UTC),
            datetime.fromisoformat(s["end"]).astimezone(UTC),
            s["resource_id"],
            s["healthcare_service_id"],
        )
        for s in items
    }


def _after(slots: set[Slot], soon: datetime) -> set[Slot]:
    return {slot for slot in slots if slot[0] > soon}


async def _live_slots(server_url: str, care_unit: str, start: datetime, end: datetime) -> set[Slot]:
    connector = build_connector(
        "cliniko",
        {"api_key": DEFAULT_SANDBOX_API_KEY},
        settings=Settings(sandbox=False, upstream_requests_per_minute=0, timeslot_cache_seconds=0),
        base_url=server_url + "/sandbox/cliniko/v1",
    )
    try:
        found = await connector.list_timeslots(care_unit, start, end, fresh=True)
    finally:
        await connector.aclose()
    return {(s.start.astimezone(UTC), s.end.astimezone(UTC), s.resource_id, s.healthcare_service_id) for s in found}


def _records(emulator: httpx.Client, path: str, key: str, *params: tuple[str, str]) -> list[dict[str, Any]]:
    response = emulator.get(path, params=[("per_page", "100"), *params])
    assert response.status_code == 200, response.text
    return list(response.json()[key])


def _link_id(record: dict[str, Any], relation: str) -> str:
    return str(record[relation]["links"]["self"]).rstrip("/").rsplit("/", 1)[-1]


class Practice:
    """What the random changes pick from: the seeded practice's combinations and patients."""

    def __init__(self, emulator: httpx.Client) -> None:
        self.patients = [p["id"] for p in _records(emulator, "/patients", "patients")][:20]
        self.combinations: list[tuple[str, str, str, int]] = []
        types = {t["id"]: t for t in _records(emulator, "/appointment_types", "appointment_types")}
        self.class_type = next(kind["id"] for kind in types.values() if kind["max_attendees"] > 1)
        for business in _records(emulator, "/businesses", "businesses"):
            for practitioner in _records(emulator, f"/businesses/{business['id']}/practitioners", "practitioners"):
                path = f"/practitioners/{practitioner['id']}/appointment_types"
                for kind in _records(emulator, path, "appointment_types"):
                    if kind["id"] in business.get("appointment_type_ids", []) and kind["id"] in types:
                        self.combinations.append(
                            (business["id"], practitioner["id"], kind["id"], int(kind["duration_in_minutes"]))
                        )


def _change(emulator: httpx.Client, practice: Practice, rng: random.Random, now: datetime) -> None:
    """One change a front desk might make, at a random place in the next three weeks."""
    business_id, practitioner_id, type_id, minutes = rng.choice(practice.combinations)
    start = (now + timedelta(days=rng.randint(0, 20))).replace(
        hour=rng.randint(0, 23), minute=rng.choice((0, 5, 15, 30, 45)), second=0, microsecond=0
    )
    action = rng.choice(("book", "book", "time_off", "class", "cancel", "delete", "move"))
    if action in ("book", "time_off", "class"):
        body: dict[str, Any] = {
            "starts_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ends_at": (start + timedelta(minutes=minutes if action == "book" else rng.choice((30, 90, 240)))).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "practitioner_id": practitioner_id,
            "business_id": business_id,
        }
        if action == "book":
            body |= {"patient_id": rng.choice(practice.patients), "appointment_type_id": type_id}
        if action == "class":
            body |= {"appointment_type_id": practice.class_type}
        paths = {"book": "/individual_appointments", "time_off": "/unavailable_blocks", "class": "/group_appointments"}
        path = paths[action]
        response = emulator.post(path, json=body)
        assert response.status_code == 201, response.text
        return
    upcoming = _records(
        emulator,
        "/individual_appointments",
        "individual_appointments",
        ("q[]", f"starts_at:>{now.strftime('%Y-%m-%dT%H:%M:%SZ')}"),
        ("q[]", f"practitioner_id:={practitioner_id}"),
    )
    if not upcoming:
        return
    target = rng.choice(upcoming)["id"]
    if action == "cancel":
        response = emulator.patch(f"/individual_appointments/{target}/cancel", json={"cancellation_reason": 50})
    elif action == "delete":
        response = emulator.delete(f"/individual_appointments/{target}")
    else:
        moved = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        ends = (start + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
        response = emulator.patch(f"/individual_appointments/{target}", json={"starts_at": moved, "ends_at": ends})
    assert response.status_code in (200, 204), response.text


def _set_limits(server_url: str, emulator: httpx.Client, limits: tuple[int, int]) -> bool:
    """The account's cap per day segment and daily bookings limit, as a clinic sets them in Cliniko's web
    app; whether they changed."""
    wanted = {"max_appointments_per_day_segment": limits[0], "daily_bookings_limit": limits[1]}
    shown = emulator.get("/settings/public").json()["online_bookings"]
    if all(shown[name] == value for name, value in wanted.items()):
        return False
    response = httpx.patch(server_url + LIMITS_CONTROL, json=wanted, auth=(DEFAULT_SANDBOX_API_KEY, ""))
    assert response.status_code == 200, response.text
    return True


def _mirror_matches_the_ehr(
    server_url: str,
    api: httpx.Client,
    emulator: httpx.Client,
    limits: tuple[int, int],
    seed: int,
    changes: int,
    window: tuple[str, int, int],
) -> None:
    """Set ``limits``, make ``changes`` random changes in the EHR, let the mirror sync, then compare the
    gateway's timeslots for the window (care unit, first day from now, days) with the EHR's own."""
    rng = random.Random(seed)
    practice = Practice(emulator)
    now = datetime.now(UTC)
    limits_at = time.time()
    limits_changed = _set_limits(server_url, emulator, limits)
    for _ in range(changes):
        _change(emulator, practice, rng, now)
    # A sync that begins after the changes sees them; one that begins a reference period after the limits
    # changed has read them (it reads them itself, or the last read did, after they changed).
    wait_for_sync(api, max(time.time(), limits_at + REFERENCE_SECONDS if limits_changed else 0.0))

    care_unit, first_day, days = window
    start = (now + timedelta(days=first_day)).replace(microsecond=0)
    end = start + timedelta(days=days)
    response = api.get(
        f"/emrs/cliniko/care-units/{care_unit}/timeslots", params={"start": start.isoformat(), "end": end.isoformat()}
    )
    assert response.status_code == 200, response.text
    assert response.headers["medley-data-source"] == "mirror"
    live_slots = asyncio.run(_live_slots(server_url, care_unit, start, end))
    # A slot a few minutes from now may pass its notice between the two reads: those are left out. Under a
    # cap per segment that lets a later start of its segment in: the segment under way (at most 12 hours,
    # the morning's) is left out then.
    soon = datetime.now(UTC) + IMMINENT + (CURRENT_SEGMENT if limits[0] > 0 else timedelta(0))
    mirrored, live = _after(_slots(response.json()), soon), _after(live_slots, soon)
    event("slots compared: " + ("none" if not live else "under 50" if len(live) < 50 else "50 or more"))
    assert mirrored == live, (
        f"limits {limits}: only in the mirror: {sorted(mirrored - live)[:5]}; "
        f"only in the EHR: {sorted(live - mirrored)[:5]}"
    )


LIMITS = {
    "no limits": st.just(NO_LIMITS),
    # Cliniko offers 1-5 starts per segment or unlimited (0). The seeded practitioners have 1 to 16
    # appointments on a working day, most 2 to 7: these daily limits close some days and leave others open.
    "online-booking limits": st.sampled_from(
        [(cap, daily) for cap in (0, 1, 2, 3, 5) for daily in (0, 2, 5, 7, 10) if (cap, daily) != NO_LIMITS]
    ),
}


@pytest.mark.parametrize("limits_kind", list(LIMITS))
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    changes=st.integers(min_value=0, max_value=6),
    window=st.tuples(
        st.sampled_from(CARE_UNITS), st.integers(min_value=0, max_value=20), st.integers(min_value=1, max_value=21)
    ),
    data=st.data(),
)
def test_mirror_timeslots_equal_the_ehrs_own(
    server_url: str,
    api: httpx.Client,
    emulator: httpx.Client,
    limits_kind: str,
    seed: int,
    changes: int,
    window: tuple[str, int, int],
    data: st.DataObject,
) -> None:
    limits = data.draw(LIMITS[limits_kind], label="limits (per day segment, daily)")
    _mirror_matches_the_ehr(server_url, api, emulator, limits, seed, changes, window)


async def _live_schedule(
    server_url: str, care_unit: str, resource: str, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    connector = build_connector(
        "cliniko",
        {"api_key": DEFAULT_SANDBOX_API_KEY},
        settings=Settings(sandbox=False, upstream_requests_per_minute=0),
        base_url=server_url + "/sandbox/cliniko/v1",
    )
    try:
        blocks = await connector.get_schedule(care_unit, resource, start, end)
    finally:
        await connector.aclose()
    return [(b.start.astimezone(UTC), b.end.astimezone(UTC)) for b in blocks]


def test_mirror_schedules_equal_the_ehrs_working_time(server_url: str, api: httpx.Client) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    end = start + timedelta(days=30)
    compared = 0
    for care_unit in CARE_UNITS:
        for resource in api.get(f"/emrs/cliniko/care-units/{care_unit}/resources").json():
            response = api.get(
                f"/emrs/cliniko/care-units/{care_unit}/resources/{resource['id']}/schedules",
                params={"start": start.isoformat(), "end": end.isoformat()},
            )
            assert response.status_code == 200, response.text
            assert response.headers["medley-data-source"] == "mirror"
            mirrored = [
                (datetime.fromisoformat(b["start"]).astimezone(UTC), datetime.fromisoformat(b["end"]).astimezone(UTC))
                for b in response.json()
            ]
            assert mirrored == asyncio.run(_live_schedule(server_url, care_unit, resource["id"], start, end))
            compared += 1
    assert compared >= 5
