from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from medley.store.database import MIGRATIONS_DIR, VERSION_TABLE, Store
from medley.store.tables import ApplicationRow, Base
from tests.store.conftest import BACKENDS
from tests.support.postgres import admin_url, scratch_database


def _head_revision() -> str | None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


HEAD = [(_head_revision(),)]


async def test_start_creates_the_folder_and_the_schema_once(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'a' / 'b' / 'medley.db'}"
    store = Store.from_url(url)
    try:
        await store.start()
        await store.start()  # already at head: nothing to do
        async with store.engine.connect() as connection:
            versions = (await connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))).all()
        assert versions == HEAD
        assert (tmp_path / "a" / "b" / "medley.db").exists()
    finally:
        await store.close()


async def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    store = Store.from_url(f"sqlite+aiosqlite:///{tmp_path / 'medley.db'}")
    try:
        async with store.engine.connect() as connection:
            pragmas = {
                name: (await connection.execute(text(f"PRAGMA {name}"))).scalar_one()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            }
        assert pragmas["journal_mode"] == "wal"
        assert pragmas["foreign_keys"] == 1
        assert pragmas["busy_timeout"] >= 5000
    finally:
        await store.close()


async def test_migrations_build_exactly_the_tables_the_code_declares(store: Store) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE, "compare_type": True}
        )
        return list(compare_metadata(context, Base.metadata))

    async with store.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_replicas_starting_together_on_an_empty_database_migrate_once(backend: str, tmp_path: Path) -> None:
    async def start_three(url: str) -> list[tuple[str, ...]]:
        replicas = [Store.from_url(url) for _ in range(3)]
        try:
            await asyncio.gather(*(replica.start() for replica in replicas))
            async with replicas[0].engine.connect() as connection:
                return [
                    tuple(row) for row in await connection.execute(text(f"SELECT * FROM {VERSION_TABLE}"))
                ]
        finally:
            for replica in replicas:
                await replica.close()

    if backend == "sqlite":
        assert asyncio.run(start_three(f"sqlite+aiosqlite:///{tmp_path / 'medley.db'}")) == HEAD
        return
    if admin_url() is None:
        pytest.skip("MEDLEY_TEST_POSTGRES_URL is not set")
    with scratch_database("medley_migrate_test") as url:
        assert asyncio.run(start_three(url)) == HEAD


async def test_in_memory_and_plain_driver_urls_work() -> None:
    for url in ("sqlite+aiosqlite://", "sqlite://"):
        store = Store.from_url(url)
        try:
            await store.start()
            assert store.engine.url.drivername == "sqlite+aiosqlite"
            async with store.engine.connect() as connection:
                versions = (await connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))).all()
            assert versions == HEAD
        finally:
            await store.close()


async def test_times_come_back_timezone_aware_in_utc(store: Store) -> None:
    created = datetime(2026, 3, 29, 2, 30, tzinfo=UTC) + timedelta(hours=10)
    async with store.sessions() as session, session.begin():
        session.add(ApplicationRow(id="x" * 32, name="n", client_id="c", secret_hash="h", created_at=created))
    async with store.sessions() as session:
        row = await session.get(ApplicationRow, "x" * 32)
    assert row is not None
    assert row.created_at == created
    assert row.created_at.utcoffset() == timedelta(0)
