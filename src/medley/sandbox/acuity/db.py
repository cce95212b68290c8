"""The Acuity emulator's database: the shared `medley.sandbox.database` bound to its tables and migrations."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from medley.sandbox import database
from medley.sandbox.acuity.tables import Base

VERSION_TABLE = "acuity_alembic_version"
"""The emulator's own Alembic version table, so it can share a PostgreSQL database with the gateway."""

_MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant unique to this emulator (the Cliniko one uses ..._01): serialises start-up across processes.
_START_LOCK_KEY = 0x4D45444C4559_02


class Database(database.Database):
    def __init__(self, url: str) -> None:
        super().__init__(url, start_lock_key=_START_LOCK_KEY)


async def migrate(engine: AsyncEngine) -> None:
    """Bring the emulator's tables to the latest migration (``alembic upgrade head``)."""
    await database.migrate(engine, _MIGRATIONS)


async def wipe(session: AsyncSession) -> None:
    """Delete every row of the emulator's tables (children first), in the caller's transaction."""
    await database.wipe(session, Base.metadata)


async def sync_id_sequences(session: AsyncSession) -> None:
    """Move PostgreSQL id sequences past rows inserted with explicit ids (e.g. by the seed)."""
    await database.sync_id_sequences(session, Base.metadata)
