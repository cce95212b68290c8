"""Businesses (Cliniko's locations): ``GET /businesses``, ``GET /businesses/{id}``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from starlette.responses import JSONResponse, Response

from medley.sandbox.cliniko import serializers
from medley.sandbox.cliniko.deps import ReadSession, UrlsDep
from medley.sandbox.cliniko.filters import Kind, always_null, booleans, id_arrays, ids, instants
from medley.sandbox.cliniko.listing import Collection, find_visible, list_response, path_id
from medley.sandbox.cliniko.tables import Business, business_appointment_types
from medley.sandbox.cliniko.urls import Urls

router = APIRouter()


def _offers_type(appointment_type_id: int) -> ColumnElement[bool]:
    return exists().where(
        business_appointment_types.c.business_id == Business.id,
        business_appointment_types.c.appointment_type_id == appointment_type_id,
    )


BUSINESSES = Collection(
    "businesses",
    {
        "appointment_type_ids": id_arrays(_offers_type),
        "archived_at": instants(Business.archived_at),
        "created_at": instants(Business.created_at),
        "deleted_at": always_null(Kind.DATETIME),
        "id": ids(Business.id),
        "show_in_online_bookings": booleans(Business.show_in_online_bookings),
        "updated_at": instants(Business.updated_at),
    },
    hidden=("archived_at",),
)


async def render_businesses(session: AsyncSession, urls: Urls, rows: Sequence[Business]) -> list[dict[str, Any]]:
    type_ids: dict[int, list[int]] = defaultdict(list)
    if rows:
        links = await session.execute(
            select(business_appointment_types.c.business_id, business_appointment_types.c.appointment_type_id).where(
                business_appointment_types.c.business_id.in_([row.id for row in rows])
            )
        )
        for business_id, appointment_type_id in links:
            type_ids[business_id].append(appointment_type_id)
    return [serializers.business(row, urls, type_ids[row.id]) for row in rows]


@router.get("/businesses")
async def list_businesses(request: Request, session: ReadSession, urls: UrlsDep) -> Response:
    async def render(rows: Sequence[Business]) -> list[dict[str, Any]]:
        return await render_businesses(session, urls, rows)

    return await list_response(request, session, urls, BUSINESSES, select(Business), render)


@router.get("/businesses/{business_id}")
async def show_business(business_id: str, request: Request, session: ReadSession, urls: UrlsDep) -> Response:
    statement = select(Business).where(Business.id == path_id(business_id))
    row = await find_visible(request, session, BUSINESSES, statement)
    (rendered,) = await render_businesses(session, urls, [row])
    return JSONResponse(rendered)
