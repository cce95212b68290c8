"""Checks that ids in a request body name records that exist (Rails' ``belongs_to``: ``must exist``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from medley.sandbox.cliniko.bodies import MISSING, FieldReader

Reference = tuple[Any, Any]
"""A table's model and the id the body gave for it."""


async def check_exists(session: AsyncSession, reader: FieldReader, references: Mapping[str, Reference]) -> None:
    """Records ``<relation>: must exist`` for every ``relation: (model, id)`` whose id has no row behind it.

    One query for all of them: a create names up to four records, and each round trip counts under load.
    """
    given = {
        relation: (model, record_id)
        for relation, (model, record_id) in references.items()
        if record_id is not None and record_id is not MISSING
    }
    if not given:
        return
    probes = [exists().where(model.id == record_id) for model, record_id in given.values()]
    found = (await session.execute(select(*probes))).one()
    for relation, present in zip(given, found, strict=True):
        if not present:
            reader.fail(relation, "must exist")
