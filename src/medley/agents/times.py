"""Free times for the tools: read through the same availability reader as ``GET …/timeslots`` (the mirror when it
is warm, the EHR live otherwise), then narrowed to what a caller asked for and said back in the clinic's words."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from medley.agents.answers import AppointmentInfo, Slot
from medley.agents.calls import ToolCall
from medley.agents.clinics import Clinic
from medley.agents.speech import local_iso, spoken_time
from medley.domain.models import Appointment, HealthcareService, Resource, Timeslot
from medley.services.availability import AvailabilityReader

PartOfDay = Literal["any", "morning", "afternoon", "evening"]
# Local hours [from, to) of each part of the day.
_PARTS: dict[str, tuple[int, int]] = {"morning": (0, 12), "afternoon": (12, 17), "evening": (17, 24)}

# Where the nearest alternatives to a taken time are looked for: a little before it, up to a week after.
_ALTERNATIVES_BEFORE = timedelta(days=2)
_ALTERNATIVES_AFTER = timedelta(days=7)


def _reader(call: ToolCall) -> AvailabilityReader:
    return call.runtime.availability or AvailabilityReader(call.runtime.connectors, None)


async def free_slots(
    call: ToolCall,
    clinic: Clinic,
    start: datetime,
    end: datetime,
    resource_ids: Sequence[str] | None,
    service_ids: Sequence[str] | None,
) -> list[Timeslot]:
    found = await _reader(call).timeslots(
        call.application_id, clinic.emr, clinic.connector, clinic.care_unit_id, start, end, resource_ids, service_ids
    )
    return found.items()


async def next_free(
    call: ToolCall,
    clinic: Clinic,
    after: datetime,
    resource_ids: Sequence[str] | None,
    service_ids: Sequence[str] | None,
) -> Timeslot | None:
    slot, _ = await _reader(call).next_available(
        call.application_id, clinic.emr, clinic.connector, clinic.care_unit_id, after, resource_ids, service_ids
    )
    return slot


def in_part_of_day(slot: Timeslot, zone: ZoneInfo, part: PartOfDay) -> bool:
    if part == "any":
        return True
    low, high = _PARTS[part]
    return low <= slot.start.astimezone(zone).hour < high


def varied(slots: Iterable[Timeslot], limit: int) -> list[Timeslot]:
    """Earliest first, but distinct times before a second practitioner at the same time: a caller offered five
    times wants five choices, not one time five times."""
    ordered = list(slots)
    first: list[Timeslot] = []
    seen: set[datetime] = set()
    for slot in ordered:
        if slot.start not in seen:
            seen.add(slot.start)
            first.append(slot)
    chosen = first[:limit]
    if len(chosen) < limit:
        chosen += [s for s in ordered if s not in chosen][: limit - len(chosen)]
    return sorted(chosen, key=lambda s: (s.start, s.resource_id))


async def nearest(
    call: ToolCall, clinic: Clinic, wanted: datetime, service_id: str | None, resource_id: str | None, limit: int = 3
) -> list[Timeslot]:
    """The free times nearest to ``wanted`` for the same service, the same practitioner first at equal distance."""
    now = datetime.now(UTC)
    start = max(now, wanted - _ALTERNATIVES_BEFORE)
    end = max(wanted, start) + _ALTERNATIVES_AFTER
    slots = await free_slots(call, clinic, start, end, None, [service_id] if service_id else None)
    others = [s for s in slots if not (s.start == wanted and s.resource_id == resource_id)]
    others.sort(key=lambda s: (abs((s.start - wanted).total_seconds()), s.resource_id != resource_id))
    return varied(others, limit)


@dataclass(frozen=True, slots=True)
class Names:
    """A clinic's practitioners and services by id, to say times and appointments with names."""

    clinic: Clinic
    practitioners: dict[str, Resource]
    services: dict[str, HealthcareService]

    @classmethod
    async def of(cls, clinic: Clinic) -> Names:
        return cls(clinic, await clinic.practitioners(), await clinic.services())

    def practitioner(self, resource_id: str | None) -> str | None:
        found = self.practitioners.get(resource_id or "")
        return found.name if found is not None else None

    def service(self, service_id: str | None) -> str | None:
        found = self.services.get(service_id or "")
        return found.name if found is not None else None

    def slot(self, slot: Timeslot) -> Slot:
        zone = self.clinic.zone
        return Slot(
            start=local_iso(slot.start, zone),
            end=local_iso(slot.end, zone),
            when=spoken_time(slot.start, zone),
            practitioner_id=slot.resource_id,
            practitioner_name=self.practitioner(slot.resource_id) or "a practitioner",
            service_id=slot.healthcare_service_id,
            service_name=self.service(slot.healthcare_service_id) or "an appointment",
        )

    def appointment(self, appointment: Appointment) -> AppointmentInfo:
        zone = self.clinic.zone
        return AppointmentInfo(
            appointment_id=appointment.id,
            clinic=self.clinic.name,
            status=appointment.status.value,
            start=local_iso(appointment.start, zone),
            end=local_iso(appointment.end, zone),
            when=spoken_time(appointment.start, zone),
            practitioner_id=appointment.resource_id,
            practitioner_name=self.practitioner(appointment.resource_id),
            service_id=appointment.healthcare_service_id,
            service_name=self.service(appointment.healthcare_service_id),
            patient_id=appointment.patient_id,
        )


def said(slot: Slot) -> str:
    return f"{slot.when} with {slot.practitioner_name}"


def said_list(slots: Sequence[Slot]) -> str:
    phrases = [said(s) for s in slots]
    return phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " or " + phrases[-1]
