"""The port every EHR connector implements, and the capability matrix it publishes.

A connector speaks only the domain vocabulary (``medley.domain``); the gateway renders it.
Every method raises ``MedleyError`` with a contract code on failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from medley.domain.errors import MedleyError
from medley.domain.models import (
    Appointment,
    AppointmentChange,
    AppointmentQuery,
    CareUnit,
    Document,
    DocumentFile,
    HealthcareService,
    MedicalNote,
    NewAppointment,
    NewDocument,
    NewMedicalNote,
    Patient,
    PatientCreate,
    PatientQuery,
    PatientUpdate,
    Resource,
    ScheduleBlock,
    Timeslot,
)


class Operation(StrEnum):
    """Operations a connector may support; the gateway answers NOT_SUPPORTED for the rest."""

    care_units_list = "care_units.list"
    resources_list = "resources.list"
    resources_get = "resources.get"
    schedules_get = "schedules.get"
    services_list = "services.list"
    timeslots_list = "timeslots.list"
    patients_search = "patients.search"
    patients_get = "patients.get"
    patients_create = "patients.create"
    appointments_create = "appointments.create"
    appointments_list = "appointments.list"
    appointments_get = "appointments.get"
    appointments_update = "appointments.update"
    appointments_cancel = "appointments.cancel"
    appointments_bulk = "appointments.bulk"
    notes_list = "notes.list"
    notes_create = "notes.create"
    documents_list = "documents.list"
    documents_create = "documents.create"
    documents_get = "documents.get"


class BookingGuard(StrEnum):
    """Who keeps a booking from overlapping another (DESIGN §3), and so what Medley must do around a write."""

    # The EHR accepts overlaps (Cliniko): Medley serialises, re-checks live, and after the write asks the EHR
    # for conflicts, undoing its own write when it lost a race.
    gateway = "gateway"
    # The EHR refuses a write into time that is not free (Acuity in client mode): Medley still serialises and
    # re-checks, but the EHR's own refusal is the last word, and no undo is ever needed.
    emr = "emr"


class Capabilities(BaseModel):
    model_config = ConfigDict(extra="forbid")

    emr: str
    name: str
    operations: list[Operation]
    patient_id_types: list[str]
    resource_id_types: list[str]
    note_templates: list[str]
    max_document_bytes: int
    max_timeslot_window_days: int
    appointment_statuses: list[str]
    timeslot_source: str = Field(
        description="`mirror` (computed from Medley's synced copy of the schedule when it is fresh, else live) "
        "or `live` (the EHR's own availability, cached briefly and coalesced)."
    )
    upstream_days_per_availability_call: int = Field(
        description="Days one upstream availability read covers (Cliniko 7, Acuity 1): what a wide live read costs."
    )
    seats: bool = Field(description="Whether a service may seat several patients at one time (group classes).")
    booking_guard: BookingGuard = Field(
        description="`gateway`: the EHR accepts overlaps and Medley guards bookings (lock, live re-check, conflicts "
        "check, undo); `emr`: the EHR refuses a taken slot itself and Medley adds the lock and the live re-check."
    )
    patient_upsert_key: list[str] = Field(
        description="The fields a patient create is matched on (an existing patient is returned, not created)."
    )

    def require(self, operation: Operation) -> None:
        """Refuse, before any upstream call, what this EHR cannot do (400 ``NOT_SUPPORTED``)."""
        if operation not in self.operations:
            raise MedleyError.not_supported(
                f"{self.name} does not support '{operation}': see its capabilities in GET /api/emrs."
            )


class Connector(Protocol):
    """One EHR account, reached with one set of credentials."""

    code: str

    def capabilities(self) -> Capabilities: ...

    async def list_care_units(self) -> list[CareUnit]: ...

    async def get_care_unit(self, care_unit_id: str) -> CareUnit: ...

    async def list_resources(self, care_unit_id: str) -> list[Resource]: ...

    async def get_resource(self, care_unit_id: str, resource_id: str) -> Resource: ...

    async def get_schedule(
        self, care_unit_id: str, resource_id: str, start: datetime, end: datetime
    ) -> list[ScheduleBlock]: ...

    async def list_services(self, care_unit_id: str) -> list[HealthcareService]: ...

    async def list_timeslots(
        self,
        care_unit_id: str,
        start: datetime,
        end: datetime,
        resource_ids: Sequence[str] | None = None,
        service_ids: Sequence[str] | None = None,
        fresh: bool = False,
    ) -> list[Timeslot]:
        """Free slots in [start, end), sorted by start then resource then service.

        ``fresh`` bypasses any short-lived cache: the booking re-check must see the EHR as it is now.
        """
        ...

    async def next_available(
        self,
        care_unit_id: str,
        after: datetime,
        resource_ids: Sequence[str] | None = None,
        service_ids: Sequence[str] | None = None,
    ) -> Timeslot | None: ...

    async def search_patients(self, care_unit_id: str, query: PatientQuery) -> list[Patient]: ...

    async def get_patient(self, care_unit_id: str, patient_id: str) -> Patient: ...

    async def create_patient(self, care_unit_id: str, patient: PatientCreate) -> Patient: ...

    async def update_patient(self, care_unit_id: str, patient_id: str, changes: PatientUpdate) -> Patient:
        """Write the fields ``changes`` sets (see ``PatientUpdate``) and return the patient as it now is."""
        ...

    async def list_appointments(self, care_unit_id: str, query: AppointmentQuery) -> list[Appointment]: ...

    async def get_appointment(self, care_unit_id: str, appointment_id: str) -> Appointment: ...

    async def create_appointment(self, care_unit_id: str, booking: NewAppointment) -> Appointment: ...

    async def check_own_write(
        self, care_unit_id: str, appointment_id: str, restore: AppointmentChange | None = None
    ) -> bool:
        """After our own booking or move was confirmed (or found landed late): whether it stands.

        The booking-safety step that is the EHR's business (DESIGN §3): where the EHR accepts overlaps it is
        asked for conflicts, and a write that overlaps another booking is undone (a new booking removed the
        EHR's way, a move put back to ``restore``) and ``False`` returned. Where the EHR refused any write
        into taken time, the write stands by construction: ``True`` without an upstream call.
        """
        ...

    async def update_appointment(
        self, care_unit_id: str, appointment_id: str, change: AppointmentChange
    ) -> Appointment: ...

    async def cancel_appointment(
        self, care_unit_id: str, appointment_id: str, comment: str | None
    ) -> Appointment: ...

    async def list_notes(self, care_unit_id: str, patient_id: str) -> list[MedicalNote]: ...

    async def create_note(self, care_unit_id: str, patient_id: str, note: NewMedicalNote) -> MedicalNote: ...

    async def list_documents(self, care_unit_id: str, patient_id: str) -> list[Document]: ...

    async def create_document(
        self, care_unit_id: str, patient_id: str, document: NewDocument
    ) -> Document: ...

    async def get_document(self, care_unit_id: str, patient_id: str, document_id: str) -> DocumentFile: ...

    async def aclose(self) -> None: ...


__all__ = ["BookingGuard", "Capabilities", "Connector", "Operation", "Sequence"]
