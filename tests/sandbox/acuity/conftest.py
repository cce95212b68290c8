"""Fixtures for driving the Acuity emulator over HTTP, on SQLite and (when configured) PostgreSQL.

The emulator's calendar is pinned (`NOW`, a Wednesday morning in Chicago), so the seeded practice and
every availability answer are the same whatever day the tests run. The practice is seeded once per
store and session; each test gets its own copy (see `tests.sandbox.conftest.SeededTemplate`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from medley.config import DEFAULT_SANDBOX_ACUITY_API_KEY, DEFAULT_SANDBOX_ACUITY_USER_ID
from medley.sandbox.acuity.server import AcuitySandbox
from tests.sandbox.conftest import STORES, SeededTemplate, emulator_factory, seeded_store, start_and_stop

USER_ID = DEFAULT_SANDBOX_ACUITY_USER_ID
API_KEY = DEFAULT_SANDBOX_ACUITY_API_KEY
BASE_URL = "http://acuity.test/api/v1"
NOW = datetime(2027, 2, 3, 15, 0, tzinfo=UTC)
"""Wednesday 3 February 2027, 09:00 in Chicago: the practice's "now" in every test."""


def pinned_clock() -> datetime:
    return NOW


@pytest.fixture(scope="session", params=STORES)
def acuity_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SeededTemplate]:
    yield from seeded_store(
        request.param,
        tmp_path_factory,
        lambda url: start_and_stop(
            AcuitySandbox(database_url=url, user_id=USER_ID, api_key=API_KEY, clock=pinned_clock)
        ),
        name="acuity",
    )


AcuityFactory = Callable[..., AbstractAsyncContextManager[AcuitySandbox]]


@pytest.fixture
def make_acuity(acuity_template: SeededTemplate, tmp_path: Path) -> AcuityFactory:
    """Builds a started emulator on a fresh copy of the seeded practice, with any constructor options."""

    def build(url: str, **options: Any) -> AcuitySandbox:
        options.setdefault("rate_limit_per_second", 0)
        options.setdefault("clock", pinned_clock)
        return AcuitySandbox(database_url=url, user_id=USER_ID, api_key=API_KEY, **options)

    return emulator_factory(acuity_template, tmp_path, build)


def client_for(sandbox: AcuitySandbox, *, auth: tuple[str, str] | None = (USER_ID, API_KEY)) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app), base_url=BASE_URL, auth=auth, timeout=30)


@pytest.fixture
async def acuity(make_acuity: AcuityFactory) -> AsyncIterator[AcuitySandbox]:
    async with make_acuity() as started:
        yield started


@pytest.fixture
async def api(acuity: AcuitySandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(acuity) as http:
        yield http
