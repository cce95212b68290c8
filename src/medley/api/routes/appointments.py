"""Appointments: book, list, get, reschedule and cancel (single and bulk)."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, status

from medley.api.deps import CareUnitId, ConnectorDep, RuntimeDep
from medley.api.moments import Moment
from medley.api.problem import WRITE_STATUSES, problem_responses
from medley.api.route_class import IDEMPOTENCY_HEADER, GatewayRoute
from medley.api.schemas import AppointmentBulkUpdate, AppointmentCreate, AppointmentUpdate
from medley.connectors.base import Connector
from medley.domain.errors import DetailCode, MedleyError
from medley.domain.ids import parse_plain_id, parse_typed_id
from medley.domain.models import Appointment, AppointmentChange, AppointmentQuery, AppointmentStatus
from medley.services import booking
from medley.services.runtime import Runtime
from medley.services.time_windows import localise

router = APIRouter(
    prefix="/api/emrs/{emr}/care-units/{care_unit_id}",
    tags=["Appointments"],
    route_class=GatewayRoute,
)


def _appointment_id(raw: str) -> str:
    return parse_plain_id(raw, invalid_code=DetailCode.INVALID_APPOINTMENT_ID, field="appointment_id")


async def _zone(connector: Connector, care_unit_id: str) -> ZoneInfo:
    return ZoneInfo((await connector.get_care_unit(care_unit_id)).timezone)


@router.post(
    "/appointments",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*WRITE_STATUSES),
    summary="Book an appointment",
)
async def book_appointment(
    request: Request,
    runtime: RuntimeDep,
    connector: ConnectorDep,
    care_unit_id: CareUnitId,
    body: AppointmentCreate,
) -> list[Appointment]:
    """Books the one free timeslot matching `start`, `end`, `resource_id` and `healthcare_service_id`.
    400 when the time cannot be booked at all (in the past, `end` not fitting the service, a resource that
    does not offer it); 409 `NO_TIMESLOTS_AVAILABLE` when no free slot matches (the detail says why: already
    or just booked, held by an unconfirmed booking, or not a free time), `AMBIGUOUS_TIMESLOTS` when several do;
    504 `WRITE_OUTCOME_PENDING` when a retry's earlier attempt is not confirmed by the EHR yet."""
    tz = await _zone(connector, care_unit_id)
    appointment = await booking.book(
        connector,
        runtime.lock,
        runtime.holds,
        care_unit_id,
        start=localise(body.start, tz),
        end=localise(body.end, tz),
        patient_id=parse_typed_id(body.patient_id, field="patient_id"),
        resource_id=parse_typed_id(
            body.resource_id, invalid_code=DetailCode.INVALID_RESOURCE_ID, field="resource_id"
        )
        if body.resource_id
        else None,
        service_id=parse_plain_id(
            body.healthcare_service_id,
            invalid_code=DetailCode.INVALID_HEALTHCARE_SERVICE_ID,
            field="healthcare_service_id",
        )
        if body.healthcare_service_id
        else None,
        comment=body.comment,
        # A request with an Idempotency-Key that reaches here is a first try or the retry of one that failed.
        retry=IDEMPOTENCY_HEADER in request.headers,
    )
    return [appointment]


@router.get("/appointments", responses=problem_responses(), summary="List appointments")
async def list_appointments(
    connector: ConnectorDep,
    care_unit_id: CareUnitId,
    patient_id: Annotated[str | None, Query(max_length=100, description="Typed patient id.")] = None,
    resource_id: Annotated[str | None, Query(max_length=100)] = None,
    start: Annotated[Moment | None, Query(description="Appointments starting at or after this.")] = None,
    end: Annotated[Moment | None, Query(description="Appointments starting before this.")] = None,
    status_: Annotated[AppointmentStatus | None, Query(alias="status")] = None,
) -> list[Appointment]:
    """All appointments at this care unit matching every filter given, sorted by start."""
    tz = await _zone(connector, care_unit_id)
    query = AppointmentQuery(
        patient_id=parse_typed_id(patient_id, field="patient_id") if patient_id else None,
        resource_id=parse_typed_id(
            resource_id, invalid_code=DetailCode.INVALID_RESOURCE_ID, field="resource_id"
        )
        if resource_id
        else None,
        start=localise(start, tz) if start else None,
        end=localise(end, tz) if end else None,
        status=status_,
    )
    if query.start and query.end and query.end <= query.start:
        raise MedleyError.bad_request(
            "'end' must be after 'start'.", DetailCode.INVALID_TIME_WINDOW, path="end"
        )
    return await connector.list_appointments(care_unit_id, query)


