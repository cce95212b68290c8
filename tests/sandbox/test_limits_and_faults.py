"""The request budget (429 with ``X-RateLimit-Reset``) and injected faults, latency included."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from medley.config import Settings
from medley.sandbox.cliniko.server import build_sandbox
from medley.sandbox.faults import DroppedConnection
from tests.sandbox.conftest import SandboxFactory
from tests.sandbox.emulator import MutableClock, client_for


async def test_the_rate_limit_answers_429_with_the_reset_time(make_sandbox: SandboxFactory) -> None:
    clock = MutableClock(datetime(2026, 11, 24, 9, 0, 10, tzinfo=UTC))
    window_end = int(datetime(2026, 11, 24, 9, 1, tzinfo=UTC).timestamp())
    async with make_sandbox(rate_limit_per_minute=3, clock=clock) as sandbox, client_for(sandbox) as client:
        for remaining in (2, 1, 0):
            response = await client.get("/user")
            assert response.status_code == 200
            assert response.headers["x-ratelimit-limit"] == "3"
            assert response.headers["x-ratelimit-remaining"] == str(remaining)
            assert response.headers["x-ratelimit-reset"] == str(window_end)
        limited = await client.get("/patients")
        assert limited.status_code == 429
        assert limited.json() == {"message": "Too Many Requests"}
        assert limited.headers["x-ratelimit-reset"] == str(window_end)
        assert limited.headers["retry-after"] == "50"
        async with client_for(sandbox, auth=("wrong-key", "")) as stranger:
            assert (await stranger.get("/user")).status_code == 401, "auth is checked before the budget"
        clock.advance(timedelta(seconds=50))
        assert (await client.get("/user")).status_code == 200


@pytest.mark.parametrize(
    ("fault", "status", "content_type"),
    [
        ("503", 503, "text/html"),
        ("502", 502, "text/html"),
        ("500", 500, "application/json"),
        ("429", 429, "application/json"),
    ],
)
async def test_a_fault_header_makes_the_request_fail(
    client: httpx.AsyncClient, fault: str, status: int, content_type: str
) -> None:
    response = await client.get("/user", headers={"X-Medley-Fault": fault})
    assert response.status_code == status
    assert response.headers["content-type"].startswith(content_type)
    if status == 429:
        assert int(response.headers["x-ratelimit-reset"]) > time.time()
        assert int(response.headers["retry-after"]) >= 1
    assert (await client.get("/user")).status_code == 200


async def test_a_dropped_connection_reaches_the_client_as_a_protocol_error(client: httpx.AsyncClient) -> None:
    with pytest.raises(httpx.RemoteProtocolError) as caught:
        await client.get("/user", headers={"X-Medley-Fault": "drop"})
    assert isinstance(caught.value, DroppedConnection)


async def test_drop_after_carries_out_the_write_then_loses_the_answer(client: httpx.AsyncClient) -> None:
    marker = {"first_name": "Dropped", "last_name": f"Answer {random.randrange(10**9)}"}
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/patients", json=marker, headers={"X-Medley-Fault": "drop-after"})
    found = await client.get("/patients", params={"q[]": f"last_name:={marker['last_name']}"})
    assert found.json()["total_entries"] == 1, "the write happened although its answer was lost"


async def test_a_429_fault_can_set_when_the_limit_lifts(client: httpx.AsyncClient) -> None:
    before = time.time()
    response = await client.get("/user", headers={"X-Medley-Fault": "429=2s"})
    assert response.status_code == 429
    assert before + 2 <= int(response.headers["x-ratelimit-reset"]) <= before + 4
    assert 1 <= int(response.headers["retry-after"]) <= 3


async def test_a_hang_outlasts_the_client_then_answers_504(client: httpx.AsyncClient) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.get("/user", headers={"X-Medley-Fault": "timeout"}), timeout=0.2)
    started = time.perf_counter()
    response = await client.get("/user", headers={"X-Medley-Fault": "timeout=150ms"})
    assert time.perf_counter() - started >= 0.15
    assert response.status_code == 504


async def test_latency_is_added_before_the_answer(make_sandbox: SandboxFactory) -> None:
    async with make_sandbox(latency_ms=60) as sandbox, client_for(sandbox) as client:
        started = time.perf_counter()
        assert (await client.get("/user", headers={"X-Medley-Fault": "latency=40ms"})).status_code == 200
        assert time.perf_counter() - started >= 0.1


async def test_faults_never_apply_before_authentication(
    client: httpx.AsyncClient, make_sandbox: SandboxFactory
) -> None:
    async with make_sandbox(faults="503") as sandbox:
        async with client_for(sandbox, auth=("wrong", "")) as stranger:
            assert (await stranger.get("/user", headers={"X-Medley-Fault": "503"})).status_code == 401
        async with client_for(sandbox) as http:
            assert (await http.get("/user")).status_code == 503
            assert (await http.get("/user", headers={"X-Medley-Fault": "none"})).status_code == 200


async def test_configured_faults_fire_at_their_probability(make_sandbox: SandboxFactory) -> None:
    async with make_sandbox(faults="503:0.3", rng=random.Random(7)) as sandbox, client_for(sandbox) as client:
        statuses = [(await client.get("/settings/public")).status_code for _ in range(200)]
    assert set(statuses) == {200, 503}
    assert 35 <= statuses.count(503) <= 85


async def test_a_bad_fault_header_is_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/user", headers={"X-Medley-Fault": "teapot"})
    assert response.status_code == 400
    assert response.json()["message"].startswith("Invalid X-Medley-Fault header:")


def test_bad_configured_faults_fail_at_start_up() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        build_sandbox(Settings(sandbox_faults="503:0.1,flood:0.2", sandbox_database_url="sqlite+aiosqlite://"))
