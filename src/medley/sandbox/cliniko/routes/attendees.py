"""Attendees: the patients booked into a class (list, show, create, update, cancel, archive).

An attendee's ``booking_id`` is its group appointment. Adding, cancelling or archiving one changes the
class's ``patient_ids``, so it touches the class's ``updated_at`` too (what a sync of ``/bookings`` by
``updated_at`` needs to see). Attendees of individual appointments are not modelled: ``/attendees``
lists those of classes only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import SQLColumnExpression, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from starlette.responses import JSONResponse, Response

from medley.sandbox.cliniko import serializers
from medley.sandbox.cliniko.bodies import MISSING, FieldReader, read_json_object
from medley.sandbox.cliniko.cancel_bodies import read_cancel
from medley.sandbox.cliniko.deps import ContextDep, ReadSession, UrlsDep, WriteSession
from medley.sandbox.cliniko.errors import MUST_EXIST, ValidationFailed
from medley.sandbox.cliniko.filters import Kind, always_null, ids, instants
from medley.sandbox.cliniko.listing import Collection, find_visible, get_or_404, list_response, path_id
from medley.sandbox.cliniko.references import check_exists
from medley.sandbox.cliniko.responses import created, no_content
from medley.sandbox.cliniko.tables import Attendee, GroupAppointment, Patient
from medley.sandbox.cliniko.urls import Urls

router = APIRouter()

ALREADY_CANCELLED = "Attendee has already been cancelled"
CLASS_FULL = "The group appointment is full"
ALREADY_ATTENDING = "has already been taken"

ATTENDEES = Collection(
    "attendees",
    {
        "appointment_id": ids(Attendee.group_appointment_id),
        "archived_at": instants(Attendee.archived_at),
        "booking_id": ids(Attendee.group_appointment_id),
        "cancelled_at": instants(Attendee.cancelled_at),
        "created_at": instants(Attendee.created_at),
        "deleted_at": always_null(Kind.DATETIME),
        "id": ids(Attendee.id),
        "patient_case_id": ids(Attendee.patient_case_id),
        "patient_id": ids(Attendee.patient_id),
        "updated_at": instants(Attendee.updated_at),
    },
    hidden=("archived_at", "cancelled_at"),
)


def seated(group_id: SQLColumnExpression[int] | int, patient_id: int | None = None) -> ColumnElement[bool]:
    """Whether the class has an attendee who has neither cancelled nor been archived (optionally: this patient)."""
    conditions = [
        Attendee.group_appointment_id == group_id,
        Attendee.cancelled_at.is_(None),
        Attendee.archived_at.is_(None),
    ]
    if patient_id is not None:
        conditions.append(Attendee.patient_id == patient_id)
    return exists().where(*conditions)


def render_attendees(urls: Urls, rows: Sequence[Attendee]) -> list[dict[str, Any]]:
    return [serializers.attendee(row, urls) for row in rows]


@router.get("/attendees")
async def list_attendees(request: Request, session: ReadSession, urls: UrlsDep) -> Response:
    async def render(rows: Sequence[Attendee]) -> list[dict[str, Any]]:
        return render_attendees(urls, rows)

    return await list_response(request, session, urls, ATTENDEES, select(Attendee), render)


@router.get("/attendees/{attendee_id}")
async def show_attendee(attendee_id: str, request: Request, session: ReadSession, urls: UrlsDep) -> Response:
    statement = select(Attendee).where(Attendee.id == path_id(attendee_id))
    return JSONResponse(serializers.attendee(await find_visible(request, session, ATTENDEES, statement), urls))


async def _open_class(session: AsyncSession, reader: FieldReader, group_id: Any) -> GroupAppointment | None:
    """The class a new attendee joins: it must exist and not be archived (deleted); ``None`` after a 422."""
    if not isinstance(group_id, int):
        return None
    group = await session.get(GroupAppointment, group_id)
    if group is None or group.archived_at is not None:
        reader.fail("booking", MUST_EXIST)
        return None
    return group


async def _touch_class(session: AsyncSession, group_id: int, now: datetime) -> None:
    await session.execute(update(GroupAppointment).where(GroupAppointment.id == group_id).values(updated_at=now))


@router.post("/attendees")
async def create_attendee(request: Request, session: WriteSession, urls: UrlsDep, context: ContextDep) -> Response:
    reader = FieldReader(await read_json_object(request))
    group_id = reader.record_id("booking_id", relation="booking", required=True)
    patient_id = reader.record_id("patient_id", relation="patient", required=True)
    arrived = reader.flag("arrived", nullable=True)
    notes = reader.text("notes", max_length=None)
    patient_case_id = reader.record_id("patient_case_id", relation="patient_case")
    await check_exists(session, reader, {"patient": (Patient, patient_id)})
    group = await _open_class(session, reader, group_id)
    reader.raise_if_invalid()
    assert group is not None and isinstance(patient_id, int)  # both checked above
    if await session.scalar(select(seated(group.id, patient_id))):
        raise ValidationFailed({"patient": ALREADY_ATTENDING})
    taken = await session.scalar(
        select(func.count()).where(
            Attendee.group_appointment_id == group.id, Attendee.cancelled_at.is_(None), Attendee.archived_at.is_(None)
        )
    )
    if (taken or 0) >= group.max_attendees:
        raise ValidationFailed.base(CLASS_FULL)
    now = context.now()
    attendee = Attendee(
        group_appointment_id=group.id,
        patient_id=patient_id,
        arrived=arrived is True,
        notes=notes if isinstance(notes, str) else None,
        patient_case_id=patient_case_id if isinstance(patient_case_id, int) else None,
        created_at=now,
        updated_at=now,
    )
    session.add(attendee)
    await _touch_class(session, group.id, now)
    await session.commit()
    return created(serializers.attendee(attendee, urls))


@router.patch("/attendees/{attendee_id}")
async def update_attendee(
    attendee_id: str, request: Request, session: WriteSession, urls: UrlsDep, context: ContextDep
) -> Response:
    attendee = await get_or_404(session, Attendee, path_id(attendee_id))
    reader = FieldReader(await read_json_object(request))
    arrived = reader.flag("arrived", nullable=True)
    notes = reader.text("notes", max_length=None)
    patient_case_id = reader.record_id("patient_case_id", relation="patient_case")
    reader.raise_if_invalid()
    if arrived is not MISSING:
        attendee.arrived = arrived is True
    if notes is not MISSING:
        attendee.notes = notes
    if patient_case_id is not MISSING:
        attendee.patient_case_id = patient_case_id
    attendee.updated_at = context.now()
    await session.commit()
    return JSONResponse(serializers.attendee(attendee, urls))


@router.patch("/attendees/{attendee_id}/cancel")
async def cancel_attendee(attendee_id: str, request: Request, session: WriteSession, context: ContextDep) -> Response:
    attendee = await get_or_404(session, Attendee, path_id(attendee_id))
    if attendee.cancelled_at is not None:
        raise ValidationFailed.base(ALREADY_CANCELLED)
    cancel = await read_cancel(request)
    now = context.now()
    values = {
        "cancelled_at": now,
        "updated_at": now,
        "cancellation_reason": cancel.reason,
        "cancellation_note": cancel.note,
    }
    cancelled = [attendee.group_appointment_id]
    if cancel.to_repeats:
        cancelled.extend(await _later_seats(session, attendee))
    await session.execute(
        update(Attendee)
        .where(
            Attendee.group_appointment_id.in_(cancelled),
            Attendee.patient_id == attendee.patient_id,
            Attendee.cancelled_at.is_(None),
        )
        .values(**values)
    )
    await session.execute(update(GroupAppointment).where(GroupAppointment.id.in_(cancelled)).values(updated_at=now))
    await session.commit()
    return no_content()


async def _later_seats(session: AsyncSession, attendee: Attendee) -> list[int]:
    """The later classes of the same series (repeats of one first class) the patient is booked into."""
    group = await session.get(GroupAppointment, attendee.group_appointment_id)
    if group is None:
        return []
    series = group.repeated_from_id or group.id
    rows = await session.scalars(
        select(GroupAppointment.id).where(
            (GroupAppointment.repeated_from_id == series) | (GroupAppointment.id == series),
            GroupAppointment.starts_at > group.starts_at,
        )
    )
    return list(rows)


@router.post("/attendees/{attendee_id}/archive")
@router.delete("/attendees/{attendee_id}")
async def archive_attendee(attendee_id: str, session: WriteSession, context: ContextDep) -> Response:
    attendee = await get_or_404(session, Attendee, path_id(attendee_id))
    if attendee.archived_at is None:
        now = context.now()
        attendee.archived_at = attendee.updated_at = now
        await _touch_class(session, attendee.group_appointment_id, now)
        await session.commit()
    return no_content()
