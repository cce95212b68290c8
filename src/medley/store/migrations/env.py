"""Alembic environment for the gateway store.

At run time ``Store.upgrade`` passes an open connection in ``config.attributes["connection"]``; no
``alembic.ini`` is involved. Run standalone (e.g. ``alembic revision --autogenerate`` with a config
whose ``script_location`` points here), it connects to ``Settings.resolved_database_url``.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

from medley.store.database import VERSION_TABLE, Store
from medley.store.tables import Base

target_metadata = Base.metadata


def _run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        # SQLite cannot ALTER most things in place: batch mode recreates the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_standalone() -> None:
    from medley.config import load_settings

    store = Store.from_url(load_settings().resolved_database_url)
    try:
        async with store.engine.begin() as connection:
            await connection.run_sync(_run_migrations)
    finally:
        await store.close()


given: Connection | None = context.config.attributes.get("connection")
if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported; run `medley db upgrade`")
if given is not None:
    _run_migrations(given)
else:
    asyncio.run(_run_standalone())
