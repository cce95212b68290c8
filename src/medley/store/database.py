"""The store's engine and sessions, and the migrations that bring its schema to the current version.

SQLite (embedded default) runs in WAL mode with a busy timeout and foreign keys on, and with real
``BEGIN`` statements so transactions (and DDL) are atomic. PostgreSQL is the store shared by replicas.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "medley_alembic_version"
SQLITE_BUSY_TIMEOUT_MS = 10_000
_WAL_ATTEMPTS = 500

# Execution option naming the BEGIN flavour on SQLite ("IMMEDIATE" takes the write lock up front).
SQLITE_BEGIN_OPTION = "medley_sqlite_begin"
_SQLITE_BEGIN_FLAVOURS = frozenset({"DEFERRED", "IMMEDIATE", "EXCLUSIVE"})
# Replicas starting together must not run the same migration twice.
_MIGRATION_LOCK_ID = 0x6D65646C6579  # "medley"


class Store:
    """Owns the engine and the session factory of the gateway's own database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str, **engine_options: Any) -> Store:
        parsed = _with_async_driver(make_url(url))
        # Bound parameters never reach logs or exception messages: they may hold sealed data or ids.
        engine_options.setdefault("hide_parameters", True)
        if parsed.get_backend_name() == "sqlite":
            return cls(_sqlite_engine(parsed, engine_options))
        # Held locks keep a connection each: leave room for the queries made while holding them.
        options: dict[str, Any] = {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}
        options.update(engine_options)
        return cls(create_async_engine(parsed, **options))

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    async def start(self) -> None:
        """Bring the schema to the newest migration (a no-op when it is already there)."""
        await self.upgrade()

    async def upgrade(self, revision: str = "head") -> None:
        async with self.engine.connect() as connection:
            if self.is_sqlite:
                connection = await connection.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
            async with connection.begin():
                if self.dialect == "postgresql":
                    await connection.execute(
                        text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID}
                    )
                await connection.run_sync(_run_upgrade, revision)

    async def close(self) -> None:
        await self.engine.dispose()


def _with_async_driver(url: URL) -> URL:
    """Accept the plain ``postgresql://`` and ``sqlite://`` spellings too, with the async drivers we ship."""
    if url.drivername in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+asyncpg")
    if url.drivername == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    return url


def _run_upgrade(connection: Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _sqlite_engine(url: URL, engine_options: dict[str, Any]) -> AsyncEngine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    options = dict(engine_options)
    if in_memory:
        # Each in-memory connection would be a separate empty database: share one.
        options.setdefault("poolclass", StaticPool)
    else:
        # Owner-only when we create it: the folder holds secret hashes and sealed credentials.
        Path(database).expanduser().resolve().parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = create_async_engine(url, **options)
    _configure_sqlite(engine, wal=not in_memory)
    return engine


def _enable_wal(cursor: Any) -> None:
    """Switch the file to WAL (a lasting property of the file, so usually already done).

    The switch needs an exclusive lock that SQLite does not wait for (no busy handler), so processes
    opening a brand-new database together retry it briefly.
    """
    for attempt in range(_WAL_ATTEMPTS):
        try:
            cursor.execute("PRAGMA journal_mode")
            if str(cursor.fetchone()[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except Exception as exc:
            if "locked" not in str(exc) or attempt == _WAL_ATTEMPTS - 1:
                raise
            time.sleep(0.01)  # only ever while a new database file is being set up


def _configure_sqlite(engine: AsyncEngine, *, wal: bool) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from the driver, so BEGIN is emitted by us (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if wal:
                _enable_wal(cursor)
                # In WAL mode NORMAL is durable across application crashes and much cheaper per commit.
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        flavour = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        if flavour not in _SQLITE_BEGIN_FLAVOURS:
            raise ValueError(f"unknown SQLite BEGIN flavour {flavour!r}")
        connection.exec_driver_sql(f"BEGIN {flavour}")
