"""Group appointments (classes): list, show, create, update, archive (also ``DELETE``), conflicts, and the
attendees of one class.

As Cliniko documents it, a class is never cancelled as a whole: it is archived (deleted), and its
patients cancel one by one (``PATCH /attendees/{id}/cancel``). ``patient_ids`` lists the attendees who
have not cancelled. A create with a ``repeat_rule`` also creates the repeats (without attendees).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import JSONResponse, Response

from medley.sandbox.cliniko import serializers
from medley.sandbox.cliniko.bodies import MISSING, FieldReader, read_json_object
from medley.sandbox.cliniko.conflicts import has_conflict
from medley.sandbox.cliniko.deps import ContextDep, ReadSession, UrlsDep, WriteSession
from medley.sandbox.cliniko.filters import Kind, always_null, id_arrays, ids, instants
from medley.sandbox.cliniko.listing import (
    Collection,
    archive_record,
    ensure_exists,
    find_visible,
    get_or_404,
    list_response,
    path_id,
)
from medley.sandbox.cliniko.references import check_exists
from medley.sandbox.cliniko.repeats import business_zone, repeat_starts
from medley.sandbox.cliniko.responses import created, no_content
from medley.sandbox.cliniko.routes.attendees import ATTENDEES, render_attendees, seated
from medley.sandbox.cliniko.structured_fields import read_repeat_rule
from medley.sandbox.cliniko.tables import AppointmentType, Attendee, Business, GroupAppointment, Practitioner
from medley.sandbox.cliniko.urls import Urls

router = APIRouter()

MAX_ATTENDEES_RANGE = range(2, 100)
"""The document's ``max_attendees``: above 1 (exclusive minimum) and below 100 (exclusive maximum)."""


GROUP_APPOINTMENTS = Collection(
    "group_appointments",
    {
        "appointment_type_id": ids(GroupAppointment.appointment_type_id),
        "archived_at": instants(GroupAppointment.archived_at),
        "business_id": ids(GroupAppointment.business_id),
        "created_at": instants(GroupAppointment.created_at),
        "deleted_at": always_null(Kind.DATETIME),
        "ends_at": instants(GroupAppointment.ends_at),
        "id": ids(GroupAppointment.id),
        "patient_ids": id_arrays(lambda patient_id: seated(GroupAppointment.id, patient_id)),
        "practitioner_id": ids(GroupAppointment.practitioner_id),
        "repeated_from_id": ids(GroupAppointment.repeated_from_id),
        "starts_at": instants(GroupAppointment.starts_at),
        "updated_at": instants(GroupAppointment.updated_at),
    },
    hidden=("archived_at",),
)


async def seated_patients(session: AsyncSession, group_ids: Sequence[int]) -> dict[int, list[int]]:
    """Per class, the patients holding a seat, in booking order (one query for a whole page)."""
    found: dict[int, list[int]] = defaultdict(list)
    if group_ids:
        rows = await session.execute(
            select(Attendee.group_appointment_id, Attendee.patient_id)
            .where(
                Attendee.group_appointment_id.in_(group_ids),
                Attendee.cancelled_at.is_(None),
                Attendee.archived_at.is_(None),
            )
            .order_by(Attendee.id)
        )
        for group_id, patient_id in rows:
            found[group_id].append(patient_id)
    return found


async def render_group_appointments(
    session: AsyncSession, urls: Urls, rows: Sequence[GroupAppointment]
) -> list[dict[str, Any]]:
    patients = await seated_patients(session, [row.id for row in rows])
    return [serializers.group_appointment(row, urls, patients.get(row.id, [])) for row in rows]


async def _render_one(session: AsyncSession, urls: Urls, row: GroupAppointment) -> dict[str, Any]:
    (rendered,) = await render_group_appointments(session, urls, [row])
    return rendered


