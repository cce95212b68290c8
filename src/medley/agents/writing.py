"""The tools that write: find or create a patient, book, reschedule, cancel. Each goes through the same services
as the REST routes (booking safety, the EHR's budget and the mirror unchanged) and takes an idempotency key: a
retry with the same key and arguments gets the first answer back and never writes twice."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any, TypeVar

from mcp.server.mcpserver import Context
from mcp_types import CallToolResult, TextContent
from pydantic import Field

from medley.agents.answers import Answer, BookingAnswer, CancelAnswer, PatientAnswer, RescheduleAnswer
from medley.agents.calls import ToolCall, tool_call
from medley.agents.clinics import Clinic, open_clinic
from medley.agents.reading import ClinicArg, PatientIdArg, appointment_id_of, patient_id_of
from medley.agents.times import Names, nearest, said_list
from medley.connectors.base import Operation
from medley.domain.errors import DetailCode, ErrorCode, MedleyError
from medley.domain.ids import parse_plain_id, parse_typed_id
from medley.domain.models import Appointment, AppointmentChange, PatientCreate
from medley.services import booking
from medley.services.idempotent import IdempotentWrite, Replay
from medley.services.patient_intake import create_or_find_patient
from medley.services.time_windows import localise

A = TypeVar("A", bound=Answer)

KEY_DESCRIPTION = (
    "A unique string for this one request (the platform's tool-call id works). Send the same key when you retry "
    "the same request: it is carried out once and the first answer comes back."
)
IdempotencyKey = Annotated[str, Field(description=KEY_DESCRIPTION, min_length=1, max_length=200)]
# The key's namespace in the idempotency store, apart from the REST API's Idempotency-Key values.
_KEY_PREFIX = "mcp:"


async def _once(
    call: ToolCall,
    key: str | None,
    arguments: dict[str, Any],
    work: Callable[[], Awaitable[A]],
    keep: Callable[[A], bool],
) -> CallToolResult:
    """``work`` once per key (no key: just once); only an answer ``keep`` accepts is replayed to a retry."""
    if key is None:
        return (await work()).result()
    runtime = call.runtime
    secret = call.caller.client_secret
    canonical = json.dumps(arguments, sort_keys=True, default=str).encode()
    write = IdempotentWrite(
        store=runtime.idempotency,
        application_id=call.application_id,
        client_secret=secret,
        key=_KEY_PREFIX + key,
        fingerprint=runtime.idempotency.fingerprint("MCP", f"/mcp/{call.name}", canonical, client_secret=secret),
        ttl=timedelta(hours=runtime.settings.idempotency_ttl_hours),
        key_name="idempotency_key",
    )
    answer = await write.run(work, lambda a: (200, a.model_dump_json().encode()) if keep(a) else None)
    if isinstance(answer, Replay):
        first: dict[str, Any] = json.loads(answer.body)
        return CallToolResult(
            content=[TextContent(type="text", text=str(first.get("message", "")))], structured_content=first
        )
    return answer.result()


async def find_or_create_patient(
    ctx: Context[Any, Any],
    clinic: ClinicArg,
    first_name: Annotated[str, Field(min_length=1, max_length=100)],
    last_name: Annotated[str, Field(min_length=1, max_length=100)],
    date_of_birth: Annotated[date, Field(description="YYYY-MM-DD.")],
    phone: Annotated[
        str | None, Field(description="The caller's phone number, when they gave one.", max_length=40)
    ] = None,
    email: Annotated[
        str | None,
        Field(
            description="The caller's e-mail address, when they gave one (some EHRs, e.g. Acuity, need one to book).",
            max_length=254,
        ),
    ] = None,
    idempotency_key: Annotated[
        str | None,
        Field(
            description=KEY_DESCRIPTION + " Optional here: the same person is found again anyway.",
            min_length=1,
            max_length=200,
        ),
    ] = None,
) -> Annotated[CallToolResult, PatientAnswer]:
    """Find the caller's patient record by name and date of birth, or create it when there is none. Returns the
    patient_id to book with. The answer never repeats the date of birth, phone number or e-mail address."""
    async with tool_call(ctx, "find_or_create_patient", write=True) as call:
        place = await open_clinic(call, clinic, Operation.patients_search, Operation.patients_create)
        wanted = PatientCreate(
            first_name=first_name,
            last_name=last_name,
            birth_date=date_of_birth,
            phones=[phone] if phone else [],
            emails=[email] if email else [],
        )

        async def work() -> PatientAnswer:
            result = await create_or_find_patient(
                call.runtime.store,
                call.runtime.lock,
                place.connector,
                application_id=call.application_id,
                emr=place.emr,
                care_unit_id=place.care_unit_id,
                patient=wanted,
            )
            call.touched(result.patient.id)
            who = result.patient.first_name or first_name
            return PatientAnswer(
                message=f"Created a new record for {who}." if result.created else f"Found {who}'s record.",
                patient_id=result.patient.id,
                first_name=result.patient.first_name,
                created=result.created,
            )

        arguments = {"clinic": place.name, **wanted.model_dump(mode="json")}
        return await _once(call, idempotency_key, arguments, work, keep=lambda _: True)


def _taken(error: MedleyError) -> bool:
    return error.code is ErrorCode.CONFLICT and any(
        e.error_code in (DetailCode.NO_TIMESLOTS_AVAILABLE, DetailCode.AMBIGUOUS_TIMESLOTS) for e in error.errors
    )


async def _offer_instead(
    call: ToolCall,
    place: Clinic,
    names: Names,
    error: MedleyError,
    start: datetime,
    service_id: str | None,
    resource_id: str | None,
) -> tuple[str, list[Any]]:
    found = await nearest(call, place, start, service_id, resource_id)
    slots = [names.slot(s) for s in found]
    offer = f" The nearest free times are {said_list(slots)}." if slots else " Nothing else is free that week."
    return f"That time can't be booked: {error.detail}{offer}", slots


def _service_length(names: Names, service_id: str) -> timedelta:
    service = names.services.get(service_id)
    if service is None:
        raise MedleyError.not_found(
            "No service with this service_id at this clinic: use one from find_services.",
            DetailCode.INVALID_HEALTHCARE_SERVICE_ID,
        )
    return timedelta(minutes=service.duration_minutes)


async def book_appointment(
    ctx: Context[Any, Any],
    clinic: ClinicArg,
    patient_id: PatientIdArg,
    start: Annotated[
        datetime, Field(description="The start of a time from find_available_times (ISO-8601, as it was given).")
    ],
    practitioner_id: Annotated[str, Field(description="That time's practitioner_id.", max_length=100)],
    service_id: Annotated[str, Field(description="That time's service_id.", max_length=100)],
    idempotency_key: IdempotencyKey,
) -> Annotated[CallToolResult, BookingAnswer]:
    """Book a time returned by find_available_times for a patient. The time is checked live with the EHR and can
    never be double-booked: when it was taken meanwhile, booked is false and alternatives lists the nearest free
    times to offer instead."""
    async with tool_call(ctx, "book_appointment", write=True) as call:
        place = await open_clinic(call, clinic, Operation.appointments_create)
        names = await Names.of(place)
        patient = patient_id_of(patient_id)
        resource = parse_typed_id(practitioner_id, invalid_code=DetailCode.INVALID_RESOURCE_ID, field="practitioner_id")
        service = parse_plain_id(service_id, invalid_code=DetailCode.INVALID_HEALTHCARE_SERVICE_ID, field="service_id")
        begins = localise(start, place.zone)
        ends = begins + _service_length(names, service)
        call.touched(patient)

        async def work() -> BookingAnswer:
            try:
                made = await booking.book(
                    place.connector,
                    call.runtime.lock,
                    call.runtime.holds,
                    place.care_unit_id,
                    start=begins,
                    end=ends,
                    patient_id=patient,
                    resource_id=resource,
                    service_id=service,
                    comment=None,
                    retry=True,
                )
            except MedleyError as error:
                if not _taken(error):
                    raise
                message, slots = await _offer_instead(call, place, names, error, begins, service, resource)
                return BookingAnswer(message=message, booked=False, alternatives=slots)
            info = names.appointment(made)
            call.touched(made.id)
            return BookingAnswer(
                message=f"Booked: {info.when} with {info.practitioner_name or 'the practitioner'}.",
                booked=True,
                appointment=info,
            )

        arguments = {
            "clinic": place.name,
            "patient_id": patient,
            "start": begins.isoformat(),
            "practitioner_id": resource,
            "service_id": service,
        }
        return await _once(call, idempotency_key, arguments, work, keep=lambda a: a.booked)


async def _patients_appointment(place: Clinic, appointment_id: str, patient_id: str) -> Appointment:
    """The appointment, only if it is this patient's: a caller never changes someone else's booking."""
    appointment = await place.connector.get_appointment(place.care_unit_id, appointment_id)
    if appointment.patient_id != patient_id:
        raise MedleyError.not_found(
            "This patient has no appointment with this appointment_id.", DetailCode.INVALID_APPOINTMENT_ID
        )
    return appointment


async def reschedule_appointment(
    ctx: Context[Any, Any],
    clinic: ClinicArg,
    patient_id: PatientIdArg,
    appointment_id: Annotated[str, Field(description="From list_patient_appointments.", max_length=100)],
    new_start: Annotated[datetime, Field(description="The start of a free time from find_available_times (ISO-8601).")],
    idempotency_key: IdempotencyKey,
    practitioner_id: Annotated[
        str | None, Field(description="The new time's practitioner_id, when it is someone else.", max_length=100)
    ] = None,
) -> Annotated[CallToolResult, RescheduleAnswer]:
    """Move a patient's appointment to another free time (same service and length). The new time is checked live
    and never double-booked: when it is taken, rescheduled is false, the appointment stays where it was, and
    alternatives lists the nearest free times."""
    async with tool_call(ctx, "reschedule_appointment", write=True) as call:
        place = await open_clinic(call, clinic, Operation.appointments_update)
        patient = patient_id_of(patient_id)
        appointment_id = appointment_id_of(appointment_id)
        resource = (
            parse_typed_id(practitioner_id, invalid_code=DetailCode.INVALID_RESOURCE_ID, field="practitioner_id")
            if practitioner_id
            else None
        )
        begins = localise(new_start, place.zone)
        call.touched(appointment_id, patient)

        async def work() -> RescheduleAnswer:
            current = await _patients_appointment(place, appointment_id, patient)
            names = await Names.of(place)
            change = AppointmentChange(start=begins, end=begins + (current.end - current.start), resource_id=resource)
            try:
                moved = await booking.reschedule(
                    place.connector, call.runtime.lock, call.runtime.holds, place.care_unit_id, appointment_id, change
                )
            except MedleyError as error:
                if not _taken(error):
                    raise
                message, slots = await _offer_instead(
                    call, place, names, error, begins, current.healthcare_service_id, resource or current.resource_id
                )
                return RescheduleAnswer(message=message, rescheduled=False, alternatives=slots)
            info = names.appointment(moved)
            return RescheduleAnswer(
                message=f"Moved to {info.when} with {info.practitioner_name or 'the practitioner'}.",
                rescheduled=True,
                appointment=info,
            )

        arguments = {
            "clinic": place.name,
            "patient_id": patient,
            "appointment_id": appointment_id,
            "new_start": begins.isoformat(),
            "practitioner_id": resource,
        }
        return await _once(call, idempotency_key, arguments, work, keep=lambda a: a.rescheduled)


async def cancel_appointment(
    ctx: Context[Any, Any],
    clinic: ClinicArg,
    patient_id: PatientIdArg,
    appointment_id: Annotated[str, Field(description="From list_patient_appointments.", max_length=100)],
    idempotency_key: IdempotencyKey,
) -> Annotated[CallToolResult, CancelAnswer]:
    """Cancel a patient's appointment; its time becomes free for others. Cancelling one already cancelled
    answers the same, so a retry is safe. Confirm with the caller before cancelling."""
    async with tool_call(ctx, "cancel_appointment", write=True) as call:
        place = await open_clinic(call, clinic, Operation.appointments_cancel)
        patient = patient_id_of(patient_id)
        appointment_id = appointment_id_of(appointment_id)
        call.touched(appointment_id, patient)

        async def work() -> CancelAnswer:
            await _patients_appointment(place, appointment_id, patient)
            cancelled = await booking.cancel(place.connector, place.care_unit_id, appointment_id, None)
            info = (await Names.of(place)).appointment(cancelled)
            return CancelAnswer(message=f"Cancelled the appointment on {info.when}.", cancelled=True, appointment=info)

        arguments = {"clinic": place.name, "patient_id": patient, "appointment_id": appointment_id}
        return await _once(call, idempotency_key, arguments, work, keep=lambda _: True)
