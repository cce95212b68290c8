"""Reads take turns on a process's CPU (``MEDLEY_READ_CONCURRENCY``), but a read waiting for the EHR gives its
place up: with a single place, a slow live read does not hold back a read that needs no EHR at all, nor another
slow read."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from medley.sandbox.cliniko.seed_data import cliniko_id
from tests.support.sandbox_gateway import SANDBOX_HEADERS
from tests.support.server import running_medley

UPSTREAM_SECONDS = 1.5


@pytest.fixture(scope="module")
def one_place(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    data_dir: Path = tmp_path_factory.mktemp("medley-admission")
    env = {
        "MEDLEY_READ_CONCURRENCY": "1",
        "MEDLEY_SYNC_ENABLED": "false",  # every timeslot and patient read goes to the (slow) EHR
        "MEDLEY_SANDBOX_RATE_LIMIT_PER_MINUTE": "0",
        "MEDLEY_SANDBOX_LATENCY_MS": str(int(UPSTREAM_SECONDS * 1000)),
        "MEDLEY_REQUEST_DEADLINE_SECONDS": "60",
    }
    with running_medley("serve", env, data_dir) as base, httpx.Client(
        base_url=base + "/api", headers=SANDBOX_HEADERS, timeout=60.0
    ) as client:
        # Verified once: only known callers' reads take turns (a first login never queues behind reads).
        assert client.get("/emrs").status_code == 200
        yield client


def _timed(client: httpx.Client, path: str, **params: str) -> tuple[int, float]:
    began = time.monotonic()
    response = client.get(path, params=params)
    return response.status_code, time.monotonic() - began


def test_a_read_waiting_for_the_ehr_does_not_hold_the_only_place(one_place: httpx.Client) -> None:
    patients = f"/emrs/cliniko/care-units/{cliniko_id(1001)}/patients"
    with ThreadPoolExecutor(max_workers=2) as pool:
        slow = pool.submit(_timed, one_place, patients, last_name="Nguyen")
        time.sleep(0.3)  # the slow read holds the place, then waits upstream
        quick = pool.submit(_timed, one_place, "/emrs")
        quick_status, quick_seconds = quick.result()
        slow_status, slow_seconds = slow.result()
    assert (slow_status, quick_status) == (200, 200)
    assert slow_seconds >= UPSTREAM_SECONDS
    assert quick_seconds < UPSTREAM_SECONDS / 2, "the read that needs no EHR waited for the slow one"


def test_slow_reads_wait_upstream_side_by_side(one_place: httpx.Client) -> None:
    patients = f"/emrs/cliniko/care-units/{cliniko_id(1001)}/patients"
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: _timed(one_place, patients, last_name="Nguyen"), range(3)))
    assert {status for status, _ in results} == {200}
    # One place, three reads: had each held it across its upstream wait, the last would take three waits.
    assert max(seconds for _, seconds in results) < 2.5 * UPSTREAM_SECONDS
