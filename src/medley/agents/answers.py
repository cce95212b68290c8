"""What the tools answer: a short, speakable ``message`` (also the text content) and the structured fields beside
it. Every time is given twice: ISO-8601 with the clinic's offset, and as the clinic's local phrase (``when``).
Patients are named by id and first name only: never a date of birth or a phone number."""

from __future__ import annotations

from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel, Field


class Answer(BaseModel):
    message: str = Field(description="A short sentence to say to the caller.")

    def result(self) -> CallToolResult:
        return CallToolResult(
            content=[TextContent(type="text", text=self.message)], structured_content=self.model_dump(mode="json")
        )


class ClinicInfo(BaseModel):
    clinic: str = Field(description="The clinic's name for every other tool: '<emr>/<care_unit_id>'.")
    name: str
    timezone: str
    city: str | None = None


class ClinicsAnswer(Answer):
    clinics: list[ClinicInfo]


class Practitioner(BaseModel):
    practitioner_id: str
    name: str


class ServiceInfo(BaseModel):
    service_id: str
    name: str
    duration_minutes: int
    description: str | None = None
    price: str | None = None
    practitioners: list[Practitioner] = Field(default_factory=list)


class ServicesAnswer(Answer):
    clinic: str
    services: list[ServiceInfo]


class Slot(BaseModel):
    """A free time: book it with book_appointment (start, practitioner_id, service_id)."""

    start: str = Field(description="ISO-8601, with the clinic's offset.")
    end: str
    when: str = Field(description="The start as said in the clinic's zone, e.g. 'Tuesday 3 December at 9:30 am'.")
    practitioner_id: str
    practitioner_name: str
    service_id: str
    service_name: str


class TimesAnswer(Answer):
    clinic: str
    timezone: str
    times: list[Slot]
    next_available: Slot | None = Field(
        default=None, description="When nothing is free in the range asked: the next free time after it."
    )


class PatientAnswer(Answer):
    patient_id: str
    first_name: str | None
    created: bool = Field(description="True when a new patient record was made; false when one was found.")


class AppointmentInfo(BaseModel):
    appointment_id: str
    clinic: str
    status: str
    start: str
    end: str
    when: str
    practitioner_id: str
    practitioner_name: str | None
    service_id: str | None
    service_name: str | None
    patient_id: str | None


class AppointmentsAnswer(Answer):
    clinic: str
    appointments: list[AppointmentInfo]


class BookingAnswer(Answer):
    booked: bool
    appointment: AppointmentInfo | None = None
    alternatives: list[Slot] = Field(
        default_factory=list, description="When the time was taken: the nearest free times instead."
    )


class RescheduleAnswer(Answer):
    rescheduled: bool
    appointment: AppointmentInfo | None = None
    alternatives: list[Slot] = Field(default_factory=list)


class CancelAnswer(Answer):
    cancelled: bool
    appointment: AppointmentInfo
