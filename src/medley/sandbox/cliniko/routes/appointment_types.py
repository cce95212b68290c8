"""Appointment types: all, one, and those a practitioner offers (read-only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Select, select
from starlette.responses import JSONResponse, Response

from medley.sandbox.cliniko import serializers
from medley.sandbox.cliniko.deps import ReadSession, UrlsDep
from medley.sandbox.cliniko.filters import Kind, always_null, booleans, ids, instants, strings
from medley.sandbox.cliniko.listing import Collection, ensure_exists, find_visible, list_response, path_id
from medley.sandbox.cliniko.tables import AppointmentType, Practitioner, practitioner_appointment_types
from medley.sandbox.cliniko.urls import Urls

router = APIRouter()

APPOINTMENT_TYPES = Collection(
    "appointment_types",
    {
        "archived_at": instants(AppointmentType.archived_at),
        "category": strings(AppointmentType.category),
        "created_at": instants(AppointmentType.created_at),
        "id": ids(AppointmentType.id),
        "online_payments_mode": always_null(Kind.STRING),
        "show_in_online_bookings": booleans(AppointmentType.show_in_online_bookings),
        "updated_at": instants(AppointmentType.updated_at),
    },
    hidden=("archived_at",),
)


async def _listing(request: Request, session: ReadSession, urls: Urls, statement: Select[AppointmentType]) -> Response:
    async def render(rows: Sequence[AppointmentType]) -> list[dict[str, Any]]:
        return [serializers.appointment_type(row, urls) for row in rows]

    return await list_response(request, session, urls, APPOINTMENT_TYPES, statement, render)


@router.get("/appointment_types")
async def list_appointment_types(request: Request, session: ReadSession, urls: UrlsDep) -> Response:
    return await _listing(request, session, urls, select(AppointmentType))


@router.get("/appointment_types/{appointment_type_id}")
async def show_appointment_type(
    appointment_type_id: str, request: Request, session: ReadSession, urls: UrlsDep
) -> Response:
    statement = select(AppointmentType).where(AppointmentType.id == path_id(appointment_type_id))
    row = await find_visible(request, session, APPOINTMENT_TYPES, statement)
    return JSONResponse(serializers.appointment_type(row, urls))


@router.get("/practitioners/{practitioner_id}/appointment_types")
async def list_practitioner_appointment_types(
    practitioner_id: str, request: Request, session: ReadSession, urls: UrlsDep
) -> Response:
    practitioner = path_id(practitioner_id)
    await ensure_exists(session, select(Practitioner.id).where(Practitioner.id == practitioner))
    offered = select(practitioner_appointment_types.c.appointment_type_id).where(
        practitioner_appointment_types.c.practitioner_id == practitioner
    )
    return await _listing(request, session, urls, select(AppointmentType).where(AppointmentType.id.in_(offered)))
