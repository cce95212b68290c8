"""Alembic environment for the Cliniko emulator's tables (only ``cliniko_*``), driven by ``db.SCHEMA.migrate``."""

from medley.sandbox.database import run_migrations

run_migrations()
