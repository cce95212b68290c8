"""DESIGN §5 over real processes: two gateway replicas sharing one PostgreSQL store and one Redis answer
timeslot reads from one shared scheduling mirror, so a booking through either replica is gone from both at
once, and reads cost the EHR nothing (only the booking's own live re-check asks it).

Real ``medley serve`` processes, a real emulator behind the counting relay, a real ``redis-server``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.integrity.practice import SEARCH_WINDOW, booking_body, care_unit, create_patient
from tests.integrity.relay import FaultRelay
from tests.integrity.replicas import Stack, running_stack
from tests.support.postgres import admin_url, scratch_database
from tests.support.redis import running_redis

pytestmark = pytest.mark.postgres

Json = Any
# Long enough that only the shared forgetting, never expiry, can explain a replica seeing the booking.
CACHE_SECONDS = "60"


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if admin_url() is None:
        pytest.skip("MEDLEY_TEST_POSTGRES_URL is not set")
    with ExitStack() as resources:
        redis_url = resources.enter_context(running_redis())
        store_url = resources.enter_context(scratch_database("medley_shared_cache"))
        # No drift samples: every availability call the relay counts is then the booking's own.
        env = {
            "MEDLEY_REDIS_URL": redis_url,
            "MEDLEY_TIMESLOT_CACHE_SECONDS": CACHE_SECONDS,
            "MEDLEY_SYNC_SAMPLE_SECONDS": "0",
        }
        root = tmp_path_factory.mktemp("shared-cache")
        yield resources.enter_context(running_stack(root, replicas=2, store_url=store_url, env=env))


def availability_calls(relay: FaultRelay) -> list[str]:
    return relay.paths("GET", r"/available_times$")


def slots(api: httpx.Client, unit: str, window: dict[str, str]) -> list[dict[str, Json]]:
    response = api.get(f"/emrs/cliniko/care-units/{unit}/timeslots", params=window)
    assert response.status_code == 200, response.text
    return list(response.json())


def same_slot(a: dict[str, Json], b: dict[str, Json]) -> bool:
    return bool(
        a["resource_id"] == b["resource_id"]
        and datetime.fromisoformat(a["start"]) == datetime.fromisoformat(b["start"])
    )


def wait_for_mirror(api: httpx.Client, unit: str, window: dict[str, str]) -> None:
    deadline = time.monotonic() + 90
    while True:
        response = api.get(f"/emrs/cliniko/care-units/{unit}/timeslots", params=window)
        if response.headers.get("medley-data-source") == "mirror":
            return
        assert time.monotonic() < deadline, "the mirror did not become live"
        time.sleep(0.5)


def test_a_slot_booked_through_one_replica_is_gone_from_the_other_at_once(replicas: Stack) -> None:
    now = datetime.now(UTC)
    window = {"start": now.isoformat(), "end": (now + SEARCH_WINDOW).isoformat()}
    replica_a, replica_b = replicas.gateways
    with replicas.app.client(replica_a) as api_a, replicas.app.client(replica_b) as api_b:
        unit = care_unit(api_a)
        patient = create_patient(api_a, unit)["id"]
        wait_for_mirror(api_b, unit, window)

        asked = len(availability_calls(replicas.relay))
        seen_by_b = slots(api_b, unit, window)
        slot = seen_by_b[0]
        assert slots(api_a, unit, window) == seen_by_b  # one mirror for both replicas
        assert len(availability_calls(replicas.relay)) == asked, "reads from the mirror cost the EHR nothing"

        booked = api_a.post(f"/emrs/cliniko/care-units/{unit}/appointments", json=booking_body(slot, patient))
        assert booked.status_code == 201, booked.text

        seen_after = slots(api_b, unit, window)
        assert not any(same_slot(s, slot) for s in seen_after), "replica B still offers the booked slot"
        asked_again = availability_calls(replicas.relay)[asked:]
        # The booking re-checked its slot live; nothing else asked the EHR for free time.
        assert asked_again, "the booking must re-check its slot with the EHR"
        assert all(f"/practitioners/{slot['resource_id']}/" in path for path in asked_again)