@router.get("/group_appointments")
async def list_group_appointments(request: Request, session: ReadSession, urls: UrlsDep) -> Response:
    async def render(rows: Sequence[GroupAppointment]) -> list[dict[str, Any]]:
        return await render_group_appointments(session, urls, rows)

    return await list_response(request, session, urls, GROUP_APPOINTMENTS, select(GroupAppointment), render)


@router.get("/group_appointments/{group_appointment_id}")
async def show_group_appointment(
    group_appointment_id: str, request: Request, session: ReadSession, urls: UrlsDep
) -> Response:
    statement = select(GroupAppointment).where(GroupAppointment.id == path_id(group_appointment_id))
    row = await find_visible(request, session, GROUP_APPOINTMENTS, statement)
    return JSONResponse(await _render_one(session, urls, row))


_RELATIONS: dict[str, Any] = {"practitioner": Practitioner, "appointment_type": AppointmentType, "business": Business}


async def _type_defaults(session: AsyncSession, type_id: Any) -> tuple[timedelta, int] | None:
    """The appointment type's duration and seats: what ``ends_at`` and ``max_attendees`` default to."""
    if not isinstance(type_id, int):
        return None
    row = (
        await session.execute(
            select(AppointmentType.duration_in_minutes, AppointmentType.max_attendees).where(
                AppointmentType.id == type_id
            )
        )
    ).first()
    return None if row is None else (timedelta(minutes=row[0]), row[1])


def _read_max_attendees(reader: FieldReader) -> Any:
    value = reader.integer("max_attendees")
    if isinstance(value, int) and value not in MAX_ATTENDEES_RANGE:
        bound = "greater than 1" if value < MAX_ATTENDEES_RANGE.start else "less than 100"
        reader.fail("max_attendees", f"must be {bound}")
        return None
    return value


@router.post("/group_appointments")
async def create_group_appointment(
    request: Request, session: WriteSession, urls: UrlsDep, context: ContextDep
) -> Response:
    reader = FieldReader(await read_json_object(request))
    starts_at = reader.instant("starts_at", required=True)
    ends_at = reader.instant("ends_at")
    references = {
        relation: reader.record_id(f"{relation}_id", relation=relation, required=True) for relation in _RELATIONS
    }
    max_attendees = _read_max_attendees(reader)
    notes = reader.text("notes", max_length=None)
    repeat_rule = read_repeat_rule(reader)
    await check_exists(session, reader, {name: (_RELATIONS[name], value) for name, value in references.items()})
    defaults = await _type_defaults(session, references["appointment_type"])
    if isinstance(starts_at, datetime) and not isinstance(ends_at, datetime) and defaults is not None:
        ends_at = starts_at + defaults[0]
    if not isinstance(max_attendees, int) and defaults is not None:
        max_attendees = max(defaults[1], MAX_ATTENDEES_RANGE.start)
    if isinstance(starts_at, datetime) and isinstance(ends_at, datetime) and ends_at <= starts_at:
        reader.fail("ends_at", "must be after starts_at")
    reader.raise_if_invalid()
    now = context.now()
    group = GroupAppointment(
        business_id=references["business"],
        practitioner_id=references["practitioner"],
        appointment_type_id=references["appointment_type"],
        starts_at=starts_at,
        ends_at=ends_at,
        max_attendees=max_attendees,
        notes=notes if isinstance(notes, str) else None,
        repeat_rule=repeat_rule if isinstance(repeat_rule, dict) else None,
        created_at=now,
        updated_at=now,
    )
    session.add(group)
    await session.flush()
    await _add_repeats(session, group)
    await session.commit()
    return created(await _render_one(session, urls, group))


async def _add_repeats(session: AsyncSession, first: GroupAppointment) -> None:
    length = first.ends_at - first.starts_at
    zone = await business_zone(session, first.business_id)
    for start in repeat_starts(first.starts_at, first.repeat_rule, zone):
        copied = ("business_id", "practitioner_id", "appointment_type_id", "max_attendees", "notes", "repeat_rule")
        session.add(
            GroupAppointment(
                **{name: getattr(first, name) for name in copied},
                starts_at=start,
                ends_at=start + length,
                repeated_from_id=first.id,
                created_at=first.created_at,
                updated_at=first.updated_at,
            )
        )


