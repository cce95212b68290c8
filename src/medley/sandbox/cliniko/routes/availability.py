"""Working hours and free time: daily_availabilities, availability_blocks (listed, shown and created, as
the official document defines them), available_times and next_available_time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import JSONResponse, Response

from medley.sandbox.cliniko import serializers
from medley.sandbox.cliniko.account_settings import booking_limits, load_settings
from medley.sandbox.cliniko.availability import (
    bookable_starts,
    load_combination,
    local_today,
    time_frame,
)
from medley.sandbox.cliniko.bodies import FieldReader, read_json_object
from medley.sandbox.cliniko.context import SandboxContext
from medley.sandbox.cliniko.deps import ContextDep, ReadSession, UrlsDep, WriteSession
from medley.sandbox.cliniko.errors import RecordNotFound
from medley.sandbox.cliniko.filters import ids, instants
from medley.sandbox.cliniko.listing import Collection, ensure_exists, find_visible, list_response, path_id
from medley.sandbox.cliniko.pagination import envelope, page_links, read_page_request
from medley.sandbox.cliniko.references import check_exists
from medley.sandbox.cliniko.repeats import business_zone, repeat_starts
from medley.sandbox.cliniko.responses import created
from medley.sandbox.cliniko.structured_fields import read_repeat_rule
from medley.sandbox.cliniko.tables import AvailabilityBlock, Business, DailyAvailability, Practitioner
from medley.sandbox.cliniko.urls import Urls

router = APIRouter()

DAILY_AVAILABILITIES = Collection(
    "daily_availabilities",
    {
        "business_id": ids(DailyAvailability.business_id),
        "created_at": instants(DailyAvailability.created_at),
        "id": ids(DailyAvailability.id),
        "practitioner_id": ids(DailyAvailability.practitioner_id),
        "updated_at": instants(DailyAvailability.updated_at),
    },
)

AVAILABILITY_BLOCKS = Collection(
    "availability_blocks",
    {
        "business_id": ids(AvailabilityBlock.business_id),
        "created_at": instants(AvailabilityBlock.created_at),
        "ends_at": instants(AvailabilityBlock.ends_at),
        "id": ids(AvailabilityBlock.id),
        "practitioner_id": ids(AvailabilityBlock.practitioner_id),
        "starts_at": instants(AvailabilityBlock.starts_at),
        "updated_at": instants(AvailabilityBlock.updated_at),
    },
)


async def _render_daily(session: AsyncSession, urls: Urls, rows: Sequence[DailyAvailability]) -> list[dict[str, Any]]:
    zones: dict[int, str] = {}
    if rows:
        business_ids = {row.business_id for row in rows}
        result = await session.execute(
            select(Business.id, Business.time_zone_identifier).where(Business.id.in_(business_ids))
        )
        zones = dict(result.all())
    return [serializers.daily_availability(row, urls, zones.get(row.business_id, "UTC")) for row in rows]


async def _daily_listing(
    request: Request, session: AsyncSession, urls: Urls, statement: Select[DailyAvailability]
) -> Response:
    async def render(rows: Sequence[DailyAvailability]) -> list[dict[str, Any]]:
        return await _render_daily(session, urls, rows)

    return await list_response(request, session, urls, DAILY_AVAILABILITIES, statement, render)


@router.get("/daily_availabilities")
async def list_daily_availabilities(request: Request, session: ReadSession, urls: UrlsDep) -> Response:
    return await _daily_listing(request, session, urls, select(DailyAvailability))


@router.get("/daily_availabilities/{daily_availability_id}")
async def show_daily_availability(
    daily_availability_id: str, request: Request, session: ReadSession, urls: UrlsDep
) -> Response:
    statement = select(DailyAvailability).where(DailyAvailability.id == path_id(daily_availability_id))
    row = await find_visible(request, session, DAILY_AVAILABILITIES, statement)
    (rendered,) = await _render_daily(session, urls, [row])
    return JSONResponse(rendered)


@router.get("/practitioners/{practitioner_id}/daily_availabilities")
async def list_practitioner_daily_availabilities(
    practitioner_id: str, request: Request, session: ReadSession, urls: UrlsDep
) -> Response:
    practitioner = path_id(practitioner_id)
    await ensure_exists(session, select(Practitioner.id).where(Practitioner.id == practitioner))
    statement = select(DailyAvailability).where(DailyAvailability.practitioner_id == practitioner)
    return await _daily_listing(request, session, urls, statement)


@router.get("/businesses/{business_id}/daily_availabilities")
async def list_business_daily_availabilities(
    business_id: str, request: Request, session: ReadSession, urls: UrlsDep
) -> Response:
    business = path_id(business_id)
    await ensure_exists(session, select(Business.id).where(Business.id == business, Business.archived_at.is_(None)))
    statement = select(DailyAvailability).where(DailyAvailability.business_id == business)
    return await _daily_listing(request, session, urls, statement)


@router.get("/availability_blocks")
async def list_availability_blocks(request: Request, session: ReadSession, urls: UrlsDep) -> Response:
    async def render(rows: Sequence[AvailabilityBlock]) -> list[dict[str, Any]]:
        return [serializers.availability_block(row, urls) for row in rows]

    return await list_response(request, session, urls, AVAILABILITY_BLOCKS, select(AvailabilityBlock), render)


AVAILABILITY_BLOCK_MAX_REPEATS = 100
"""The document allows availability blocks 100 repeats (appointments and unavailable blocks 51)."""


@router.post("/availability_blocks")
async def create_availability_block(
    request: Request, session: WriteSession, urls: UrlsDep, context: ContextDep
) -> Response:
    """Extra working time; with a ``repeat_rule`` its repeats too (``repeats.py``)."""
    reader = FieldReader(await read_json_object(request))
    business_id = reader.record_id("business_id", relation="business", required=True)
    practitioner_id = reader.record_id("practitioner_id", relation="practitioner", required=True)
    starts_at = reader.instant("starts_at", required=True)
    ends_at = reader.instant("ends_at", required=True)
    repeat_rule = read_repeat_rule(reader, max_repeats=AVAILABILITY_BLOCK_MAX_REPEATS)
    await check_exists(
        session, reader, {"business": (Business, business_id), "practitioner": (Practitioner, practitioner_id)}
    )
    if isinstance(starts_at, datetime) and isinstance(ends_at, datetime) and ends_at <= starts_at:
        reader.fail("ends_at", "must be after starts_at")
    reader.raise_if_invalid()
    now = context.now()
    block = AvailabilityBlock(
        business_id=business_id,
        practitioner_id=practitioner_id,
        starts_at=starts_at,
        ends_at=ends_at,
        repeat_rule=repeat_rule if isinstance(repeat_rule, dict) else None,
        created_at=now,
        updated_at=now,
    )
    session.add(block)
    await session.flush()
    zone = await business_zone(session, block.business_id)
    for start in repeat_starts(block.starts_at, block.repeat_rule, zone):
        session.add(
            AvailabilityBlock(
                business_id=block.business_id,
                practitioner_id=block.practitioner_id,
                starts_at=start,
                ends_at=start + (block.ends_at - block.starts_at),
                repeat_rule=block.repeat_rule,
                repeated_from_id=block.id,
                created_at=now,
                updated_at=now,
            )
        )
    await session.commit()
    return created(serializers.availability_block(block, urls))


@router.get("/availability_blocks/{availability_block_id}")
async def show_availability_block(
    availability_block_id: str, request: Request, session: ReadSession, urls: UrlsDep
) -> Response:
    statement = select(AvailabilityBlock).where(AvailabilityBlock.id == path_id(availability_block_id))
    row = await find_visible(request, session, AVAILABILITY_BLOCKS, statement)
    return JSONResponse(serializers.availability_block(row, urls))


_AVAILABILITY_PATH = "/businesses/{business_id}/practitioners/{practitioner_id}/appointment_types/{appointment_type_id}"


async def _search(
    request: Request,
    session: AsyncSession,
    context: SandboxContext,
    ids: tuple[str, str, str],
) -> Iterator[datetime]:
    """The bookable starts a request asks for: 404 for a combination online booking does not serve
    (the account's switch included), then 400 for a bad ``from``/``to``."""
    business_id, practitioner_id, appointment_type_id = (path_id(raw) for raw in ids)
    combination = await load_combination(session, business_id, practitioner_id, appointment_type_id)
    limits = booking_limits(await load_settings(session))
    if not limits.enabled:
        raise RecordNotFound()
    now = context.now()
    first, last = time_frame(
        request.query_params.get("from"),
        request.query_params.get("to"),
        today=local_today(now, combination.zone),
    )
    return await bookable_starts(session, combination, first, last, now=now, limits=limits)


@router.get(_AVAILABILITY_PATH + "/available_times")
async def list_available_times(
    business_id: str,
    practitioner_id: str,
    appointment_type_id: str,
    request: Request,
    session: ReadSession,
    urls: UrlsDep,
    context: ContextDep,
) -> Response:
    """Chronological starts, paginated; ``from``/``to`` are required days in the business's zone."""
    ids = (business_id, practitioner_id, appointment_type_id)
    starts = list(await _search(request, session, context, ids))
    page = read_page_request(request)
    items = [{"appointment_start": serializers.instant(start)} for start in starts[page.offset :][: page.per_page]]
    return JSONResponse(envelope("available_times", items, len(starts), page_links(request, urls, page, len(starts))))


@router.get(_AVAILABILITY_PATH + "/next_available_time")
async def next_available_time(
    business_id: str,
    practitioner_id: str,
    appointment_type_id: str,
    request: Request,
    session: ReadSession,
    urls: UrlsDep,
    context: ContextDep,
) -> Response:
    """The first start in the ``from``/``to`` window (both required, as for ``available_times``), or null."""
    ids = (business_id, practitioner_id, appointment_type_id)
    first_start = next(await _search(request, session, context, ids), None)
    return JSONResponse(
        {
            "appointment_start": serializers.instant(first_start),
            "total_entries": 0 if first_start is None else 1,
            "links": {"self": urls.current(request)},
        }
    )
