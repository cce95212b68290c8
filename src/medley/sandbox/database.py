"""An emulator's database: engine and sessions from a URL, Alembic migrations, wiping and id sequences.

Shared by the emulators; each names its own tables (a ``MetaData``), migrations folder, Alembic version
table and start-up lock, so several can share one PostgreSQL database with the gateway's store.

SQLite (the default, one file) and PostgreSQL (shared with the gateway's store) are both supported.
On SQLite, write transactions start with ``BEGIN IMMEDIATE``: a deferred transaction that reads and
then writes fails at once with "database is locked" when another connection wrote in between, while
an immediate one waits for the writer lock (up to the busy timeout) before reading anything.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, event, func, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_BUSY_TIMEOUT_MS = 10_000
PG_POOL_SIZE = 32
PG_MAX_OVERFLOW = 32
_WRITE_OPTION = "medley_sandbox_write"
_SCHEMA_ATTRIBUTE = "medley_sandbox_schema"


def create_engine(url: str) -> AsyncEngine:
    """An async engine for ``sqlite+aiosqlite://`` or ``postgresql+asyncpg://`` URLs.

    For a SQLite file the parent folder is created, and every connection gets WAL, a busy timeout
    and foreign keys (so SQLite enforces what PostgreSQL enforces).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # Room for every request a busy gateway has in flight: past the pool, SQLAlchemy opens and closes a
        # connection per request, and a PostgreSQL connection costs more than most of our queries. No pre-ping:
        # on asyncpg it is three round trips per request (BEGIN, ping, ROLLBACK); a connection broken by a
        # database restart fails one request and the pool is then invalidated and refilled.
        return create_async_engine(url, pool_size=PG_POOL_SIZE, max_overflow=PG_MAX_OVERFLOW)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy emit BEGIN itself (below), instead of the driver's implicit deferred BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """One engine and the two kinds of session the routes use: reads, and writes (serialised on SQLite)."""

    def __init__(self, url: str, *, start_lock_key: int) -> None:
        """``start_lock_key``: a PostgreSQL advisory-lock key unique to the emulator (see `start_lock`)."""
        self.engine = create_engine(url)
        self._start_lock_key = start_lock_key
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        reads = self.engine
        if not self.is_sqlite:
            # PostgreSQL reads at READ COMMITTED, where each statement takes its own snapshot whether or not a
            # transaction is open: without one, a read request saves the BEGIN and ROLLBACK round trips.
            reads = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._reads = async_sessionmaker(reads, expire_on_commit=False)
        self._writes = async_sessionmaker(
            self.engine.execution_options(**{_WRITE_OPTION: True}), expire_on_commit=False
        )

    def reader(self) -> AsyncSession:
        return self._reads()

    def writer(self) -> AsyncSession:
        return self._writes()

    @asynccontextmanager
    async def start_lock(self) -> AsyncIterator[None]:
        """Serialises start-up across processes sharing a PostgreSQL database (no-op on SQLite)."""
        if self.is_sqlite:
            yield
            return
        async with self.engine.connect() as connection:
            await connection.execute(select(func.pg_advisory_lock(self._start_lock_key)))
            try:
                yield
            finally:
                await connection.execute(select(func.pg_advisory_unlock(self._start_lock_key)))
                await connection.commit()

    async def dispose(self) -> None:
        await self.engine.dispose()


@dataclass(frozen=True)
class Schema:
    """One emulator's part of a database: what lets several emulators and the gateway share one.

    ``table_prefix`` names the emulator's tables (Alembic leaves every other table alone), ``version_table``
    is its own Alembic version table, and ``start_lock_key`` a PostgreSQL advisory-lock key unique to it.
    """

    metadata: MetaData
    migrations: Path
    version_table: str
    table_prefix: str
    start_lock_key: int

    def database(self, url: str) -> Database:
        return Database(url, start_lock_key=self.start_lock_key)

    async def migrate(self, engine: AsyncEngine) -> None:
        """Bring the emulator's tables to the latest migration (``alembic upgrade head``)."""

        def upgrade(connection: Connection) -> None:
            config = Config()
            config.set_main_option("script_location", str(self.migrations))
            config.attributes["connection"] = connection
            config.attributes[_SCHEMA_ATTRIBUTE] = self
            command.upgrade(config, "head")

        async with engine.begin() as connection:
            await connection.run_sync(upgrade)

    async def wipe(self, session: AsyncSession) -> None:
        """Delete every row of the emulator's tables (children first), in the caller's transaction."""
        bind = session.get_bind()
        if bind.dialect.name == "postgresql":
            names = ", ".join(table.name for table in self.metadata.sorted_tables)
            await session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        for table in reversed(self.metadata.sorted_tables):
            await session.execute(table.delete())

    async def sync_id_sequences(self, session: AsyncSession) -> None:
        """Move PostgreSQL id sequences past rows inserted with explicit ids (e.g. by the seed).

        Without this, the next row created through the API would be given an id that already exists.
        """
        if session.get_bind().dialect.name != "postgresql":
            return
        for table in self.metadata.sorted_tables:
            id_column = table.columns.get("id")
            if id_column is None or not id_column.autoincrement:
                continue
            highest = select(func.max(id_column)).scalar_subquery()
            sequence = func.pg_get_serial_sequence(table.name, "id")
            await session.execute(select(func.setval(sequence, func.coalesce(highest, 0) + 1, False)))

    async def prepare(
        self,
        database: Database,
        *,
        reset: bool,
        seeded: QueryableAttribute[Any],
        seed: Callable[[AsyncSession], Awaitable[None]],
    ) -> None:
        """An emulator's start-up: migrate; with ``reset`` wipe every row; ``seed`` when ``seeded`` (a column
        of a table the seed fills) has no row yet; then move id sequences past the seeded ids. Serialised
        across processes sharing the database."""
        async with database.start_lock():
            await self.migrate(database.engine)
            async with database.writer() as session:
                if reset:
                    await self.wipe(session)
                if await session.scalar(select(seeded).limit(1)) is None:
                    await seed(session)
                await self.sync_id_sequences(session)
                await session.commit()


def run_migrations() -> None:
    """The body of an emulator's Alembic ``env.py``: run its migrations on the connection `Schema.migrate`
    hands over (there is no alembic.ini and no offline mode)."""
    connection: Connection | None = context.config.attributes.get("connection")
    schema: Schema | None = context.config.attributes.get(_SCHEMA_ATTRIBUTE)
    if connection is None or schema is None:
        raise RuntimeError("An emulator's migrations run through medley.sandbox.database.Schema.migrate().")

    def ours(name: str | None, type_: str, _parent_names: Any) -> bool:
        return type_ != "table" or (name or "").startswith(schema.table_prefix)

    context.configure(
        connection=connection,
        target_metadata=schema.metadata,
        version_table=schema.version_table,
        include_name=ours,
        # SQLite cannot ALTER most things in place: batch mode recreates the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
