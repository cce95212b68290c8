"""``/blocks``: blocked-off time on a calendar. Blocked time is never offered to clients.

``start``/``end`` are read like any request datetime, local to the calendar when they carry no offset;
an ``end`` that is a bare date means the end of that day (``2015-12-24``–``2015-12-26`` blocks three days).
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import JSONResponse, Response

from medley.sandbox.acuity import serializers
from medley.sandbox.acuity.availability import existing_calendar
from medley.sandbox.acuity.booking import text_field
from medley.sandbox.acuity.deps import ContextDep, ReadSession, WriteSession, read_json_object
from medley.sandbox.acuity.errors import bad_request, not_found
from medley.sandbox.acuity.rendering import Catalogue
from medley.sandbox.acuity.tables import Block
from medley.sandbox.acuity.wire import int_parameter, parse_datetime, parse_day
from medley.scheduling import to_instant

router = APIRouter()

DEFAULT_MAX = 100
_BARE_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")


@router.get("/blocks")
async def list_blocks(request: Request, session: ReadSession) -> JSONResponse:
    query = request.query_params
    catalogue = await Catalogue.load(session)
    zone = ZoneInfo(catalogue.account.timezone)
    statement = select(Block).order_by(Block.starts_at, Block.id)
    if query.get("minDate"):
        first = parse_day(query.get("minDate"), "minDate")
        statement = statement.where(Block.ends_at > to_instant(first, time(0), zone))
    if query.get("maxDate"):
        last = parse_day(query.get("maxDate"), "maxDate")
        statement = statement.where(Block.starts_at < to_instant(last + timedelta(days=1), time(0), zone))
    calendar_id = int_parameter(query.get("calendarID"), "calendarID")
    if calendar_id is not None:
        statement = statement.where(Block.calendar_id == calendar_id)
    limit = int_parameter(query.get("max"), "max")
    rows = await session.scalars(statement.limit(limit if limit is not None and limit > 0 else DEFAULT_MAX))
    return JSONResponse([serializers.block(row, catalogue.calendars[row.calendar_id]) for row in rows])


@router.get("/blocks/{block_id}")
async def get_block(block_id: str, session: ReadSession) -> JSONResponse:
    row = await _block(session, block_id)
    calendar = await existing_calendar(session, row.calendar_id)
    return JSONResponse(serializers.block(row, calendar))


@router.post("/blocks")
async def create_block(request: Request, session: WriteSession, context: ContextDep) -> JSONResponse:
    body = await read_json_object(request)
    raw_calendar = body.get("calendarID")
    if raw_calendar is None or raw_calendar == "":
        raise bad_request("required_calendar_id", 'The parameter "calendarID" is required.')
    calendar = await existing_calendar(session, int_parameter(str(raw_calendar), "calendarID") or 0)
    zone = ZoneInfo(calendar.timezone)
    start = _moment(body.get("start"), "start", zone, end_of_day=False)
    end = _moment(body.get("end"), "end", zone, end_of_day=True)
    if end <= start:
        raise bad_request("invalid_block", "The block must end after it starts.")
    row = Block(
        calendar_id=calendar.id, starts_at=start, ends_at=end, notes=text_field(body, "notes"), created_at=context.now()
    )
    session.add(row)
    await session.commit()
    return JSONResponse(serializers.block(row, calendar))


@router.delete("/blocks/{block_id}")
async def delete_block(block_id: str, session: WriteSession) -> Response:
    row = await _block(session, block_id)
    await session.delete(row)
    await session.commit()
    return Response(status_code=204)


def _moment(raw: object, name: str, zone: ZoneInfo, *, end_of_day: bool) -> datetime:
    if raw is None or raw == "":
        raise bad_request(f"required_{name}", f'The parameter "{name}" is required.')
    parsed = parse_datetime(raw, zone) if isinstance(raw, str) else None
    if parsed is None:
        raise bad_request(f"invalid_{name}", f'The {name} "{raw}" is invalid.')
    if end_of_day and isinstance(raw, str) and _BARE_DATE.match(raw):
        return to_instant(parse_day(raw, name) + timedelta(days=1), time(0), zone)
    return parsed


async def _block(session: AsyncSession, raw_id: str) -> Block:
    try:
        row = await session.get(Block, int(raw_id))
    except ValueError:
        row = None
    if row is None:
        raise not_found()
    return row
