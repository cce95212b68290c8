"""The read-only tools: which clinics, which services, which free times, and a patient's appointments."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp_types import CallToolResult
from pydantic import Field

from medley.agents.answers import (
    AppointmentsAnswer,
    ClinicInfo,
    ClinicsAnswer,
    Practitioner,
    ServiceInfo,
    ServicesAnswer,
    TimesAnswer,
)
from medley.agents.calls import tool_call
from medley.agents.clinics import all_clinics, open_clinic
from medley.agents.matching import best_matches, top_matches
from medley.agents.speech import spoken_day
from medley.agents.times import Names, PartOfDay, free_slots, in_part_of_day, next_free, said, said_list, varied
from medley.connectors.base import Operation
from medley.domain.errors import DetailCode, MedleyError
from medley.domain.ids import parse_plain_id, parse_typed_id
from medley.domain.models import AppointmentQuery, AppointmentStatus, HealthcareService, Resource
from medley.services.time_windows import resolve_window

ClinicArg = Annotated[
    str,
    Field(
        description="The clinic, as list_clinics names it: '<emr>/<care_unit_id>', e.g. 'cliniko/1001'.",
        max_length=120,
    ),
]
PatientIdArg = Annotated[
    str, Field(description="The patient_id from find_or_create_patient.", min_length=1, max_length=100)
]

MAX_TIMES = 10
MAX_SERVICES = 20
MAX_APPOINTMENTS = 10


async def list_clinics(ctx: Context[Any, Any]) -> Annotated[CallToolResult, ClinicsAnswer]:
    """List the clinics this assistant can book at, across every connected EHR. Call this first when you do not
    know the clinic's name; every other tool takes a clinic as '<emr>/<care_unit_id>' (e.g. 'cliniko/1001')."""
    async with tool_call(ctx, "list_clinics") as call:
        clinics = await all_clinics(call)
        infos = [
            ClinicInfo(
                clinic=c.name,
                name=c.unit.name,
                timezone=c.unit.timezone,
                city=c.unit.address.city if c.unit.address else None,
            )
            for c in clinics
        ]
        names = ", ".join(i.name for i in infos[:5])
        message = (
            f"{len(infos)} clinic{'s' if len(infos) != 1 else ''}: {names}." if infos else "No clinics are connected."
        )
        return ClinicsAnswer(message=message, clinics=infos).result()


def _practitioners_of(service: HealthcareService, practitioners: dict[str, Resource]) -> list[Practitioner]:
    ids = service.resource_ids or list(practitioners)
    return [Practitioner(practitioner_id=i, name=practitioners[i].name) for i in ids if i in practitioners]


async def find_services(
    ctx: Context[Any, Any],
    clinic: ClinicArg,
    name: Annotated[
        str | None,
        Field(
            description="What the caller asked for, in their words (e.g. 'physio', 'first consult'); "
            "leave out to list every service.",
            max_length=200,
        ),
    ] = None,
) -> Annotated[CallToolResult, ServicesAnswer]:
    """Find the clinic's services (appointment types) by name, forgiving of wording and spelling, with each
    service's length and who provides it. Use the service_id with find_available_times."""
    async with tool_call(ctx, "find_services") as call:
        place = await open_clinic(call, clinic, Operation.services_list)
        services = list((await place.services()).values())
        practitioners = await place.practitioners()
        found = [s for _, s in best_matches(name, services, lambda s: [s.name])] if name else services
        infos = [
            ServiceInfo(
                service_id=s.id,
                name=s.name,
                duration_minutes=s.duration_minutes,
                description=s.description,
                price=s.price,
                practitioners=_practitioners_of(s, practitioners),
            )
            for s in found[:MAX_SERVICES]
        ]
        if not infos:
            message = f"No service matches '{name}'." if name else "This clinic lists no services."
        else:
            message = "; ".join(f"{i.name} ({i.duration_minutes} minutes)" for i in infos[:5]) + "."
        return ServicesAnswer(message=message, clinic=place.name, services=infos).result()


def _resolve(said_as: str, items: dict[str, Any], names: Any, what: str, code: DetailCode, field: str) -> list[str]:
    """Ids the caller meant: an id as given, else the best name matches; none is a clear error naming choices."""
    value = said_as.strip()
    bare = value.removeprefix("emr_id:")
    if bare in items:
        return [bare]
    matched = [item.id for item in top_matches(value, items.values(), names)]
    if not matched:
        choices = ", ".join(sorted(item.name for item in items.values())[:8])
        raise MedleyError.bad_request(
            f"No {what} matches '{value[:60]}'. This clinic has: {choices}.", code, path=field
        )
    return matched


def _resource_names(resource: Resource) -> list[str]:
    return [resource.name, f"{resource.first_name or ''} {resource.last_name or ''}", resource.last_name or ""]


