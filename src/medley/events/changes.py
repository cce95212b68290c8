"""The facts an event is made of, as the mirror and the write path see them (ids, times, statuses only).

Both ways a change is seen feed the same function: our own write once the EHR confirmed it, and the
sync reading the EHR. An event is keyed on the record and its version, so seeing one change twice
gives one event.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    appointment_created = "appointment.created"
    appointment_rescheduled = "appointment.rescheduled"
    appointment_cancelled = "appointment.cancelled"
    appointment_updated = "appointment.updated"
    patient_created = "patient.created"
    patient_updated = "patient.updated"
    medical_note_created = "medical_note.created"
    document_created = "document.created"


@dataclass(frozen=True, slots=True)
class AppointmentState:
    """One appointment as the mirror holds it: no names, contact details or clinical content."""

    appointment_id: str
    care_unit_id: str
    resource_id: str
    healthcare_service_id: str | None
    patient_id: str | None
    start: datetime
    end: datetime
    status: str  # the contract's status: booked, cancelled, completed, did_not_arrive, ...
    updated_at: datetime  # the EHR's version of the record

    @property
    def version(self) -> str:
        """The EHR's version of the record and a digest of what an event reports, all in UTC. Two changes
        within the EHR's timestamp resolution (one second in Cliniko) are two versions; one state seen twice,
        by our write and by the sync, whatever offset each wrote its times with, is one."""
        reported = "|".join(
            str(value)
            for value in (
                self.start.astimezone(UTC).isoformat(), self.end.astimezone(UTC).isoformat(), self.resource_id,
                self.status, self.healthcare_service_id, self.patient_id, self.care_unit_id,
            )
        )
        digest = hashlib.sha256(reported.encode()).hexdigest()[:16]
        return f"{self.updated_at.astimezone(UTC).isoformat()}#{digest}"

    def data(self) -> dict[str, Any]:
        return {
            "appointment_id": self.appointment_id,
            "care_unit_id": self.care_unit_id,
            "patient_id": self.patient_id,
            "resource_id": self.resource_id,
            "healthcare_service_id": self.healthcare_service_id,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "status": self.status,
        }


def appointment_change(before: AppointmentState | None, after: AppointmentState) -> EventType | None:
    """The one event type a change from ``before`` to ``after`` is, or ``None`` when nothing that an
    event reports changed (e.g. the same version seen again)."""
    if before is not None and before.version == after.version:
        return None  # the same version of the record, seen again (our write, then the sync)
    if before is None:
        # First sight of a record: a cancelled one was created and cancelled between two looks.
        return EventType.appointment_cancelled if after.status == "cancelled" else EventType.appointment_created
    if after.status == "cancelled" and before.status != "cancelled":
        return EventType.appointment_cancelled
    if (after.start, after.end, after.resource_id) != (before.start, before.end, before.resource_id):
        return EventType.appointment_rescheduled
    if (after.status, after.healthcare_service_id, after.patient_id) != (
        before.status,
        before.healthcare_service_id,
        before.patient_id,
    ):
        return EventType.appointment_updated
    return None
