"""Checks that ids in a request body name records that exist (Rails' ``belongs_to``: ``must exist``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medley.sandbox.cliniko.bodies import MISSING, FieldReader


async def check_exists(session: AsyncSession, reader: FieldReader, relation: str, model: Any, record_id: Any) -> None:
    """Records ``<relation>: must exist`` when ``record_id`` is an id with no row behind it."""
    if record_id is None or record_id is MISSING:
        return
    found = await session.scalar(select(model.id).where(model.id == record_id))
    if found is None:
        reader.fail(relation, "must exist")