@router.patch("/group_appointments/{group_appointment_id}")
async def update_group_appointment(
    group_appointment_id: str, request: Request, session: WriteSession, urls: UrlsDep, context: ContextDep
) -> Response:
    group = await get_or_404(session, GroupAppointment, path_id(group_appointment_id))
    reader = FieldReader(await read_json_object(request))
    references: dict[str, Any] = {}
    for relation in _RELATIONS:
        if reader.has(f"{relation}_id"):
            references[relation] = reader.record_id(f"{relation}_id", relation=relation, required=True)
    await check_exists(session, reader, {name: (_RELATIONS[name], value) for name, value in references.items()})
    starts_at = reader.instant("starts_at", required=True) if reader.has("starts_at") else group.starts_at
    ends_at: Any = reader.instant("ends_at")
    recompute_end = (reader.has("ends_at") and ends_at is None) or (reader.has("starts_at") and ends_at is MISSING)
    max_attendees = _read_max_attendees(reader)
    notes = reader.text("notes", max_length=None)
    repeat_rule = read_repeat_rule(reader)
    if recompute_end and isinstance(starts_at, datetime):
        defaults = await _type_defaults(session, references.get("appointment_type", group.appointment_type_id))
        ends_at = starts_at + defaults[0] if defaults is not None else None
    elif ends_at is MISSING:
        ends_at = group.ends_at
    if isinstance(starts_at, datetime) and isinstance(ends_at, datetime) and ends_at <= starts_at:
        reader.fail("ends_at", "must be after starts_at")
    reader.raise_if_invalid()
    for relation, record_id in references.items():
        setattr(group, f"{relation}_id", record_id)
    group.starts_at, group.ends_at = starts_at, ends_at
    if isinstance(max_attendees, int):
        group.max_attendees = max_attendees
    if notes is not MISSING:
        group.notes = notes
    if repeat_rule is not MISSING:
        group.repeat_rule = repeat_rule  # kept as the class's rule; repeats are made only on create
    group.updated_at = context.now()
    await session.commit()
    return JSONResponse(await _render_one(session, urls, group))


@router.post("/group_appointments/{group_appointment_id}/archive")
@router.delete("/group_appointments/{group_appointment_id}")
async def archive_group_appointment(group_appointment_id: str, session: WriteSession, context: ContextDep) -> Response:
    await archive_record(session, GroupAppointment, group_appointment_id, context.now())
    return no_content()


@router.get("/group_appointments/{group_appointment_id}/conflicts")
async def group_appointment_conflicts(group_appointment_id: str, session: ReadSession) -> Response:
    group = await get_or_404(session, GroupAppointment, path_id(group_appointment_id))
    exist = await has_conflict(
        session,
        practitioner_id=group.practitioner_id,
        starts_at=group.starts_at,
        ends_at=group.ends_at,
        group_appointment_id=group.id,
    )
    return JSONResponse({"conflicts": {"exist": exist}})


@router.get("/group_appointments/{group_appointment_id}/attendees")
async def list_class_attendees(
    group_appointment_id: str, request: Request, session: ReadSession, urls: UrlsDep
) -> Response:
    group_id = path_id(group_appointment_id)
    await ensure_exists(
        session,
        select(GroupAppointment.id).where(GroupAppointment.id == group_id, GroupAppointment.archived_at.is_(None)),
    )

    async def render(rows: Sequence[Attendee]) -> list[dict[str, Any]]:
        return render_attendees(urls, rows)

    statement = select(Attendee).where(Attendee.group_appointment_id == group_id)
    return await list_response(request, session, urls, ATTENDEES, statement, render)
