"""Fixtures for driving the Cliniko emulator over HTTP, on SQLite and (when configured) PostgreSQL.

The seeded practice is built once per store and session (a SQLite file, or a PostgreSQL template
database); every test then gets its own copy (a file copy, or ``CREATE DATABASE … TEMPLATE``), so
tests may write freely and stay independent while paying for the seed only once.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy.engine import make_url

from medley.sandbox.cliniko.server import ClinikoSandbox
from medley.sandbox.serving import Emulator
from tests.sandbox.emulator import API_KEY, Bookable, client_for, find_bookable
from tests.support.postgres import execute_admin

POSTGRES_ENV = "MEDLEY_TEST_POSTGRES_URL"

STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass
class SeededTemplate:
    """A seeded store to copy from: one SQLite file or one PostgreSQL template database."""

    store: str
    sqlite_file: Path | None = None
    pg_admin: str | None = None
    pg_template: str | None = None
    bookable: Bookable | None = None
    """Found once per session: every copy holds the same practice."""

    @asynccontextmanager
    async def fresh_copy(self, folder: Path) -> AsyncIterator[str]:
        if self.sqlite_file is not None:
            target = folder / f"sandbox-{uuid.uuid4().hex[:8]}.db"
            shutil.copyfile(self.sqlite_file, target)
            yield f"sqlite+aiosqlite:///{target}"
            return
        assert self.pg_admin is not None and self.pg_template is not None
        name = f"{self.pg_template}_{uuid.uuid4().hex[:8]}"
        await execute_admin(self.pg_admin, f'CREATE DATABASE "{name}" TEMPLATE "{self.pg_template}"')
        try:
            yield (
                make_url(self.pg_admin)
                .set(drivername="postgresql+asyncpg", database=name)
                .render_as_string(hide_password=False)
            )
        finally:
            await execute_admin(self.pg_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seeded_store(
    store: str, tmp_path_factory: pytest.TempPathFactory, seed: Callable[[str], Coroutine[Any, Any, None]], *, name: str
) -> Iterator[SeededTemplate]:
    """The body of a session fixture over ``STORES``: a store seeded once by ``seed(url)`` (``name`` tells its
    folder and template database apart from other emulators'), dropped when the session ends."""
    if store == "sqlite":
        path = tmp_path_factory.mktemp(f"{name}-template") / "seeded.db"
        asyncio.run(seed(f"sqlite+aiosqlite:///{path}"))
        assert not path.with_name(path.name + "-wal").exists() or path.with_name(path.name + "-wal").stat().st_size == 0
        yield SeededTemplate("sqlite", sqlite_file=path)
        return
    admin = os.environ.get(POSTGRES_ENV)
    if not admin:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    template = f"medley_{name}_test_{uuid.uuid4().hex[:8]}"
    asyncio.run(execute_admin(admin, f'CREATE DATABASE "{template}"'))
    try:
        url = make_url(admin).set(drivername="postgresql+asyncpg", database=template)
        asyncio.run(seed(url.render_as_string(hide_password=False)))
        yield SeededTemplate("postgres", pg_admin=admin, pg_template=template)
    finally:
        asyncio.run(execute_admin(admin, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))


async def start_and_stop(emulator: Emulator) -> None:
    """Seed a store the way a server does: start the emulator on it (migrate, seed), then stop it."""
    await emulator.start()
    await emulator.stop()


_E = TypeVar("_E", bound=Emulator)


def emulator_factory(
    template: SeededTemplate, folder: Path, build: Callable[..., _E]
) -> Callable[..., AbstractAsyncContextManager[_E]]:
    """Builds a started emulator on a fresh copy of ``template``: ``build(url, **options)`` with any options."""

    @asynccontextmanager
    async def factory(**options: Any) -> AsyncIterator[_E]:
        async with template.fresh_copy(folder) as url:
            emulator = build(url, **options)
            await emulator.start()
            try:
                yield emulator
            finally:
                await emulator.stop()

    return factory


@pytest.fixture(scope="session", params=STORES)
def seeded_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SeededTemplate]:
    yield from seeded_store(
        request.param,
        tmp_path_factory,
        lambda url: start_and_stop(ClinikoSandbox(database_url=url, api_key=API_KEY)),
        name="sandbox",
    )


SandboxFactory = Callable[..., AbstractAsyncContextManager[ClinikoSandbox]]


@pytest.fixture
def make_sandbox(seeded_template: SeededTemplate, tmp_path: Path) -> SandboxFactory:
    """Builds a started sandbox on a fresh copy of the seeded practice, with any constructor options."""

    def build(url: str, **options: Any) -> ClinikoSandbox:
        options.setdefault("rate_limit_per_minute", 100_000)
        return ClinikoSandbox(database_url=url, api_key=API_KEY, **options)

    return emulator_factory(seeded_template, tmp_path, build)


@pytest.fixture
async def sandbox(make_sandbox: SandboxFactory) -> AsyncIterator[ClinikoSandbox]:
    async with make_sandbox() as started:
        yield started


@pytest.fixture
async def client(sandbox: ClinikoSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(sandbox) as http:
        yield http


@pytest.fixture
async def bookable(seeded_template: SeededTemplate, client: httpx.AsyncClient) -> Bookable:
    """A business, practitioner and type with free time next week (the first such, in id order)."""
    if seeded_template.bookable is None:
        seeded_template.bookable = await find_bookable(client)
    return seeded_template.bookable
