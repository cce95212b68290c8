"""A real ``medley serve`` whose mirror syncs every half second, and direct access to its Cliniko emulator."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from medley.config import DEFAULT_SANDBOX_API_KEY, DEFAULT_SANDBOX_CLIENT_ID, DEFAULT_SANDBOX_CLIENT_SECRET
from medley.sandbox.cliniko.seed_data import cliniko_id
from tests.support.postgres import store_env
from tests.support.server import running_medley

SANDBOX_HEADERS = {
    "x-leyr-client-id": DEFAULT_SANDBOX_CLIENT_ID,
    "x-leyr-client-secret": DEFAULT_SANDBOX_CLIENT_SECRET,
}
SYNC_INTERVAL = 0.5
STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def sync_env(interval: float = SYNC_INTERVAL) -> dict[str, str]:
    return {
        "MEDLEY_SANDBOX_RATE_LIMIT_PER_MINUTE": "0",
        "MEDLEY_SYNC_INTERVAL_SECONDS": str(interval),
        "MEDLEY_SYNC_LEASE_SECONDS": "3",
        "MEDLEY_MIRROR_MAX_STALENESS_SECONDS": "30",
    }


@contextmanager
def synced_medley(store: str, data_dir: Path, extra_env: Mapping[str, str] | None = None) -> Iterator[str]:
    """A ``medley serve`` on ``store`` with the sync settings above (and ``extra_env``), once its mirror is live."""
    with ExitStack() as stack:
        env = {**store_env(store, stack, "medley_sync"), **sync_env(), **(extra_env or {})}
        base = stack.enter_context(running_medley("serve", env, data_dir))
        with httpx.Client(base_url=base + "/api", headers=SANDBOX_HEADERS, timeout=30.0) as api:
            wait_for_mirror(api)
        yield base


@pytest.fixture(scope="module", params=STORES)
def server_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with synced_medley(request.param, tmp_path_factory.mktemp("medley-sync")) as base:
        yield base


@pytest.fixture
def api(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url + "/api", headers=SANDBOX_HEADERS, timeout=30.0) as client:
        yield client


@pytest.fixture
def emulator(server_url: str) -> Iterator[httpx.Client]:
    """The Cliniko emulator's own API, as an integrator (or the clinic's front desk) would use it."""
    with httpx.Client(
        base_url=server_url + "/sandbox/cliniko/v1", auth=(DEFAULT_SANDBOX_API_KEY, ""), timeout=30.0
    ) as client:
        yield client


def timeslots_source(api: httpx.Client, care_unit: str = str(cliniko_id(1001))) -> tuple[str, int]:
    response = api.get(f"/emrs/cliniko/care-units/{care_unit}/timeslots")
    assert response.status_code == 200, response.text
    return response.headers["medley-data-source"], int(response.headers["medley-data-age"])


def wait_for_mirror(api: httpx.Client, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if timeslots_source(api)[0] == "mirror":
            return
        time.sleep(0.2)
    raise TimeoutError("the mirror did not become live")


def wait_for_sync(api: httpx.Client, since: float, timeout: float = 15.0) -> None:
    """Until a sync that began after ``since`` (time.time()) has completed: the data's age says when."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        source, age = timeslots_source(api)
        # The age is rounded up to whole seconds: wait a whole second past ``since`` and an interval more.
        if source == "mirror" and time.time() - age > since + SYNC_INTERVAL and time.time() > since + 1.5:
            return
        time.sleep(0.1)
    raise TimeoutError("the mirror did not sync in time")
