"""Alembic environment for the Acuity emulator's tables, driven programmatically by ``db.migrate``.

The caller hands over an open connection (``config.attributes["connection"]``); there is no
alembic.ini and no offline mode. Only ``acuity_*`` tables are ours: the gateway's store and the
Cliniko emulator may live in the same PostgreSQL database under their own version tables.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from medley.sandbox.acuity.db import VERSION_TABLE
from medley.sandbox.acuity.tables import Base


def _ours(name: str | None, type_: str, _parent_names: Any) -> bool:
    return type_ != "table" or (name or "").startswith("acuity_")


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        include_name=_ours,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("The emulator's migrations run through medley.sandbox.acuity.db.migrate().")
_run(connection)
