"""Unavailable blocks (time off): list, create, show, update (``PATCH``, ``PUT``), archive (also ``DELETE``)
and conflicts.

A create with a ``repeat_rule`` also creates the repeats (``repeats.py``); ``unavailable_block_type_id`` is
kept and linked (block types themselves are not served).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import JSONResponse, Response

from medley.sandbox.cliniko import serializers
from medley.sandbox.cliniko.bodies import MISSING, FieldReader, read_json_object
from medley.sandbox.cliniko.conflicts import has_conflict
from medley.sandbox.cliniko.deps import ContextDep, ReadSession, UrlsDep, WriteSession
from medley.sandbox.cliniko.filters import Kind, always_null, ids, instants
from medley.sandbox.cliniko.listing import Collection, archive_record, find_visible, get_or_404, list_response, path_id
from medley.sandbox.cliniko.references import check_exists
from medley.sandbox.cliniko.repeats import business_zone, repeat_starts
from medley.sandbox.cliniko.responses import created, no_content
from medley.sandbox.cliniko.structured_fields import read_repeat_rule
from medley.sandbox.cliniko.tables import Business, Practitioner, UnavailableBlock

router = APIRouter()

UNAVAILABLE_BLOCKS = Collection(
    "unavailable_blocks",
    {
        "archived_at": instants(UnavailableBlock.archived_at),
        "business_id": ids(UnavailableBlock.business_id),
        "created_at": instants(UnavailableBlock.created_at),
        "deleted_at": always_null(Kind.DATETIME),
        "ends_at": instants(UnavailableBlock.ends_at),
        "id": ids(UnavailableBlock.id),
        "practitioner_id": ids(UnavailableBlock.practitioner_id),
        "repeated_from_id": ids(UnavailableBlock.repeated_from_id),
        "starts_at": instants(UnavailableBlock.starts_at),
        "unavailable_block_type_id": ids(UnavailableBlock.unavailable_block_type_id),
        "updated_at": instants(UnavailableBlock.updated_at),
    },
    hidden=("archived_at",),
)


@router.get("/unavailable_blocks")
async def list_unavailable_blocks(request: Request, session: ReadSession, urls: UrlsDep) -> Response:
    async def render(rows: Sequence[UnavailableBlock]) -> list[dict[str, Any]]:
        return [serializers.unavailable_block(row, urls) for row in rows]

    return await list_response(request, session, urls, UNAVAILABLE_BLOCKS, select(UnavailableBlock), render)


@router.post("/unavailable_blocks")
async def create_unavailable_block(
    request: Request, session: WriteSession, urls: UrlsDep, context: ContextDep
) -> Response:
    reader = FieldReader(await read_json_object(request))
    business_id = reader.record_id("business_id", relation="business", required=True)
    practitioner_id = reader.record_id("practitioner_id", relation="practitioner", required=True)
    starts_at = reader.instant("starts_at", required=True)
    ends_at = reader.instant("ends_at", required=True)
    notes = reader.text("notes", max_length=None)
    block_type_id = reader.record_id("unavailable_block_type_id", relation="unavailable_block_type")
    repeat_rule = read_repeat_rule(reader)
    await check_exists(
        session, reader, {"business": (Business, business_id), "practitioner": (Practitioner, practitioner_id)}
    )
    if starts_at and ends_at and ends_at <= starts_at:
        reader.fail("ends_at", "must be after starts_at")
    reader.raise_if_invalid()
    now = context.now()
    block = UnavailableBlock(
        business_id=business_id,
        practitioner_id=practitioner_id,
        starts_at=starts_at,
        ends_at=ends_at,
        notes=notes if isinstance(notes, str) else None,
        unavailable_block_type_id=block_type_id if isinstance(block_type_id, int) else None,
        repeat_rule=repeat_rule if isinstance(repeat_rule, dict) else None,
        created_at=now,
        updated_at=now,
    )
    session.add(block)
    await session.flush()
    await _add_repeats(session, block)
    await session.commit()
    return created(serializers.unavailable_block(block, urls))


async def _add_repeats(session: AsyncSession, first: UnavailableBlock) -> None:
    length = first.ends_at - first.starts_at
    zone = await business_zone(session, first.business_id)
    for start in repeat_starts(first.starts_at, first.repeat_rule, zone):
        copied = ("business_id", "practitioner_id", "notes", "unavailable_block_type_id", "repeat_rule")
        session.add(
            UnavailableBlock(
                **{name: getattr(first, name) for name in copied},
                starts_at=start,
                ends_at=start + length,
                repeated_from_id=first.id,
                created_at=first.created_at,
                updated_at=first.updated_at,
            )
        )


@router.patch("/unavailable_blocks/{unavailable_block_id}")
@router.put("/unavailable_blocks/{unavailable_block_id}")
async def update_unavailable_block(
    unavailable_block_id: str, request: Request, session: WriteSession, urls: UrlsDep, context: ContextDep
) -> Response:
    """Moves or edits a block, archived or not (writes find a record whatever its state)."""
    block = await get_or_404(session, UnavailableBlock, path_id(unavailable_block_id))
    reader = FieldReader(await read_json_object(request))
    changes: dict[str, Any] = {}
    relations = {"business": Business, "practitioner": Practitioner}
    for relation in relations:
        if reader.has(f"{relation}_id"):
            changes[f"{relation}_id"] = reader.record_id(f"{relation}_id", relation=relation, required=True)
    given = {relation: (model, changes.get(f"{relation}_id")) for relation, model in relations.items()}
    await check_exists(session, reader, given)
    for name in ("starts_at", "ends_at"):
        if reader.has(name):
            changes[name] = reader.instant(name, required=True)
    changes["notes"] = reader.text("notes", max_length=None)
    changes["unavailable_block_type_id"] = reader.record_id(
        "unavailable_block_type_id", relation="unavailable_block_type"
    )
    changes["repeat_rule"] = read_repeat_rule(reader)
    starts_at, ends_at = changes.get("starts_at", block.starts_at), changes.get("ends_at", block.ends_at)
    if isinstance(starts_at, datetime) and isinstance(ends_at, datetime) and ends_at <= starts_at:
        reader.fail("ends_at", "must be after starts_at")
    reader.raise_if_invalid()
    for name, value in changes.items():
        if value is not MISSING:
            setattr(block, name, value)
    block.updated_at = context.now()
    await session.commit()
    return JSONResponse(serializers.unavailable_block(block, urls))


@router.get("/unavailable_blocks/{unavailable_block_id}")
async def show_unavailable_block(
    unavailable_block_id: str, request: Request, session: ReadSession, urls: UrlsDep
) -> Response:
    statement = select(UnavailableBlock).where(UnavailableBlock.id == path_id(unavailable_block_id))
    row = await find_visible(request, session, UNAVAILABLE_BLOCKS, statement)
    return JSONResponse(serializers.unavailable_block(row, urls))


@router.post("/unavailable_blocks/{unavailable_block_id}/archive")
@router.delete("/unavailable_blocks/{unavailable_block_id}")
async def archive_unavailable_block(unavailable_block_id: str, session: WriteSession, context: ContextDep) -> Response:
    await archive_record(session, UnavailableBlock, unavailable_block_id, context.now())
    return no_content()


@router.get("/unavailable_blocks/{unavailable_block_id}/conflicts")
async def unavailable_block_conflicts(unavailable_block_id: str, session: ReadSession) -> Response:
    block = await get_or_404(session, UnavailableBlock, path_id(unavailable_block_id))
    exist = await has_conflict(
        session,
        practitioner_id=block.practitioner_id,
        starts_at=block.starts_at,
        ends_at=block.ends_at,
        unavailable_block_id=block.id,
    )
    return JSONResponse({"conflicts": {"exist": exist}})
