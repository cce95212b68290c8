"""Bulk inserts for the emulators' seeds: one Core ``executemany`` per table.

The ORM's bulk path (``session.execute(insert(Model), rows)``) runs every row through the mapper first, which
made a fresh Cliniko seed's inserts take twice as long; the seeds' rows are plain column dictionaries already.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


async def insert_rows(
    session: AsyncSession, batches: Iterable[tuple[type[DeclarativeBase] | Table, Sequence[Mapping[str, Any]]]]
) -> None:
    """Insert each batch of rows into its table, in order (parents first), in the session's transaction."""
    connection = await session.connection()
    for target, rows in batches:
        if rows:
            # On the connection, not the session: Core's executemany, without the ORM's per-row work.
            await connection.execute(insert(target), list(rows))
