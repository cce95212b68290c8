"""Fixtures for driving the Acuity emulator over HTTP, on SQLite and (when configured) PostgreSQL.

The emulator's calendar is pinned (`NOW`, a Wednesday morning in Chicago), so the seeded practice and
every availability answer are the same whatever day the tests run. The practice is seeded once per
store and session; each test gets its own copy (see `tests.sandbox.conftest.SeededTemplate`).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from medley.config import DEFAULT_SANDBOX_ACUITY_API_KEY, DEFAULT_SANDBOX_ACUITY_USER_ID
from medley.sandbox.acuity.server import AcuitySandbox
from tests.sandbox.conftest import POSTGRES_ENV, STORES, SeededTemplate
from tests.support.postgres import execute_admin

USER_ID = DEFAULT_SANDBOX_ACUITY_USER_ID
API_KEY = DEFAULT_SANDBOX_ACUITY_API_KEY
BASE_URL = "http://acuity.test/api/v1"
NOW = datetime(2027, 2, 3, 15, 0, tzinfo=UTC)
"""Wednesday 3 February 2027, 09:00 in Chicago: the practice's "now" in every test."""


def pinned_clock() -> datetime:
    return NOW


async def _seed(url: str) -> None:
    sandbox = AcuitySandbox(database_url=url, user_id=USER_ID, api_key=API_KEY, clock=pinned_clock)
    await sandbox.start()
    await sandbox.stop()


@pytest.fixture(scope="session", params=STORES)
def acuity_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SeededTemplate]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("acuity-template") / "seeded.db"
        asyncio.run(_seed(f"sqlite+aiosqlite:///{path}"))
        yield SeededTemplate("sqlite", sqlite_file=path)
        return
    admin = os.environ.get(POSTGRES_ENV)
    if not admin:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    template = f"medley_acuity_test_{uuid.uuid4().hex[:8]}"
    asyncio.run(execute_admin(admin, f'CREATE DATABASE "{template}"'))
    try:
        url = make_url(admin).set(drivername="postgresql+asyncpg", database=template)
        asyncio.run(_seed(url.render_as_string(hide_password=False)))
        yield SeededTemplate("postgres", pg_admin=admin, pg_template=template)
    finally:
        asyncio.run(execute_admin(admin, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))


AcuityFactory = Callable[..., AbstractAsyncContextManager[AcuitySandbox]]


@pytest.fixture
def make_acuity(acuity_template: SeededTemplate, tmp_path: Path) -> AcuityFactory:
    """Builds a started emulator on a fresh copy of the seeded practice, with any constructor options."""

    @asynccontextmanager
    async def factory(**options: Any) -> AsyncIterator[AcuitySandbox]:
        options.setdefault("rate_limit_per_second", 0)
        options.setdefault("clock", pinned_clock)
        async with acuity_template.fresh_copy(tmp_path) as url:
            sandbox = AcuitySandbox(database_url=url, user_id=USER_ID, api_key=API_KEY, **options)
            await sandbox.start()
            try:
                yield sandbox
            finally:
                await sandbox.stop()

    return factory


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
