"""The port every EHR connector implements, and the capability matrix it publishes.

A connector speaks only the domain vocabulary (``medley.domain``); the gateway renders it.
Every method raises ``MedleyError`` with a contract code on failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict

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

    async def has_conflicts(self, appointment_id: str) -> bool:
        """Whether the EHR sees another booking overlapping this appointment."""
        ...

    async def update_appointment(
        self, care_unit_id: str, appointment_id: str, change: AppointmentChange
    ) -> Appointment: ...

    async def cancel_appointment(
        self, care_unit_id: str, appointment_id: str, comment: str | None
    ) -> Appointment: ...

    async def delete_appointment(self, appointment_id: str) -> None:
        """Undo our own write (archive in Cliniko) after losing a race."""
        ...

    async def list_notes(self, care_unit_id: str, patient_id: str) -> list[MedicalNote]: ...

    async def create_note(self, care_unit_id: str, patient_id: str, note: NewMedicalNote) -> MedicalNote: ...

    async def list_documents(self, care_unit_id: str, patient_id: str) -> list[Document]: ...

    async def create_document(
        self, care_unit_id: str, patient_id: str, document: NewDocument
    ) -> Document: ...

    async def get_document(self, care_unit_id: str, patient_id: str, document_id: str) -> DocumentFile: ...

    async def aclose(self) -> None: ...


__all__ = ["Capabilities", "Connector", "Operation", "Sequence"]
