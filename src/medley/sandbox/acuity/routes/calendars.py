"""``GET /calendars``: every calendar, each with its own time zone (no query parameters)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select
from starlette.responses import JSONResponse

from medley.sandbox.acuity import serializers
from medley.sandbox.acuity.deps import ReadSession
from medley.sandbox.acuity.tables import Calendar

router = APIRouter()


@router.get("/calendars")
async def list_calendars(session: ReadSession) -> JSONResponse:
    rows = await session.scalars(select(Calendar).order_by(Calendar.id))
    return JSONResponse([serializers.calendar(row) for row in rows])
