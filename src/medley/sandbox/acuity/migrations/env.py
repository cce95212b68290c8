"""Alembic environment for the Acuity emulator's tables (only ``acuity_*``), driven by ``db.SCHEMA.migrate``."""

from medley.sandbox.database import run_migrations

run_migrations()
