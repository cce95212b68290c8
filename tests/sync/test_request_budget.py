"""The EHR's request budget as a client meets it: a read too costly for what is left is refused up front,
and writes keep their reserved share whatever reads do."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from medley.sandbox.cliniko.seed_data import cliniko_id
from tests.support.server import running_medley
from tests.sync.conftest import SANDBOX_HEADERS


@pytest.fixture(scope="module")
def tight_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """The sandbox at 40 requests a minute, and no mirror (every read goes live)."""
    data_dir: Path = tmp_path_factory.mktemp("medley-budget")
    env = {"MEDLEY_SANDBOX_RATE_LIMIT_PER_MINUTE": "40", "MEDLEY_SYNC_ENABLED": "false"}
    with (
        running_medley("serve", env, data_dir) as base,
        httpx.Client(
            base_url=base + f"/api/emrs/cliniko/care-units/{cliniko_id(1001)}", headers=SANDBOX_HEADERS, timeout=30.0
        ) as client,
    ):
        yield client


def test_a_read_costlier_than_the_budget_left_is_refused_before_it_starts(tight_api: httpx.Client) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    costly = tight_api.get(
        "/timeslots", params={"start": start.isoformat(), "end": (start + timedelta(days=56)).isoformat()}
    )
    assert costly.status_code == 429, costly.text
    problem = costly.json()
    assert problem["code"] == "RATE_LIMITED"
    assert "narrow it" in problem["detail"]
    assert int(costly.headers["Retry-After"]) >= 1

    # Nothing was spent on it: writes still have their share, and so do narrow reads.
    patient = tight_api.post(
        "/patients",
        json={"first_name": "Budget", "last_name": f"Test-{uuid.uuid4().hex[:8]}", "birth_date": "1990-02-03"},
    )
    assert patient.status_code in (200, 201), patient.text
    narrow = tight_api.get(
        "/timeslots",
        params={
            "start": start.isoformat(),
            "end": (start + timedelta(days=3)).isoformat(),
            "resource_id": str(cliniko_id(2001)),
            "healthcare_service_id": str(cliniko_id(3002)),
        },
    )
    assert narrow.status_code == 200, narrow.text
    assert narrow.headers["medley-data-source"] == "live"


@pytest.fixture(scope="module")
def slow_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A slow EHR (0.5 s a call), one upstream connection per process, and a 2-second request deadline."""
    data_dir: Path = tmp_path_factory.mktemp("medley-deadline")
    env = {
        "MEDLEY_SANDBOX_RATE_LIMIT_PER_MINUTE": "0",
        "MEDLEY_SANDBOX_LATENCY_MS": "500",
        "MEDLEY_UPSTREAM_CONCURRENCY": "1",
        "MEDLEY_REQUEST_DEADLINE_SECONDS": "2",
        "MEDLEY_SYNC_INTERVAL_SECONDS": "60",
    }
    with (
        running_medley("serve", env, data_dir) as base,
        httpx.Client(
            base_url=base + f"/api/emrs/cliniko/care-units/{cliniko_id(1001)}", headers=SANDBOX_HEADERS, timeout=30.0
        ) as client,
    ):
        # Watched through /metrics: a timeslot read would itself go live and hold the one connection.
        deadline = time.monotonic() + 120
        # Every mirror (the sandbox application has a Cliniko and an Acuity connection), not just the first.
        while not _all_mirrors_live(httpx.get(base + "/metrics").text):
            assert time.monotonic() < deadline, "the mirror did not become live"
            time.sleep(0.5)
        yield client


def _all_mirrors_live(metrics: str) -> bool:
    states = re.findall(r"^medley_mirror_live\{[^}]*\} ([01])\.0$", metrics, re.MULTILINE)
    return bool(states) and set(states) == {"1"}


def test_no_request_waits_past_its_deadline_whatever_is_queued_before_it(slow_api: httpx.Client) -> None:
    patients = [p["id"] for p in slow_api.get("/patients", params={"last_name": "Nguyen"}).json()][:1] or [
        str(cliniko_id(5001))
    ]

    def read(_: int) -> tuple[int, float]:
        began = time.monotonic()
        response = slow_api.get(f"/patients/{patients[0]}")
        return response.status_code, time.monotonic() - began

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(read, range(8)))
    statuses = {status for status, _ in results}
    assert statuses <= {200, 504}, results
    assert 504 in statuses, "eight 0.5 s calls through one connection cannot all fit in 2 s"
    # The deadline bounds waiting for the budget and for a connection; what remains is the event loop's own
    # latency, which a parallel suite on 2 cores stretches (nowhere near the 4 s the queue alone would take).
    assert max(elapsed for _, elapsed in results) < 2.0 + 2.5, results
