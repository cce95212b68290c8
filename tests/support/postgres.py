"""Scratch PostgreSQL databases for tests, made from the admin URL in ``MEDLEY_TEST_POSTGRES_URL``."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import anyio
import asyncpg
import pytest
from sqlalchemy.engine import make_url

ADMIN_URL_ENV = "MEDLEY_TEST_POSTGRES_URL"


def admin_url() -> str | None:
    return os.environ.get(ADMIN_URL_ENV) or None


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def execute_admin(url: str, statement: str) -> None:
    """Run one statement (CREATE/DROP DATABASE …) on the server named by ``url``."""
    connection = await asyncpg.connect(_dsn(url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def scratch_database(prefix: str = "medley_test") -> Iterator[str]:
    """Create a uniquely named database, yield its SQLAlchemy asyncpg URL, drop it afterwards."""
    base = admin_url()
    if base is None:
        raise RuntimeError(f"{ADMIN_URL_ENV} is not set")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    anyio.run(execute_admin, base, f'CREATE DATABASE "{name}"')
    try:
        yield (
            make_url(base)
            .set(drivername="postgresql+asyncpg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        anyio.run(execute_admin, base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def store_env(store: str, stack: ExitStack, prefix: str = "medley_test") -> dict[str, str]:
    """The environment of a ``medley serve`` on ``store`` (``sqlite``: the defaults; ``postgres``: a scratch
    database, dropped when ``stack`` closes, for the gateway's store and the sandbox alike)."""
    if store == "sqlite":
        return {}
    if admin_url() is None:
        pytest.skip(f"{ADMIN_URL_ENV} is not set")
    url = stack.enter_context(scratch_database(prefix))
    return {"MEDLEY_DATABASE_URL": url, "MEDLEY_SANDBOX_DATABASE_URL": url}
