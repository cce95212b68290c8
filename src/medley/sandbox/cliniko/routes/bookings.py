"""Bookings: Cliniko's read model over individual appointments, group appointments (classes) and
unavailable blocks (list and show).

Each item keeps the shape of its own kind (an appointment has a ``patient``, a class ``patient_ids`` and
``max_attendees``, a block neither) and links to itself as ``/bookings/{id}``, as Cliniko's do. The
emulator numbers each kind in its own sequence (the seeded ones in separate ranges), so two kinds could in
principle share an id; a show then returns the first by kind name (class, appointment, block).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Integer, Select, String, and_, cast, func, literal, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from starlette.responses import JSONResponse, Response

from medley.sandbox.cliniko import serializers
from medley.sandbox.cliniko.deps import ReadSession, UrlsDep
from medley.sandbox.cliniko.errors import RecordNotFound
from medley.sandbox.cliniko.filters import (
    Kind,
    always_null,
    booleans,
    id_arrays,
    ids,
    instants,
    integers,
    order_clauses,
)
from medley.sandbox.cliniko.listing import Collection, path_id, search_clauses
from medley.sandbox.cliniko.pagination import envelope, page_links, read_page_request
from medley.sandbox.cliniko.routes.appointments import render_appointments
from medley.sandbox.cliniko.routes.attendees import seated
from medley.sandbox.cliniko.routes.group_appointments import render_group_appointments
from medley.sandbox.cliniko.tables import GroupAppointment, IndividualAppointment, UnavailableBlock
from medley.sandbox.cliniko.urls import Urls
from medley.sandbox.columns import UtcDateTime

router = APIRouter()

_APPOINTMENT = "individual_appointment"
_GROUP = "group_appointment"
_BLOCK = "unavailable_block"

_appointments = select(
    literal(_APPOINTMENT, String).label("kind"),
    IndividualAppointment.id.label("id"),
    IndividualAppointment.business_id.label("business_id"),
    IndividualAppointment.practitioner_id.label("practitioner_id"),
    IndividualAppointment.appointment_type_id.label("appointment_type_id"),
    IndividualAppointment.patient_id.label("patient_id"),
    IndividualAppointment.starts_at.label("starts_at"),
    IndividualAppointment.ends_at.label("ends_at"),
    IndividualAppointment.created_at.label("created_at"),
    IndividualAppointment.updated_at.label("updated_at"),
    IndividualAppointment.archived_at.label("archived_at"),
    IndividualAppointment.cancelled_at.label("cancelled_at"),
    IndividualAppointment.did_not_arrive.label("did_not_arrive"),
    IndividualAppointment.treatment_note_status.label("treatment_note_status"),
)
_groups = select(
    literal(_GROUP, String),
    GroupAppointment.id,
    GroupAppointment.business_id,
    GroupAppointment.practitioner_id,
    GroupAppointment.appointment_type_id,
    cast(null(), Integer),
    GroupAppointment.starts_at,
    GroupAppointment.ends_at,
    GroupAppointment.created_at,
    GroupAppointment.updated_at,
    GroupAppointment.archived_at,
    cast(null(), UtcDateTime),
    literal(False),
    cast(null(), Integer),
)
_blocks = select(
    literal(_BLOCK, String),
    UnavailableBlock.id,
    UnavailableBlock.business_id,
    UnavailableBlock.practitioner_id,
    cast(null(), Integer),
    cast(null(), Integer),
    UnavailableBlock.starts_at,
    UnavailableBlock.ends_at,
    UnavailableBlock.created_at,
    UnavailableBlock.updated_at,
    UnavailableBlock.archived_at,
    cast(null(), UtcDateTime),
    literal(False),
    cast(null(), Integer),
)
_bookings = union_all(_appointments, _groups, _blocks).subquery("bookings")


def _has_patient(patient_id: int) -> ColumnElement[bool]:
    """The patient's appointments, and the classes where the patient holds a seat."""
    in_class = and_(_bookings.c.kind == _GROUP, seated(_bookings.c.id, patient_id))
    return or_(_bookings.c.patient_id == patient_id, in_class)


