"""The emulator's own database: migrations match the tables, start-up seeds once, reset wipes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Connection

from medley.sandbox.cliniko.db import SCHEMA
from medley.sandbox.cliniko.server import ClinikoSandbox
from medley.sandbox.cliniko.tables import Base, Business, Patient
from medley.sandbox.database import create_engine
from tests.sandbox.conftest import SandboxFactory, SeededTemplate
from tests.sandbox.emulator import API_KEY, client_for

MIGRATIONS = SCHEMA.migrations
VERSION_TABLE = SCHEMA.version_table


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "include_name": lambda name, kind, _parents: (
                kind != "table" or ((name or "").startswith("cliniko_") and name != VERSION_TABLE)
            ),
        },
    )
    differences: list[Any] = compare_metadata(context, Base.metadata)
    return differences


async def test_migrations_build_exactly_the_declared_tables(seeded_template: SeededTemplate, tmp_path: Path) -> None:
    async with seeded_template.fresh_copy(tmp_path) as url:
        engine = create_engine(url)
        try:
            await SCHEMA.migrate(engine)  # already at head: a no-op
            async with engine.connect() as connection:
                assert await connection.run_sync(_differences) == []
                version = await connection.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}"))
                names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        finally:
            await engine.dispose()
    assert version == ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert "alembic_version" not in names, "the default version table is left to the gateway's store"


async def test_a_new_sqlite_file_gets_its_folder_wal_and_foreign_keys(tmp_path: Path) -> None:
    database = SCHEMA.database(f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'folder' / 'cliniko.db'}")
    try:
        await SCHEMA.migrate(database.engine)
        async with database.reader() as session:
            assert (await session.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await session.execute(text("PRAGMA busy_timeout"))).scalar() == 10_000
    finally:
        await database.dispose()
    assert (tmp_path / "nested" / "folder" / "cliniko.db").exists()


async def test_start_seeds_once_and_reset_starts_over(make_sandbox: SandboxFactory) -> None:
    async with make_sandbox() as sandbox:
        async with client_for(sandbox) as client:
            created = (await client.post("/patients", json={"first_name": "Kept", "last_name": "Around"})).json()
        await sandbox.start()  # a restart keeps what was written
        async with sandbox.database.reader() as session:
            assert await session.get(Patient, int(created["id"])) is not None
            businesses = await session.scalar(select(func.count()).select_from(Business))
        await sandbox.start(reset=True)
        async with sandbox.database.reader() as session:
            assert await session.get(Patient, int(created["id"])) is None
            assert await session.scalar(select(func.count()).select_from(Business)) == businesses
        async with client_for(sandbox) as client:
            again = await client.post("/patients", json={"first_name": "After", "last_name": "Reset"})
            assert again.status_code == 201


@pytest.mark.parametrize("reset", [False, True])
async def test_an_empty_database_is_seeded_with_the_practice(tmp_path: Path, reset: bool) -> None:
    sandbox = ClinikoSandbox(database_url=f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}", api_key=API_KEY)
    await sandbox.start(reset=reset)
    try:
        async with client_for(sandbox) as client:
            assert (await client.get("/businesses")).json()["businesses"]
            assert (await client.get("/user")).json()["role"] == "practitioner"
    finally:
        await sandbox.stop()
