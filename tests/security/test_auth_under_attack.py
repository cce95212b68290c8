"""Authentication under attack, over real HTTP: random client ids cost no slow hash, failures are limited
per source address whatever the id, slow hashes beyond a small number are refused at once rather than
queued, and a real application's first login answers quickly during a flood.

The gateway trusts X-Forwarded-For from 127.0.0.1 here, so one test process can speak as many addresses.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from medley.config import DEFAULT_SANDBOX_CLIENT_ID
from medley.store.applications import create_application
from medley.store.database import Store
from tests.security.conftest import Gateway, gateway_running

ADDRESS_FAILURES = 5
ATTACK_ENV = {
    "MEDLEY_TRUSTED_PROXIES": "127.0.0.1",
    "MEDLEY_AUTH_ADDRESS_FAILURES_PER_MINUTE": str(ADDRESS_FAILURES),
    "MEDLEY_AUTH_MAX_CONCURRENT_HASHES": "1",
}
FIRST_LOGIN_BUDGET_SECONDS = 2.0
# On a machine so loaded that one slow hash alone takes a large part of the budget, the budget grows with it:
# the login must still cost about one hash, never a queue of the flood's.
QUIET_LOGINS_PER_BUDGET = 3
FLOOD_WORKERS = 100
FLOOD_ANSWERS_BEFORE_LOGIN = 150


@pytest.fixture(scope="module")
def attacked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with gateway_running(tmp_path_factory.mktemp("medley-attacked"), ATTACK_ENV) as running:
        yield running


def _random_address() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def _headers(client_id: str, secret: str, address: str) -> dict[str, str]:
    return {"x-leyr-client-id": client_id, "x-leyr-client-secret": secret, "x-forwarded-for": address}


async def _new_application(gateway: Gateway) -> tuple[str, str]:
    """A real application, made in the running gateway's store as `medley apps create` makes it: the gateway
    has never verified its secret, so its first request pays the slow hash."""
    store = Store.from_url(gateway.store_url)
    try:
        application, secret = await create_application(store, f"Clinic {secrets.token_hex(4)}")
        return application.client_id, secret
    finally:
        await store.close()


async def _first_login_during_a_flood(gateway: Gateway, client_id: str, secret: str) -> tuple[float, int, Counter[int]]:
    stop = asyncio.Event()
    flood_answers: Counter[int] = Counter()
    enough = asyncio.Event()

    async def flood(client: httpx.AsyncClient) -> None:
        while not stop.is_set():
            headers = _headers(f"app_{secrets.token_hex(10)}", secrets.token_urlsafe(32), _random_address())
            try:
                response = await client.get("/api/emrs", headers=headers)
            except httpx.TransportError:
                # An idle keep-alive connection closed by the server as the next request went out: not an answer.
                continue
            flood_answers[response.status_code] += 1
            if sum(flood_answers.values()) >= FLOOD_ANSWERS_BEFORE_LOGIN:
                enough.set()

    limits = httpx.Limits(max_connections=FLOOD_WORKERS)
    async with (
        httpx.AsyncClient(base_url=gateway.url, limits=limits, timeout=120.0) as attacker,
        httpx.AsyncClient(base_url=gateway.url, timeout=120.0) as clinic,
    ):
        workers = [asyncio.create_task(flood(attacker)) for _ in range(FLOOD_WORKERS)]
        try:
            await asyncio.wait_for(enough.wait(), timeout=300)
            started = time.perf_counter()
            login = await clinic.get("/api/emrs", headers=_headers(client_id, secret, "192.0.2.10"))
            elapsed = time.perf_counter() - started
        finally:
            stop.set()
            await asyncio.gather(*workers)
    return elapsed, login.status_code, flood_answers


def _quiet_first_login(gateway: Gateway) -> float:
    client_id, secret = asyncio.run(_new_application(gateway))
    started = time.perf_counter()
    response = httpx.get(gateway.url + "/api/emrs", headers=_headers(client_id, secret, "192.0.2.11"), timeout=60)
    assert response.status_code == 200, response.text
    return time.perf_counter() - started


def test_a_first_login_answers_quickly_during_a_flood_of_random_client_ids(attacked: Gateway) -> None:
    quiet = _quiet_first_login(attacked)
    budget = max(FIRST_LOGIN_BUDGET_SECONDS, QUIET_LOGINS_PER_BUDGET * quiet)
    client_id, secret = asyncio.run(_new_application(attacked))
    elapsed, status, flood_answers = asyncio.run(_first_login_during_a_flood(attacked, client_id, secret))
    assert status == 200
    assert elapsed < budget, f"the first login took {elapsed:.2f}s during the flood ({quiet:.2f}s without)"
    # Every random id was simply unknown: no throttle was needed (the addresses were all different), nothing failed.
    assert set(flood_answers) == {401}, flood_answers


def test_failures_are_limited_per_address_whatever_the_client_id(attacked: Gateway) -> None:
    address = _random_address()
    with httpx.Client(base_url=attacked.url, timeout=60.0) as client:
        answers = [
            client.get("/api/emrs", headers=_headers(f"app_{secrets.token_hex(10)}", "a-guess", address))
            for _ in range(ADDRESS_FAILURES + 1)
        ]
        elsewhere = client.get("/api/emrs", headers=_headers(f"app_{secrets.token_hex(10)}", "a-guess", "192.0.2.99"))
    assert [a.status_code for a in answers] == [401] * ADDRESS_FAILURES + [429]
    limited = answers[-1]
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert limited.json()["code"] == "RATE_LIMITED"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert elsewhere.status_code == 401


async def _wrong_secrets_at_once(gateway: Gateway, count: int) -> list[tuple[httpx.Response, float]]:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=120.0) as client:

        async def one() -> tuple[httpx.Response, float]:
            started = time.perf_counter()
            headers = _headers(DEFAULT_SANDBOX_CLIENT_ID, secrets.token_urlsafe(24), _random_address())
            response = await client.get("/api/emrs", headers=headers)
            return response, time.perf_counter() - started

        return await asyncio.gather(*(one() for _ in range(count)))


def test_slow_hashes_beyond_a_small_number_are_refused_at_once(attacked: Gateway) -> None:
    # A known (public) client id with wrong secrets from many addresses: each would cost a slow hash.
    answers = asyncio.run(_wrong_secrets_at_once(attacked, 24))
    statuses = Counter(response.status_code for response, _ in answers)
    assert set(statuses) <= {401, 503}, statuses
    assert statuses[503] >= 1, statuses
    for response, elapsed in answers:
        if response.status_code == 503:
            assert response.headers["content-type"].startswith("application/problem+json")
            problem = response.json()
            assert problem["code"] == "SERVICE_UNAVAILABLE"
            assert [e["error_code"] for e in problem["errors"]] == ["AUTHENTICATION_BUSY"]
            assert int(response.headers["retry-after"]) >= 1
            assert elapsed < FIRST_LOGIN_BUDGET_SECONDS, "a refusal must not wait in line"
