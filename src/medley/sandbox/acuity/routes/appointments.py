"""``/appointments``: list with Acuity's filters, read one, book, edit details, reschedule and cancel."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import JSONResponse

from medley.sandbox.acuity.availability import CLASS_KINDS, active_type, calendars_offering, existing_calendar
from medley.sandbox.acuity.booking import check_email, find_slot, lock_calendars, remember_client, text_field
from medley.sandbox.acuity.deps import ContextDep, ReadSession, WriteSession, read_json_object
from medley.sandbox.acuity.errors import AcuityError, bad_request, not_found
from medley.sandbox.acuity.rendering import Catalogue
from medley.sandbox.acuity.tables import Appointment, Calendar
from medley.sandbox.acuity.webhooks import notify
from medley.sandbox.acuity.wire import flag, int_parameter, parse_day, read_zone
from medley.scheduling import to_instant

router = APIRouter()

DEFAULT_MAX = 100
_EDITABLE_TEXT = ("firstName", "lastName", "phone", "email")


@router.get("/appointments")
async def list_appointments(request: Request, session: ReadSession, context: ContextDep) -> JSONResponse:
    query = request.query_params
    catalogue = await Catalogue.load(session)
    statement = _filtered(select(Appointment), query, ZoneInfo(catalogue.account.timezone))
    ascending = (query.get("direction") or "DESC").upper() == "ASC"
    order = (
        (Appointment.starts_at, Appointment.id) if ascending else (Appointment.starts_at.desc(), Appointment.id.desc())
    )
    limit = int_parameter(query.get("max"), "max")
    statement = statement.order_by(*order).limit(limit if limit is not None and limit > 0 else DEFAULT_MAX)
    rows = (await session.scalars(statement)).all()
    include_forms = not flag(query.get("excludeForms"))
    return JSONResponse(catalogue.appointments(rows, now=context.now(), include_forms=include_forms))


def _filtered(statement: Select[Appointment], query: Any, business_zone: ZoneInfo) -> Select[Appointment]:
    if flag(query.get("showall")):
        pass
    elif flag(query.get("canceled")):
        statement = statement.where(Appointment.canceled.is_(True))
    else:
        statement = statement.where(Appointment.canceled.is_(False))
    # Whole days in the business zone: maxDate includes its whole day.
    if query.get("minDate"):
        first = parse_day(query.get("minDate"), "minDate")
        statement = statement.where(Appointment.starts_at >= to_instant(first, time(0), business_zone))
    if query.get("maxDate"):
        last = parse_day(query.get("maxDate"), "maxDate")
        statement = statement.where(
            Appointment.starts_at < to_instant(last + timedelta(days=1), time(0), business_zone)
        )
    calendar_id = int_parameter(query.get("calendarID"), "calendarID")
    if calendar_id is not None:
        statement = statement.where(Appointment.calendar_id == calendar_id)
    type_id = int_parameter(query.get("appointmentTypeID"), "appointmentTypeID")
    if type_id is not None:
        statement = statement.where(Appointment.appointment_type_id == type_id)
    for parameter, column in (
        ("firstName", Appointment.first_name),
        ("lastName", Appointment.last_name),
        ("email", Appointment.email),
    ):
        value = query.get(parameter)
        if value:
            statement = statement.where(func.lower(column) == value.strip().lower())
    phone = query.get("phone")
    if phone:
        statement = statement.where(Appointment.phone == phone.strip())
    return statement


@router.get("/appointments/{appointment_id}")
async def get_appointment(appointment_id: str, session: ReadSession, context: ContextDep) -> JSONResponse:
    row = await _appointment(session, appointment_id)
    catalogue = await Catalogue.load(session)
    return JSONResponse(catalogue.appointment(row, now=context.now()))


async def _appointment(session: AsyncSession, raw_id: str) -> Appointment:
    try:
        appointment_id = int(raw_id)
    except ValueError:
        raise not_found() from None
    row = await session.get(Appointment, appointment_id)
    if row is None:
        raise not_found()
    return row


@router.post("/appointments")
async def create_appointment(request: Request, session: WriteSession, context: ContextDep) -> JSONResponse:
    admin = flag(request.query_params.get("admin"))
    body = await read_json_object(request)
    type_id = _id_attribute(body, "appointmentTypeID")
    if body.get("datetime") in (None, ""):
        raise bad_request("required_datetime", 'The parameter "datetime" is required.')
    first_name, last_name = text_field(body, "firstName"), text_field(body, "lastName")
    email, phone = text_field(body, "email"), text_field(body, "phone")
    if not first_name:
        raise bad_request("required_first_name", 'Attribute "firstName" is required.')
    if not last_name:
        raise bad_request("required_last_name", 'Attribute "lastName" is required.')
    if not email and not admin:
        raise bad_request("required_email", 'Attribute "email" is required.')
    kind = await active_type(session, type_id)
    calendar_id = _id_attribute(body, "calendarID")
    calendar = await existing_calendar(session, calendar_id) if calendar_id is not None else None
    client_zone = text_field(body, "timezone")
    if client_zone:
        read_zone(client_zone)
    check_email(email)
    _refuse_fields(body)
    catalogue = await Catalogue.load(session)
    candidates = (
        [calendar.id] if calendar is not None else [row.id for row in await calendars_offering(session, kind.id)]
    )
    await lock_calendars(session, candidates)
    now = context.now()
    slot = await find_slot(
        session,
        kind=kind,
        calendar=calendar,
        raw_datetime=body.get("datetime"),
        account=catalogue.account,
        now=now,
        admin=admin,
    )
    row = Appointment(
        calendar_id=slot.calendar.id,
        appointment_type_id=kind.id,
        class_id=slot.class_id,
        starts_at=slot.start,
        ends_at=slot.start + timedelta(minutes=kind.duration),
        padding_before=kind.padding_before,
        padding_after=kind.padding_after,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        timezone=client_zone or slot.calendar.timezone,
        price=kind.price,
        paid=False,
        amount_paid="0.00",
        notes=text_field(body, "notes") if admin else "",  # notes are admin-only; ignored otherwise
        label_id=_label(body),
        canceled=False,
        no_show=False,
        cancel_note="",
        scheduled_by=None,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await remember_client(session, first_name=first_name, last_name=last_name, email=email, phone=phone, now=now)
    await session.commit()
    await notify(context, session, "scheduled", row)
    return JSONResponse(catalogue.appointment(row, now=now))


@router.put("/appointments/{appointment_id}")
async def update_appointment(
    appointment_id: str, request: Request, session: WriteSession, context: ContextDep
) -> JSONResponse:
    """Only whitelisted details change; anything else (``datetime``, ``calendarID`` …) is ignored."""
    admin = flag(request.query_params.get("admin"))
    body = await read_json_object(request)
    row = await _appointment(session, appointment_id)
    changes: dict[str, str] = {}
    for name in _EDITABLE_TEXT:
        if name in body:
            changes[name] = text_field(body, name)
    if changes.get("firstName") == "" and "firstName" in changes:
        raise bad_request("required_first_name", 'Attribute "firstName" is required.')
    if changes.get("lastName") == "" and "lastName" in changes:
        raise bad_request("required_last_name", 'Attribute "lastName" is required.')
    if "email" in changes:
        if not changes["email"] and not admin:
            raise bad_request("required_email", 'Attribute "email" is required.')
        check_email(changes["email"])
    _refuse_fields(body)
    row.first_name = changes.get("firstName", row.first_name)
    row.last_name = changes.get("lastName", row.last_name)
    row.phone = changes.get("phone", row.phone)
    row.email = changes.get("email", row.email)
    if admin and "notes" in body:
        row.notes = text_field(body, "notes")
    if "labels" in body:
        row.label_id = _label(body)
    row.updated_at = context.now()
    await session.commit()
    await notify(context, session, "changed", row)
    catalogue = await Catalogue.load(session)
    return JSONResponse(catalogue.appointment(row, now=context.now()))


@router.put("/appointments/{appointment_id}/cancel")
async def cancel_appointment(
    appointment_id: str, request: Request, session: WriteSession, context: ContextDep
) -> JSONResponse:
    admin = flag(request.query_params.get("admin"))
    body = await read_json_object(request, optional=True)
    row = await _appointment(session, appointment_id)
    catalogue = await Catalogue.load(session)
    account = catalogue.account
    now = context.now()
    if row.canceled:
        if admin and "noShow" in body:
            row.no_show = bool(body["noShow"])  # the one thing still editable once canceled
            await session.commit()
        return JSONResponse(catalogue.appointment(row, now=now))
    if not admin:
        if not account.clients_may_cancel:
            raise bad_request("cancel_not_allowed", "Clients are not allowed to cancel.")
        if row.starts_at - now < timedelta(hours=account.min_hours_to_cancel):
            raise bad_request(
                "cancel_too_close", "Clients are not allowed to cancel this close to the time of the appointment."
            )
    row.canceled = True
    row.no_show = bool(body.get("noShow")) if admin else False
    row.cancel_note = text_field(body, "cancelNote")
    row.updated_at = now
    await session.commit()
    await notify(context, session, "canceled", row)
    return JSONResponse(catalogue.appointment(row, now=now))


@router.put("/appointments/{appointment_id}/reschedule")
async def reschedule_appointment(
    appointment_id: str, request: Request, session: WriteSession, context: ContextDep
) -> JSONResponse:
    admin = flag(request.query_params.get("admin"))
    body = await read_json_object(request)
    row = await _appointment(session, appointment_id)
    catalogue = await Catalogue.load(session)
    account = catalogue.account
    now = context.now()
    kind = catalogue.types[row.appointment_type_id]
    if row.canceled:
        raise bad_request("reschedule_canceled", "Canceled appointments may not be rescheduled.")
    if kind.kind == "series":
        raise bad_request("reschedule_series", "Class series may not be rescheduled.")
    if body.get("datetime") in (None, ""):
        raise bad_request("required_datetime", 'The parameter "datetime" is required.')
    calendar: Calendar | None
    if "calendarID" not in body:
        calendar = catalogue.calendars[row.calendar_id]  # absent keeps the calendar; null lets Acuity choose
    else:
        calendar_id = _id_attribute(body, "calendarID")
        calendar = await existing_calendar(session, calendar_id) if calendar_id is not None else None
    client_zone = text_field(body, "timezone")
    if client_zone:
        read_zone(client_zone)
    if not admin:
        if not account.clients_may_reschedule:
            raise bad_request("reschedule_not_allowed", "Clients are not allowed to reschedule.")
        if row.starts_at - now < timedelta(hours=account.min_hours_to_reschedule):
            raise bad_request(
                "reschedule_too_close",
                "Clients are not allowed to reschedule this close to the time of the appointment.",
            )
    candidates = [calendar.id] if calendar is not None else [c.id for c in await calendars_offering(session, kind.id)]
    await lock_calendars(session, [*candidates, row.calendar_id])
    slot = await find_slot(
        session,
        kind=kind,
        calendar=calendar,
        raw_datetime=body.get("datetime"),
        account=account,
        now=now,
        admin=admin,
        ignore=frozenset({row.id}),
    )
    duration = row.ends_at - row.starts_at
    row.calendar_id = slot.calendar.id
    row.starts_at = slot.start
    row.ends_at = slot.start + duration
    row.class_id = slot.class_id if kind.kind in CLASS_KINDS else None
    if client_zone:
        row.timezone = client_zone
    row.updated_at = now
    await session.commit()
    await notify(context, session, "rescheduled", row)
    return JSONResponse(catalogue.appointment(row, now=now))


def _id_attribute(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    _bad_id(name, value)


def _bad_id(name: str, value: object) -> NoReturn:
    if name == "calendarID":
        raise bad_request("invalid_calendar", f'The calendar "{value}" does not exist.')
    raise bad_request("invalid_appointment_type", f'The appointment type "{value}" does not exist.')


def _refuse_fields(body: dict[str, Any]) -> None:
    """The seeded types have no intake forms, so every field id names a field that does not exist."""
    fields = body.get("fields")
    if not fields:
        return
    first = fields[0] if isinstance(fields, list) else fields
    field_id = first.get("id") if isinstance(first, dict) else first
    raise bad_request("invalid_fields", f'The field "{field_id}" does not exist on this appointment.')


def _label(body: dict[str, Any]) -> int | None:
    labels = body.get("labels")
    if not isinstance(labels, list) or not labels:
        return None
    if len(labels) != 1 or not isinstance(labels[0], dict):
        raise AcuityError(400, "bad_request", "An appointment may carry one label.")
    label_id = labels[0].get("id")
    if isinstance(label_id, bool) or not isinstance(label_id, int | str) or not str(label_id).isdigit():
        raise AcuityError(400, "bad_request", "Invalid label id.")
    return int(label_id)
