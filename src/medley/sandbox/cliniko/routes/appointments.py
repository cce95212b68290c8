"""Individual appointments: list, show, create, update, cancel, archive and conflicts.

As in Cliniko, overlapping appointments are accepted (``/conflicts`` reports them), and booking
outside working hours is allowed: refusing a double booking is the caller's job. A create with a
``repeat_rule`` also creates the repeats (``repeats.py``); a cancel with ``apply_to_repeats`` cancels the
later ones too. ``patient_case_id`` is kept and linked (patient cases themselves are not served).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import JSONResponse, Response

from medley.sandbox.cliniko import serializers
from medley.sandbox.cliniko.bodies import MISSING, FieldReader, read_json_object
from medley.sandbox.cliniko.cancel_bodies import read_cancel
from medley.sandbox.cliniko.conflicts import has_conflict
from medley.sandbox.cliniko.deps import ContextDep, ReadSession, UrlsDep, WriteSession
from medley.sandbox.cliniko.errors import ValidationFailed
from medley.sandbox.cliniko.filters import Kind, always_null, booleans, ids, instants
from medley.sandbox.cliniko.listing import Collection, archive_record, find_visible, get_or_404, list_response, path_id
from medley.sandbox.cliniko.references import check_exists
from medley.sandbox.cliniko.repeats import business_zone, repeat_starts
from medley.sandbox.cliniko.responses import created, no_content
from medley.sandbox.cliniko.structured_fields import read_repeat_rule
from medley.sandbox.cliniko.tables import (
    AppointmentType,
    Business,
    IndividualAppointment,
    Patient,
    Practitioner,
)
from medley.sandbox.cliniko.urls import Urls

router = APIRouter()

ALREADY_CANCELLED = "Appointment has already been cancelled"

APPOINTMENTS = Collection(
    "individual_appointments",
    {
        "appointment_type_id": ids(IndividualAppointment.appointment_type_id),
        "archived_at": instants(IndividualAppointment.archived_at),
        "business_id": ids(IndividualAppointment.business_id),
        "cancelled_at": instants(IndividualAppointment.cancelled_at),
        "created_at": instants(IndividualAppointment.created_at),
        "deleted_at": always_null(Kind.DATETIME),
        "did_not_arrive": booleans(IndividualAppointment.did_not_arrive),
        "ends_at": instants(IndividualAppointment.ends_at),
        "id": ids(IndividualAppointment.id),
        "patient_id": ids(IndividualAppointment.patient_id),
        "practitioner_id": ids(IndividualAppointment.practitioner_id),
        "repeated_from_id": ids(IndividualAppointment.repeated_from_id),
        "starts_at": instants(IndividualAppointment.starts_at),
        "updated_at": instants(IndividualAppointment.updated_at),
    },
    hidden=("archived_at", "cancelled_at"),
)


async def render_appointments(
    session: AsyncSession, urls: Urls, rows: Sequence[IndividualAppointment]
) -> list[dict[str, Any]]:
    names: dict[int, str] = {}
    if rows:
        result = await session.execute(
            select(Patient.id, Patient.first_name, Patient.last_name).where(
                Patient.id.in_({row.patient_id for row in rows})
            )
        )
        names = {patient_id: serializers.full_name(first, last) for patient_id, first, last in result}
    return [serializers.individual_appointment(row, urls, names.get(row.patient_id, "")) for row in rows]


async def _render_one(session: AsyncSession, urls: Urls, row: IndividualAppointment) -> dict[str, Any]:
    (rendered,) = await render_appointments(session, urls, [row])
    return rendered


@router.get("/individual_appointments")
async def list_appointments(request: Request, session: ReadSession, urls: UrlsDep) -> Response:
    async def render(rows: Sequence[IndividualAppointment]) -> list[dict[str, Any]]:
        return await render_appointments(session, urls, rows)

    return await list_response(request, session, urls, APPOINTMENTS, select(IndividualAppointment), render)


@router.get("/individual_appointments/{appointment_id}")
async def show_appointment(appointment_id: str, request: Request, session: ReadSession, urls: UrlsDep) -> Response:
    statement = select(IndividualAppointment).where(IndividualAppointment.id == path_id(appointment_id))
    row = await find_visible(request, session, APPOINTMENTS, statement)
    return JSONResponse(await _render_one(session, urls, row))


async def _duration(session: AsyncSession, appointment_type_id: Any) -> timedelta | None:
    if not isinstance(appointment_type_id, int):
        return None
    minutes = await session.scalar(
        select(AppointmentType.duration_in_minutes).where(AppointmentType.id == appointment_type_id)
    )
    return None if minutes is None else timedelta(minutes=minutes)


_RELATIONS: dict[str, Any] = {
    "patient": Patient,
    "practitioner": Practitioner,
    "appointment_type": AppointmentType,
    "business": Business,
}


async def _check_references(session: AsyncSession, reader: FieldReader, ids_by_relation: dict[str, Any]) -> None:
    references = {relation: (_RELATIONS[relation], record_id) for relation, record_id in ids_by_relation.items()}
    await check_exists(session, reader, references)


@router.post("/individual_appointments")
async def create_appointment(request: Request, session: WriteSession, urls: UrlsDep, context: ContextDep) -> Response:
    reader = FieldReader(await read_json_object(request))
    starts_at = reader.instant("starts_at", required=True)
    ends_at = reader.instant("ends_at")
    references = {
        relation: reader.record_id(f"{relation}_id", relation=relation, required=True) for relation in _RELATIONS
    }
    notes = reader.text("notes", max_length=None)
    repeat_rule = read_repeat_rule(reader)
    patient_case_id = reader.record_id("patient_case_id", relation="patient_case")
    await _check_references(session, reader, references)
    duration = await _duration(session, references["appointment_type"])
    if isinstance(starts_at, datetime) and not isinstance(ends_at, datetime) and duration is not None:
        ends_at = starts_at + duration
    if isinstance(starts_at, datetime) and isinstance(ends_at, datetime) and ends_at <= starts_at:
        reader.fail("ends_at", "must be after starts_at")
    reader.raise_if_invalid()
    now = context.now()
    appointment = IndividualAppointment(
        patient_id=references["patient"],
        practitioner_id=references["practitioner"],
        appointment_type_id=references["appointment_type"],
        business_id=references["business"],
        starts_at=starts_at,
        ends_at=ends_at,
        notes=notes if isinstance(notes, str) else None,
        did_not_arrive=False,
        patient_arrived=False,
        repeat_rule=repeat_rule if isinstance(repeat_rule, dict) else None,
        patient_case_id=patient_case_id if isinstance(patient_case_id, int) else None,
        created_at=now,
        updated_at=now,
    )
    session.add(appointment)
    await session.flush()
    await _add_repeats(session, appointment)
    await session.commit()
    return created(await _render_one(session, urls, appointment))


async def _add_repeats(session: AsyncSession, first: IndividualAppointment) -> None:
    length = first.ends_at - first.starts_at
    zone = await business_zone(session, first.business_id)
    for start in repeat_starts(first.starts_at, first.repeat_rule, zone):
        repeat = IndividualAppointment(
            **{name: getattr(first, name) for name in _COPIED_TO_REPEATS},
            starts_at=start,
            ends_at=start + length,
            did_not_arrive=False,
            patient_arrived=False,
            repeated_from_id=first.id,
        )
        session.add(repeat)


_COPIED_TO_REPEATS = (
    "patient_id",
    "practitioner_id",
    "appointment_type_id",
    "business_id",
    "notes",
    "repeat_rule",
    "patient_case_id",
    "created_at",
    "updated_at",
)


@router.patch("/individual_appointments/{appointment_id}")
@router.put("/individual_appointments/{appointment_id}")
async def update_appointment(
    appointment_id: str, request: Request, session: WriteSession, urls: UrlsDep, context: ContextDep
) -> Response:
    appointment = await get_or_404(session, IndividualAppointment, path_id(appointment_id))
    reader = FieldReader(await read_json_object(request))
    moves = reader.has("starts_at") or reader.has("ends_at")
    if moves and appointment.cancelled_at is not None:
        raise ValidationFailed.base(ALREADY_CANCELLED)
    references: dict[str, Any] = {}
    for relation in _RELATIONS:
        if reader.has(f"{relation}_id"):
            references[relation] = reader.record_id(f"{relation}_id", relation=relation, required=True)
    await _check_references(session, reader, references)
    starts_at = reader.instant("starts_at", required=True) if reader.has("starts_at") else appointment.starts_at
    ends_at: Any = reader.instant("ends_at")
    recompute_end = (reader.has("ends_at") and ends_at is None) or (reader.has("starts_at") and ends_at is MISSING)
    notes = reader.text("notes", max_length=None)
    patient_case_id = reader.record_id("patient_case_id", relation="patient_case")
    repeat_rule = read_repeat_rule(reader)
    flags = {name: reader.flag(name) for name in ("did_not_arrive", "patient_arrived")}
    type_id = references.get("appointment_type", appointment.appointment_type_id)
    if recompute_end and isinstance(starts_at, datetime):
        duration = await _duration(session, type_id)
        ends_at = starts_at + duration if duration is not None else None
    elif ends_at is MISSING:
        ends_at = appointment.ends_at
    if isinstance(starts_at, datetime) and isinstance(ends_at, datetime) and ends_at <= starts_at:
        reader.fail("ends_at", "must be after starts_at")
    reader.raise_if_invalid()
    for relation, record_id in references.items():
        setattr(appointment, f"{relation}_id", record_id)
    appointment.starts_at, appointment.ends_at = starts_at, ends_at
    if notes is not MISSING:
        appointment.notes = notes
    if patient_case_id is not MISSING:
        appointment.patient_case_id = patient_case_id
    if repeat_rule is not MISSING:
        # Stored as the appointment's rule; repeats are made only when an appointment is created.
        appointment.repeat_rule = repeat_rule
    for name, value in flags.items():
        if value is not MISSING:
            setattr(appointment, name, value)
    appointment.updated_at = context.now()
    await session.commit()
    return JSONResponse(await _render_one(session, urls, appointment))


@router.patch("/individual_appointments/{appointment_id}/cancel")
async def cancel_appointment(
    appointment_id: str, request: Request, session: WriteSession, context: ContextDep
) -> Response:
    appointment = await get_or_404(session, IndividualAppointment, path_id(appointment_id))
    if appointment.cancelled_at is not None:
        raise ValidationFailed.base(ALREADY_CANCELLED)
    cancel = await read_cancel(request)
    now = context.now()
    appointment.cancelled_at = appointment.updated_at = now
    appointment.cancellation_reason = cancel.reason
    appointment.cancellation_note = cancel.note
    if cancel.to_repeats:
        # The later occurrences of the same series (made from the same first appointment), not the earlier.
        series = appointment.repeated_from_id or appointment.id
        await session.execute(
            update(IndividualAppointment)
            .where(
                IndividualAppointment.repeated_from_id == series,
                IndividualAppointment.starts_at > appointment.starts_at,
                IndividualAppointment.cancelled_at.is_(None),
            )
            .values(
                cancelled_at=now,
                updated_at=now,
                cancellation_reason=cancel.reason,
                cancellation_note=cancel.note,
            )
        )
    await session.commit()
    return no_content()


@router.post("/individual_appointments/{appointment_id}/archive")
@router.delete("/individual_appointments/{appointment_id}")
async def archive_appointment(appointment_id: str, session: WriteSession, context: ContextDep) -> Response:
    await archive_record(session, IndividualAppointment, appointment_id, context.now())
    return no_content()


@router.get("/individual_appointments/{appointment_id}/conflicts")
async def appointment_conflicts(appointment_id: str, session: ReadSession) -> Response:
    appointment = await get_or_404(session, IndividualAppointment, path_id(appointment_id))
    exist = await has_conflict(
        session,
        practitioner_id=appointment.practitioner_id,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        appointment_id=appointment.id,
    )
    return JSONResponse({"conflicts": {"exist": exist}})
