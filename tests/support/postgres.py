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

from tests.support import seeded

ADMIN_URL_ENV = "MEDLEY_TEST_POSTGRES_URL"


def admin_url() -> str | None:
    return os.environ.get(ADMIN_URL_ENV) or None


def dsn(url: str) -> str:
    """``url`` as asyncpg spells it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def execute_admin(url: str, statement: str) -> None:
    """Run one statement (CREATE/DROP DATABASE …) on the server named by ``url``."""
    connection = await asyncpg.connect(dsn(url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def scratch_database(prefix: str = "medley_test", *, template: str | None = None) -> Iterator[str]:
    """Create a uniquely named database (a copy of ``template`` if given), yield its SQLAlchemy asyncpg URL,
    drop it afterwards."""
    base = admin_url()
    if base is None:
        raise RuntimeError(f"{ADMIN_URL_ENV} is not set")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    anyio.run(execute_admin, base, f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
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
    database, dropped when ``stack`` closes, for the gateway's store and the sandbox alike).

    Either way the server finds its emulators already seeded (``seeded.py``): on SQLite ``running_medley``
    copies them into its data dir, on PostgreSQL the scratch database is a copy of the seeded template."""
    if store == "sqlite":
        return {}
    base = admin_url()
    if base is None:
        pytest.skip(f"{ADMIN_URL_ENV} is not set")
    url = stack.enter_context(scratch_database(prefix, template=seeded.postgres_template(base)))
    return {"MEDLEY_DATABASE_URL": url, "MEDLEY_SANDBOX_DATABASE_URL": url}
