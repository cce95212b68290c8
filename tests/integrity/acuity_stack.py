"""An Acuity deployment for the integrity tests: one ``medley sandbox acuity`` process (the "real Acuity"),
and gateway replicas on one store, serving an application whose live Acuity connection reaches it.

The emulator's own request limit is off: these tests are about who gets a slot, not about Acuity's 10 per
second (each replica still keeps its own client-side budget of 10 per second, as against real Acuity).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.integrity.deployment import AppCredentials, create_app, gateway_env, medley_cli, running_gateway
from tests.support.server import running_medley

Json = Any
USER_ID = "31415926"
API_KEY = "integrity-acuity-key-7d1f0c9e5b3a"
EMULATOR_ENV = {
    "MEDLEY_SANDBOX_ACUITY_USER_ID": USER_ID,
    "MEDLEY_SANDBOX_ACUITY_API_KEY": API_KEY,
    "MEDLEY_SANDBOX_ACUITY_RATE_LIMIT_PER_SECOND": "0",
    "MEDLEY_SANDBOX_ACUITY_MAX_CONCURRENT": "0",
    "MEDLEY_LOG_LEVEL": "warning",
}


@dataclass(frozen=True)
class AcuityStack:
    gateways: list[str]
    app: AppCredentials
    emulator_url: str  # where /api/v1 lives

    def acuity(self) -> httpx.Client:
        """Acuity itself (the emulator), never through Medley."""
        return httpx.Client(base_url=self.emulator_url + "/api/v1", auth=(USER_ID, API_KEY), timeout=30.0)

    def api(self, index: int = 0) -> httpx.Client:
        """The application's client of gateway ``index``, rooted at ``/api``."""
        return self.app.client(self.gateways[index % len(self.gateways)], timeout=60.0)


@contextmanager
def running_acuity_stack(root: Path, *, replicas: int, store_url: str | None = None) -> Iterator[AcuityStack]:
    (root / "acuity").mkdir(parents=True)
    data_dir = root / "gateway"
    data_dir.mkdir()
    settings = gateway_env(store_url)
    with ExitStack() as stack:
        emulator = stack.enter_context(running_medley("sandbox acuity", EMULATOR_ENV, root / "acuity"))
        app = create_app(settings, data_dir, f"acuity-{root.name}")
        medley_cli(
            ["connections", "add", "--app", app.client_id, "--emr", "acuity", "--user-id", USER_ID,
             "--base-url", emulator + "/api/v1"],
            {**settings, "MEDLEY_CLIENT_SECRET": app.client_secret, "MEDLEY_EMR_API_KEY": API_KEY},
            data_dir,
        )
        gateways = [
            stack.enter_context(running_gateway(data_dir, settings, log_path=root / f"gateway-{n}.log"))
            for n in range(replicas)
        ]
        yield AcuityStack(gateways, app, emulator)


def race(stack: AcuityStack, method: str, path: str, bodies: list[dict[str, Json]]) -> list[httpx.Response]:
    """Send every body at the same moment, spread round-robin over the replicas."""
    barrier = threading.Barrier(len(bodies))

    def send(index: int) -> httpx.Response:
        with stack.api(index) as api:
            api.get("/emrs")  # warm the connection and the auth cache before the start line
            barrier.wait()
            return api.request(method, path, json=bodies[index])

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(send, range(len(bodies))))


def first_offered(acuity: httpx.Client, type_id: int, calendar_id: int, *, seats: int = 1) -> tuple[datetime, int]:
    """The first start from three days on that Acuity offers with at least ``seats`` places left, and how many
    places it has left."""
    first = date.today() + timedelta(days=3)
    for day in (first + timedelta(days=n) for n in range(28)):
        answer = acuity.get(
            "/availability/times",
            params={"date": day.isoformat(), "appointmentTypeID": type_id, "calendarID": calendar_id},
        )
        assert answer.status_code == 200, answer.text
        for slot in answer.json():
            left = int(slot.get("slotsAvailable", 1))
            if left >= seats:
                return datetime.strptime(slot["time"], "%Y-%m-%dT%H:%M:%S%z"), left
    raise AssertionError(f"Acuity offers no time with {seats} places in four weeks")


def booked_at(acuity: httpx.Client, type_id: int, calendar_id: int, start: datetime) -> list[dict[str, Json]]:
    """Acuity's own appointments of this type and calendar starting at ``start`` (cancelled ones left out)."""
    day = start.date().isoformat()
    answer = acuity.get(
        "/appointments",
        params={"minDate": day, "maxDate": day, "calendarID": calendar_id, "appointmentTypeID": type_id, "max": 500},
    )
    assert answer.status_code == 200, answer.text
    return [
        a for a in answer.json()
        if datetime.strptime(a["datetime"], "%Y-%m-%dT%H:%M:%S%z") == start and not a.get("canceled")
    ]
