"""The Cliniko emulator's database: the shared `medley.sandbox.database` bound to its tables and migrations."""

from __future__ import annotations

from pathlib import Path

from medley.sandbox import database
from medley.sandbox.cliniko.tables import Base

SCHEMA = database.Schema(
    metadata=Base.metadata,
    migrations=Path(__file__).with_name("migrations"),
    # Its own Alembic version table, so it can share a PostgreSQL database with the gateway.
    version_table="cliniko_alembic_version",
    table_prefix="cliniko_",
    # Any constant unique to the emulator: serialises start-up (migrate + seed) across processes.
    start_lock_key=0x4D45444C4559_01,
)