async def find_available_times(
    ctx: Context[Any, Any],
    clinic: ClinicArg,
    service: Annotated[
        str | None,
        Field(
            description="A service_id from find_services, or the service's name as the caller said it.", max_length=200
        ),
    ] = None,
    practitioner: Annotated[
        str | None,
        Field(
            description="A practitioner_id, or the practitioner's name (e.g. 'Dr Smith'). Leave out for anyone.",
            max_length=200,
        ),
    ] = None,
    from_date: Annotated[
        date | None, Field(description="First day to look at (YYYY-MM-DD, the clinic's calendar). Default: today.")
    ] = None,
    to_date: Annotated[
        date | None,
        Field(description="Last day to look at, included (YYYY-MM-DD). Default: two weeks after from_date."),
    ] = None,
    part_of_day: Annotated[
        PartOfDay,
        Field(
            description="Only times starting in the clinic's morning (before noon), afternoon (noon to 5 pm) "
            "or evening (after 5 pm)."
        ),
    ] = "any",
    limit: Annotated[int, Field(description="How many times to offer, earliest first.", ge=1, le=MAX_TIMES)] = 5,
) -> Annotated[CallToolResult, TimesAnswer]:
    """Find free appointment times at a clinic, earliest first, filtered by service, practitioner, dates and part
    of day. Offer the caller these times; book one with book_appointment (its start, practitioner_id and
    service_id). When nothing is free in the range, next_available says when the next free time is."""
    async with tool_call(ctx, "find_available_times") as call:
        place = await open_clinic(call, clinic, Operation.timeslots_list)
        names = await Names.of(place)
        service_ids = (
            _resolve(
                service,
                names.services,
                lambda s: [s.name],
                "service",
                DetailCode.INVALID_HEALTHCARE_SERVICE_ID,
                "service",
            )
            if service
            else None
        )
        resource_ids = (
            _resolve(
                practitioner,
                names.practitioners,
                _resource_names,
                "practitioner",
                DetailCode.INVALID_RESOURCE_ID,
                "practitioner",
            )
            if practitioner
            else None
        )
        settings = call.runtime.settings
        zone = place.zone
        window = resolve_window(
            datetime.combine(from_date, time(), zone) if from_date else None,
            datetime.combine(to_date + timedelta(days=1), time(), zone) if to_date else None,
            tz=zone,
            default_days=settings.timeslot_default_days,
            max_days=settings.timeslot_max_days,
        )
        slots = [
            s
            for s in await free_slots(call, place, window.start, window.end, resource_ids, service_ids)
            if in_part_of_day(s, zone, part_of_day)
        ]
        times = [names.slot(s) for s in varied(slots, limit)]
        upcoming = None
        if times:
            message = f"Free times: {said_list(times)}."
        else:
            after = await next_free(call, place, window.end, resource_ids, service_ids)
            upcoming = names.slot(after) if after is not None else None
            last_day = (window.end - timedelta(microseconds=1)).astimezone(zone).date()
            message = (
                f"Nothing is free from {spoken_day(window.start.astimezone(zone).date())} to {spoken_day(last_day)}"
            )
            message += f"; the next free time is {said(upcoming)}." if upcoming else "."
        return TimesAnswer(
            message=message, clinic=place.name, timezone=place.unit.timezone, times=times, next_available=upcoming
        ).result()


def patient_id_of(raw: str) -> str:
    return parse_typed_id(raw, field="patient_id")


def appointment_id_of(raw: str) -> str:
    return parse_plain_id(raw, invalid_code=DetailCode.INVALID_APPOINTMENT_ID, field="appointment_id")


async def list_patient_appointments(
    ctx: Context[Any, Any],
    clinic: ClinicArg,
    patient_id: PatientIdArg,
    include_past: Annotated[bool, Field(description="Also list past and cancelled appointments.")] = False,
) -> Annotated[CallToolResult, AppointmentsAnswer]:
    """List a patient's appointments at a clinic: by default the upcoming ones that still stand, soonest first.
    Use an appointment_id from here with reschedule_appointment or cancel_appointment."""
    async with tool_call(ctx, "list_patient_appointments") as call:
        place = await open_clinic(call, clinic, Operation.appointments_list)
        patient = patient_id_of(patient_id)
        call.touched(patient)
        query = AppointmentQuery(patient_id=patient, start=None if include_past else datetime.now(UTC))
        found = await place.connector.list_appointments(place.care_unit_id, query)
        if not include_past:
            found = [
                a for a in found if a.status in (AppointmentStatus.booked, AppointmentStatus.awaiting_confirmation)
            ]
        found = sorted(found, key=lambda a: a.start, reverse=include_past)[:MAX_APPOINTMENTS]
        names = await Names.of(place)
        infos = [names.appointment(a) for a in found]
        call.touched(*(i.appointment_id for i in infos))
        if not infos:
            message = "No upcoming appointments." if not include_past else "No appointments."
        else:
            message = (
                "; ".join(
                    f"{i.when} with {i.practitioner_name or 'a practitioner'}"
                    + (f" ({i.status})" if i.status != "booked" else "")
                    for i in infos[:5]
                )
                + "."
            )
        return AppointmentsAnswer(message=message, clinic=place.name, appointments=infos).result()
