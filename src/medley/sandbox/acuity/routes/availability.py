"""``/availability/*``: bookable dates of a month, times of a day, scheduled classes, and checking times.

Times are rendered in the ``timezone`` asked for, else the calendar's zone (the business zone when
several calendars with no ``calendarID`` are merged); a ``date`` or ``month`` is read in that same zone.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import QueryParams
from starlette.responses import JSONResponse

from medley.sandbox.acuity import serializers
from medley.sandbox.acuity.availability import (
    Limits,
    active_type,
    calendars_offering,
    class_sessions,
    existing_calendar,
    local_day_window,
    offers_type,
    openings_for_type,
)
from medley.sandbox.acuity.booking import find_slot
from medley.sandbox.acuity.deps import ContextDep, ReadSession, read_json
from medley.sandbox.acuity.errors import AcuityError, expected_json_object
from medley.sandbox.acuity.rendering import Catalogue
from medley.sandbox.acuity.tables import AppointmentType, Calendar
from medley.sandbox.acuity.wire import flag, int_parameter, iso, parse_day, parse_month, read_zone
from medley.scheduling import Interval, to_instant

router = APIRouter()


@router.get("/availability/times")
async def available_times(request: Request, session: ReadSession, context: ContextDep) -> JSONResponse:
    query = request.query_params
    day = parse_day(query.get("date"), "date")
    kind, calendars, zone = await _subject(session, query)
    ignore = frozenset(_ignored_ids(query))
    account = (await Catalogue.load(session)).account
    found = await openings_for_type(
        session,
        calendars,
        kind,
        local_day_window(day, zone),
        now=context.now(),
        limits=Limits.of(account),
        ignore=ignore,
    )
    return JSONResponse([{"time": iso(opening.start, zone), "slotsAvailable": opening.slots} for opening in found])


@router.get("/availability/dates")
async def available_dates(request: Request, session: ReadSession, context: ContextDep) -> JSONResponse:
    query = request.query_params
    first = parse_month(query.get("month"))
    kind, calendars, zone = await _subject(session, query)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    window = Interval(to_instant(first, time(0), zone), to_instant(following, time(0), zone))
    account = (await Catalogue.load(session)).account
    found = await openings_for_type(session, calendars, kind, window, now=context.now(), limits=Limits.of(account))
    days = sorted({opening.start.astimezone(zone).date() for opening in found})
    return JSONResponse([{"date": day.isoformat()} for day in days])


async def _subject(session: AsyncSession, query: QueryParams) -> tuple[AppointmentType, list[Calendar], ZoneInfo]:
    """The type, the calendars to search and the zone to answer in."""
    kind = await active_type(session, int_parameter(query.get("appointmentTypeID"), "appointmentTypeID"))
    calendar_id = int_parameter(query.get("calendarID"), "calendarID")
    calendars: list[Calendar]
    if calendar_id is not None:
        calendar = await existing_calendar(session, calendar_id)
        calendars = [calendar] if await offers_type(session, calendar.id, kind.id) else []
        default_zone = calendar.timezone
    else:
        calendars = await calendars_offering(session, kind.id)
        default_zone = (
            calendars[0].timezone if len(calendars) == 1 else (await Catalogue.load(session)).account.timezone
        )
    requested = query.get("timezone")
    return kind, calendars, read_zone(requested) if requested else ZoneInfo(default_zone)


def _ignored_ids(query: QueryParams) -> list[int]:
    """``ignoreAppointmentIDs[]=1&ignoreAppointmentIDs[]=2``; without brackets or comma-separated also read."""
    ids: list[int] = []
    for value in [*query.getlist("ignoreAppointmentIDs[]"), *query.getlist("ignoreAppointmentIDs")]:
        for part in value.split(","):
            parsed = int_parameter(part.strip(), "ignoreAppointmentIDs")
            if parsed is not None:
                ids.append(parsed)
    return ids


@router.get("/availability/classes")
async def available_classes(request: Request, session: ReadSession, context: ContextDep) -> JSONResponse:
    query = request.query_params
    catalogue = await Catalogue.load(session)
    requested = query.get("timezone")
    zone = read_zone(requested) if requested else None
    answer_zone = zone or ZoneInfo(catalogue.account.timezone)
    window = _classes_window(query, answer_zone)
    type_id = int_parameter(query.get("appointmentTypeID"), "appointmentTypeID")
    if type_id is not None:
        await active_type(session, type_id)
    calendar_id = int_parameter(query.get("calendarID"), "calendarID")
    if calendar_id is not None:
        await existing_calendar(session, calendar_id)
    include_unavailable = flag(query.get("includeUnavailable"))
    include_private = flag(query.get("includePrivate"))
    limits = Limits.of(catalogue.account)
    now = context.now()
    answer: list[dict[str, Any]] = []
    for scheduled, taken in await class_sessions(session, window, type_id=type_id, calendar_id=calendar_id):
        kind = catalogue.types[scheduled.appointment_type_id]
        calendar = catalogue.calendars[scheduled.calendar_id]
        if not kind.active or (kind.private and not include_private):
            continue
        bookable = (
            taken < (kind.class_size or 0) and now + limits.min_notice <= scheduled.starts_at <= now + limits.max_ahead
        )
        if bookable or include_unavailable:
            shown_zone = zone or ZoneInfo(calendar.timezone)
            answer.append(serializers.scheduled_class(scheduled, kind, calendar, taken, shown_zone))
    return JSONResponse(answer)


def _classes_window(query: QueryParams, zone: ZoneInfo) -> Interval:
    """``month`` wins over ``minDate``/``maxDate``; with neither, this month onwards for the bookable horizon."""
    if query.get("month"):
        first = parse_month(query.get("month"))
        last = date(first.year + first.month // 12, first.month % 12 + 1, 1) - timedelta(days=1)
    else:
        first = parse_day(query.get("minDate"), "minDate") if query.get("minDate") else date(1970, 1, 1)
        last = parse_day(query.get("maxDate"), "maxDate") if query.get("maxDate") else date(9999, 12, 30)
    return Interval(to_instant(first, time(0), zone), to_instant(last + timedelta(days=1), time(0), zone))


@router.post("/availability/check-times")
async def check_times(request: Request, session: ReadSession, context: ContextDep) -> JSONResponse:
    """One slot (an object) or several (an array, answered in order): ``valid`` and, when not, ``reason``."""
    body = await read_json(request)
    items = body if isinstance(body, list) else [body]
    if not all(isinstance(item, dict) for item in items):
        raise expected_json_object()
    catalogue = await Catalogue.load(session)
    answers = [await _check(session, item, catalogue, context.now()) for item in items]
    return JSONResponse(answers if isinstance(body, list) else answers[0])


async def _check(session: AsyncSession, item: dict[str, Any], catalogue: Catalogue, now: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "datetime": item.get("datetime"),
        "appointmentTypeID": item.get("appointmentTypeID"),
        "calendarID": item.get("calendarID"),
    }
    try:
        kind = await active_type(session, _number(item.get("appointmentTypeID"), "appointmentTypeID"))
        calendar_id = _number(item.get("calendarID"), "calendarID")
        calendar = await existing_calendar(session, calendar_id) if calendar_id is not None else None
        slot = await find_slot(
            session,
            kind=kind,
            calendar=calendar,
            raw_datetime=item.get("datetime"),
            account=catalogue.account,
            now=now,
            admin=False,
        )
    except AcuityError as refusal:
        return {**answer, "valid": False, "reason": refusal.message, "error": refusal.error}
    return {**answer, "calendarID": slot.calendar.id, "valid": True}


def _number(value: object, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int_parameter("x", name)
    return int_parameter(str(value), name)