BOOKINGS = Collection(
    "bookings",
    {
        "appointment_type_id": ids(_bookings.c.appointment_type_id),
        "archived_at": instants(_bookings.c.archived_at),
        "business_id": ids(_bookings.c.business_id),
        "cancelled_at": instants(_bookings.c.cancelled_at),
        "created_at": instants(_bookings.c.created_at),
        "deleted_at": always_null(Kind.DATETIME),
        "did_not_arrive": booleans(_bookings.c.did_not_arrive),
        "email_reminder_sent": always_null(Kind.BOOLEAN),
        "ends_at": instants(_bookings.c.ends_at),
        "id": ids(_bookings.c.id),
        "invoice_status": always_null(Kind.INTEGER),
        "patient_ids": id_arrays(_has_patient),
        "practitioner_id": ids(_bookings.c.practitioner_id),
        "repeated_from_id": always_null(Kind.ID),
        "sms_reminder_sent": always_null(Kind.BOOLEAN),
        "starts_at": instants(_bookings.c.starts_at),
        "treatment_note_status": integers(_bookings.c.treatment_note_status),
        "updated_at": instants(_bookings.c.updated_at),
    },
    hidden=("archived_at", "cancelled_at"),
)


async def _render(session: AsyncSession, urls: Urls, keys: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """Loads each kind in one query and keeps the listed order."""
    appointment_ids = [record_id for kind, record_id in keys if kind == _APPOINTMENT]
    group_ids = [record_id for kind, record_id in keys if kind == _GROUP]
    block_ids = [record_id for kind, record_id in keys if kind == _BLOCK]
    rendered: dict[tuple[str, int], dict[str, Any]] = {}
    if appointment_ids:
        rows = (
            await session.scalars(select(IndividualAppointment).where(IndividualAppointment.id.in_(appointment_ids)))
        ).all()
        for row, item in zip(rows, await render_appointments(session, urls, rows), strict=True):
            rendered[(_APPOINTMENT, row.id)] = item
    if group_ids:
        groups = (await session.scalars(select(GroupAppointment).where(GroupAppointment.id.in_(group_ids)))).all()
        for group, item in zip(groups, await render_group_appointments(session, urls, groups), strict=True):
            rendered[(_GROUP, group.id)] = item
    if block_ids:
        blocks = (await session.scalars(select(UnavailableBlock).where(UnavailableBlock.id.in_(block_ids)))).all()
        for block in blocks:
            rendered[(_BLOCK, block.id)] = serializers.unavailable_block(block, urls)
    items = [rendered[key] for key in keys if key in rendered]
    for item in items:
        item["links"] = urls.self_links(f"bookings/{item['id']}")  # every kind links to itself as a booking
    return items


def _keys(statement: Select[Any]) -> Select[str, int]:
    return statement.with_only_columns(_bookings.c.kind, _bookings.c.id)


@router.get("/bookings")
async def list_bookings(request: Request, session: ReadSession, urls: UrlsDep) -> Response:
    page = read_page_request(request)
    filtered = select(_bookings).where(*search_clauses(request, BOOKINGS))
    ordering = order_clauses(request.query_params.get("sort"), request.query_params.get("order"), BOOKINGS.filters)
    total = await session.scalar(select(func.count()).select_from(filtered.subquery())) or 0
    ordered = _keys(filtered).order_by(*ordering, _bookings.c.kind).limit(page.per_page).offset(page.offset)
    keys = [(kind, record_id) for kind, record_id in await session.execute(ordered)]
    items = await _render(session, urls, keys)
    return JSONResponse(envelope("bookings", items, total, page_links(request, urls, page, total)))


@router.get("/bookings/{booking_id}")
async def show_booking(booking_id: str, request: Request, session: ReadSession, urls: UrlsDep) -> Response:
    statement = select(_bookings).where(_bookings.c.id == path_id(booking_id), *search_clauses(request, BOOKINGS))
    row = (await session.execute(_keys(statement).order_by(_bookings.c.kind).limit(1))).first()
    if row is None:
        raise RecordNotFound()
    kind, record_id = row
    (rendered,) = await _render(session, urls, [(kind, record_id)])
    return JSONResponse(rendered)
