"""Practitioners: all, inactive, one, and those of a business or an appointment type (read-only).

Lists show active practitioners; the ``/inactive`` variants show the others. A show finds either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Select, select
from starlette.responses import JSONResponse, Response

from medley.sandbox.cliniko import serializers
from medley.sandbox.cliniko.deps import ReadSession, UrlsDep
from medley.sandbox.cliniko.filters import booleans, ids, instants
from medley.sandbox.cliniko.listing import Collection, ensure_exists, find_visible, list_response, path_id
from medley.sandbox.cliniko.tables import (
    AppointmentType,
    Business,
    Practitioner,
    practitioner_appointment_types,
    practitioner_businesses,
)
from medley.sandbox.cliniko.urls import Urls

router = APIRouter()

PRACTITIONERS = Collection(
    "practitioners",
    {
        "active": booleans(Practitioner.active),
        "created_at": instants(Practitioner.created_at),
        "id": ids(Practitioner.id),
        "show_in_online_bookings": booleans(Practitioner.show_in_online_bookings),
        "updated_at": instants(Practitioner.updated_at),
        "user_id": ids(Practitioner.user_id),
    },
)


async def _listing(
    request: Request, session: ReadSession, urls: Urls, statement: Select[Practitioner], *, active: bool
) -> Response:
    async def render(rows: Sequence[Practitioner]) -> list[dict[str, Any]]:
        return [serializers.practitioner(row, urls) for row in rows]

    scoped = statement.where(Practitioner.active.is_(active))
    return await list_response(request, session, urls, PRACTITIONERS, scoped, render)


def _at_business(business_id: int) -> Select[Practitioner]:
    return select(Practitioner).where(
        Practitioner.id.in_(
            select(practitioner_businesses.c.practitioner_id).where(
                practitioner_businesses.c.business_id == business_id
            )
        )
    )


def _offering(appointment_type_id: int) -> Select[Practitioner]:
    return select(Practitioner).where(
        Practitioner.id.in_(
            select(practitioner_appointment_types.c.practitioner_id).where(
                practitioner_appointment_types.c.appointment_type_id == appointment_type_id
            )
        )
    )


@router.get("/practitioners")
async def list_practitioners(request: Request, session: ReadSession, urls: UrlsDep) -> Response:
    return await _listing(request, session, urls, select(Practitioner), active=True)


@router.get("/practitioners/inactive")
async def list_inactive_practitioners(request: Request, session: ReadSession, urls: UrlsDep) -> Response:
    return await _listing(request, session, urls, select(Practitioner), active=False)


@router.get("/practitioners/{practitioner_id}")
async def show_practitioner(practitioner_id: str, request: Request, session: ReadSession, urls: UrlsDep) -> Response:
    statement = select(Practitioner).where(Practitioner.id == path_id(practitioner_id))
    row = await find_visible(request, session, PRACTITIONERS, statement)
    return JSONResponse(serializers.practitioner(row, urls))


async def _business_id(session: ReadSession, raw: str) -> int:
    business_id = path_id(raw)
    await ensure_exists(session, select(Business.id).where(Business.id == business_id, Business.archived_at.is_(None)))
    return business_id


async def _appointment_type_id(session: ReadSession, raw: str) -> int:
    appointment_type_id = path_id(raw)
    visible = AppointmentType.id == appointment_type_id, AppointmentType.archived_at.is_(None)
    await ensure_exists(session, select(AppointmentType.id).where(*visible))
    return appointment_type_id


@router.get("/businesses/{business_id}/practitioners")
async def list_business_practitioners(
    business_id: str, request: Request, session: ReadSession, urls: UrlsDep
) -> Response:
    statement = _at_business(await _business_id(session, business_id))
    return await _listing(request, session, urls, statement, active=True)


@router.get("/businesses/{business_id}/practitioners/inactive")
async def list_business_inactive_practitioners(
    business_id: str, request: Request, session: ReadSession, urls: UrlsDep
) -> Response:
    statement = _at_business(await _business_id(session, business_id))
    return await _listing(request, session, urls, statement, active=False)


@router.get("/appointment_types/{appointment_type_id}/practitioners")
async def list_type_practitioners(
    appointment_type_id: str, request: Request, session: ReadSession, urls: UrlsDep
) -> Response:
    statement = _offering(await _appointment_type_id(session, appointment_type_id))
    return await _listing(request, session, urls, statement, active=True)


@router.get("/appointment_types/{appointment_type_id}/practitioners/inactive")
async def list_type_inactive_practitioners(
    appointment_type_id: str, request: Request, session: ReadSession, urls: UrlsDep
) -> Response:
    statement = _offering(await _appointment_type_id(session, appointment_type_id))
    return await _listing(request, session, urls, statement, active=False)
