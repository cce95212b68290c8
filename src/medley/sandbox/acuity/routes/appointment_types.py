"""``GET /appointment-types``: active types (private ones included); ``includeDeleted=true`` adds the rest."""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import JSONResponse

from medley.sandbox.acuity import serializers
from medley.sandbox.acuity.deps import ReadSession, load_account
from medley.sandbox.acuity.tables import AppointmentType, type_calendars
from medley.sandbox.acuity.wire import flag

router = APIRouter()


@router.get("/appointment-types")
async def list_appointment_types(request: Request, session: ReadSession) -> JSONResponse:
    account = await load_account(session)
    statement = select(AppointmentType).order_by(AppointmentType.id)
    if not flag(request.query_params.get("includeDeleted")):
        statement = statement.where(AppointmentType.active.is_(True))
    calendar_ids: dict[int, list[int]] = defaultdict(list)
    links = select(type_calendars.c.appointment_type_id, type_calendars.c.calendar_id).order_by(
        type_calendars.c.calendar_id
    )
    for type_id, calendar_id in await session.execute(links):
        calendar_ids[type_id].append(calendar_id)
    rows = await session.scalars(statement)
    return JSONResponse([serializers.appointment_type(row, calendar_ids[row.id], account.id) for row in rows])
