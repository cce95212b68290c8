"""DESIGN §5 over real processes: two gateway replicas sharing one PostgreSQL store and one Redis keep one
memory of the EHR's free time, so a booking through either replica is gone from both at once, even though
each remembers availability for a minute.

Real ``medley serve`` processes, a real emulator behind a counting proxy, a real ``redis-server``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integrity.fault_proxy import FaultProxy, running_proxy
from tests.integrity.practice import SEARCH_WINDOW, booking_body, care_unit, create_patient
from tests.integrity.stack import (
    Application,
    Emulator,
    create_application,
    emulator_key,
    gateway_env,
    running_emulator,
    running_gateway,
)
from tests.support.postgres import admin_url, scratch_database
from tests.support.redis import running_redis

pytestmark = pytest.mark.postgres

Json = Any
# Long enough that only the shared forgetting, never expiry, can explain a replica seeing the booking.
CACHE_SECONDS = "60"


@dataclass(frozen=True)
class Replicas:
    replica_a: str
    replica_b: str
    app: Application
    proxy: FaultProxy


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    if admin_url() is None:
        pytest.skip("MEDLEY_TEST_POSTGRES_URL is not set")
    root: Path = tmp_path_factory.mktemp("shared-cache")
    for name in ("emulator", "gateway-a", "gateway-b"):
        (root / name).mkdir()
    with ExitStack() as stack:
        redis_url = stack.enter_context(running_redis())
        store_url = stack.enter_context(scratch_database("medley_shared_cache"))
        emulator = stack.enter_context(running_emulator(root / "emulator", api_key=emulator_key("cache")))
        proxy = stack.enter_context(running_proxy(emulator.url))
        env = gateway_env(store_url, MEDLEY_REDIS_URL=redis_url, MEDLEY_TIMESLOT_CACHE_SECONDS=CACHE_SECONDS)
        app = create_application(
            root / "gateway-a", env, "clinic-shared-cache", Emulator(proxy.url, emulator.api_key, emulator.data_dir)
        )
        replica_a, replica_b = (
            stack.enter_context(running_gateway(root / name, env, log_path=root / f"{name}.log"))
            for name in ("gateway-a", "gateway-b")
        )
        yield Replicas(replica_a, replica_b, app, proxy)


def availability_calls(proxy: FaultProxy) -> list[str]:
    return [path for method, path in proxy.seen if method == "GET" and path.endswith("/available_times")]


def slots(api: httpx.Client, unit: str, window: dict[str, str]) -> list[dict[str, Json]]:
    response = api.get(f"/emrs/cliniko/care-units/{unit}/timeslots", params=window)
    assert response.status_code == 200, response.text
    return list(response.json())


def same_slot(a: dict[str, Json], b: dict[str, Json]) -> bool:
    return bool(
        a["resource_id"] == b["resource_id"]
        and datetime.fromisoformat(a["start"]) == datetime.fromisoformat(b["start"])
    )


def test_a_slot_booked_through_one_replica_is_gone_from_the_other_at_once(replicas: Replicas) -> None:
    now = datetime.now(UTC)
    window = {"start": now.isoformat(), "end": (now + SEARCH_WINDOW).isoformat()}
    with replicas.app.client(replicas.replica_a) as api_a, replicas.app.client(replicas.replica_b) as api_b:
        unit = care_unit(api_a)
        patient = create_patient(api_a, unit)["id"]

        seen_by_b = slots(api_b, unit, window)  # replica B asks the EHR, and Redis remembers
        slot = seen_by_b[0]
        asked = len(availability_calls(replicas.proxy))
        assert slots(api_a, unit, window) == seen_by_b  # replica A reuses B's answers...
        assert slots(api_b, unit, window) == seen_by_b
        assert len(availability_calls(replicas.proxy)) == asked  # ...without asking the EHR again

        booked = api_a.post(f"/emrs/cliniko/care-units/{unit}/appointments", json=booking_body(slot, patient))
        assert booked.status_code == 201, booked.text

        before = len(availability_calls(replicas.proxy))
        seen_after = slots(api_b, unit, window)
        assert not any(same_slot(s, slot) for s in seen_after), "replica B still offers the booked slot"
        asked_again = availability_calls(replicas.proxy)[before:]
        assert asked_again, "replica B must ask the EHR again for the practitioner just booked"
        # Only the booked practitioner was forgotten; everyone else is still remembered.
        assert all(f"/practitioners/{slot['resource_id']}/" in path for path in asked_again)