@router.get("/appointments/{appointment_id}", responses=problem_responses(), summary="Get an appointment")
async def get_appointment(
    connector: ConnectorDep, care_unit_id: CareUnitId, appointment_id: str
) -> Appointment:
    return await connector.get_appointment(care_unit_id, _appointment_id(appointment_id))


def _check_update(body: AppointmentUpdate) -> None:
    if body.status is not None and (body.start or body.end or body.resource_id):
        raise MedleyError.bad_request(
            "Cancel with only `status` and `comment`; reschedule without `status`.",
            DetailCode.BAD_INPUT,
            path="status",
        )
    if body.status is None and not (body.start or body.end or body.resource_id or body.comment is not None):
        raise MedleyError.bad_request("Nothing to change.", DetailCode.MISSING_REQUIRED_FIELD)


async def _apply(
    connector: Connector,
    runtime: Runtime,
    care_unit_id: str,
    appointment_id: str,
    body: AppointmentUpdate,
    tz: ZoneInfo,
) -> Appointment:
    if body.status == "cancelled":
        return await booking.cancel(connector, care_unit_id, appointment_id, body.comment)
    change = AppointmentChange(
        start=localise(body.start, tz) if body.start else None,
        end=localise(body.end, tz) if body.end else None,
        resource_id=parse_typed_id(
            body.resource_id, invalid_code=DetailCode.INVALID_RESOURCE_ID, field="resource_id"
        )
        if body.resource_id
        else None,
        comment=body.comment,
    )
    return await booking.reschedule(connector, runtime.lock, runtime.holds, care_unit_id, appointment_id, change)


@router.patch(
    "/appointments/{appointment_id}",
    responses=problem_responses(*WRITE_STATUSES),
    summary="Reschedule, edit or cancel an appointment",
)
async def update_appointment(
    runtime: RuntimeDep,
    connector: ConnectorDep,
    care_unit_id: CareUnitId,
    appointment_id: str,
    body: AppointmentUpdate,
) -> Appointment:
    """Reschedule (`start` + `end` together, and/or `resource_id`), edit `comment`, or cancel with
    `{"status": "cancelled", "comment": ...}`. New times are re-validated against free time."""
    _check_update(body)
    tz = await _zone(connector, care_unit_id)
    return await _apply(connector, runtime, care_unit_id, _appointment_id(appointment_id), body, tz)


@router.patch(
    "/appointments", responses=problem_responses(*WRITE_STATUSES), summary="Update or cancel several appointments"
)
async def bulk_update_appointments(
    runtime: RuntimeDep, connector: ConnectorDep, care_unit_id: CareUnitId, body: AppointmentBulkUpdate
) -> list[Appointment]:
    """The same change for every id in `ids` (at most 50). All ids are checked first, so an unknown id
    changes nothing; the changes are then applied in order."""
    booking.check_bulk_ids(body.ids)
    _check_update(body)
    ids = [_appointment_id(i) for i in body.ids]
    tz = await _zone(connector, care_unit_id)
    for appointment_id in ids:
        await connector.get_appointment(care_unit_id, appointment_id)
    single = AppointmentUpdate.model_validate(body.model_dump(exclude={"ids"}))
    return [await _apply(connector, runtime, care_unit_id, i, single, tz) for i in ids]
