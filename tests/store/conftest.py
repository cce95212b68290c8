"""Store fixtures: every store test runs on a fresh SQLite file, and on PostgreSQL when
``MEDLEY_TEST_POSTGRES_URL`` is set (one scratch database per session, emptied before each test)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from medley.config import Settings
from medley.store.database import Store
from tests.support.postgres import admin_url, scratch_database

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
_TABLES = (
    "medley_audit_events, medley_idempotency_records, medley_connections, medley_locks, medley_applications"
)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if admin_url() is None:
        pytest.skip("MEDLEY_TEST_POSTGRES_URL is not set")
    with scratch_database("medley_store_test") as url:
        yield url


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'store' / 'medley.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    store = Store.from_url(store_url)
    await store.start()
    if store.dialect == "postgresql":
        async with store.engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {_TABLES} CASCADE"))
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, auth_failures_per_minute=3, auth_cache_seconds=60.0)


async def raw_contents(store: Store) -> bytes:
    """Everything the store holds, as bytes: every row of every table, plus (SQLite) the files on disk."""
    parts: list[bytes] = []
    async with store.engine.connect() as connection:
        for table in _TABLES.split(", "):
            for row in await connection.execute(text(f"SELECT * FROM {table}")):
                parts.append(repr(tuple(row)).encode())
                parts.extend(value for value in row if isinstance(value, bytes))
    database = store.engine.url.database
    if store.is_sqlite and database:
        parts.append(_sqlite_files(Path(database)))
    return b"\n".join(parts)


def _sqlite_files(database: Path) -> bytes:
    """The database file with its write-ahead log: recent writes may only be in the log."""
    return b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
