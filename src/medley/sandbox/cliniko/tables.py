"""The emulator's own tables: the subset of Cliniko's data model that its API v1 exposes.

Column names follow Cliniko's JSON field names so the serialisers stay obvious. Times are stored as
timezone-aware UTC; ids are 64-bit integers, rendered as strings on the wire (as Cliniko does).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from medley.sandbox.columns import Id, UtcDateTime


class Base(DeclarativeBase):
    pass


class _Timestamps:
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


business_appointment_types = Table(
    "cliniko_business_appointment_types",
    Base.metadata,
    Column("business_id", ForeignKey("cliniko_businesses.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "appointment_type_id",
        ForeignKey("cliniko_appointment_types.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)

practitioner_businesses = Table(
    "cliniko_practitioner_businesses",
    Base.metadata,
    Column("practitioner_id", ForeignKey("cliniko_practitioners.id", ondelete="CASCADE"), primary_key=True),
    Column("business_id", ForeignKey("cliniko_businesses.id", ondelete="CASCADE"), primary_key=True),
)

practitioner_appointment_types = Table(
    "cliniko_practitioner_appointment_types",
    Base.metadata,
    Column("practitioner_id", ForeignKey("cliniko_practitioners.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "appointment_type_id",
        ForeignKey("cliniko_appointment_types.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class User(_Timestamps, Base):
    """The owner of an API key; every practitioner has one."""

    __tablename__ = "cliniko_users"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    title: Mapped[str | None] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(255))
    last_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(40), default="practitioner")
    time_zone_identifier: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Business(_Timestamps, Base):
    __tablename__ = "cliniko_businesses"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    business_name: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(255))
    address_1: Mapped[str | None] = mapped_column(String(255))
    address_2: Mapped[str | None] = mapped_column(String(255))
    city: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[str | None] = mapped_column(String(255))
    post_code: Mapped[str | None] = mapped_column(String(32))
    country: Mapped[str | None] = mapped_column(String(255))
    country_code: Mapped[str | None] = mapped_column(String(2))
    contact_information: Mapped[str | None] = mapped_column(Text)
    email_reply_to: Mapped[str | None] = mapped_column(String(255))
    website_address: Mapped[str | None] = mapped_column(String(255))
    time_zone: Mapped[str] = mapped_column(String(64), doc="Rails label, e.g. Sydney")
    time_zone_identifier: Mapped[str] = mapped_column(String(64), doc="IANA, e.g. Australia/Sydney")
    show_in_online_bookings: Mapped[bool] = mapped_column(Boolean, default=True)
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Practitioner(_Timestamps, Base):
    __tablename__ = "cliniko_practitioners"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("cliniko_users.id"))
    title: Mapped[str | None] = mapped_column(String(32))
    first_name: Mapped[str] = mapped_column(String(255))
    last_name: Mapped[str] = mapped_column(String(255))
    designation: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    show_in_online_bookings: Mapped[bool] = mapped_column(Boolean, default=True)
    default_appointment_type_id: Mapped[int | None] = mapped_column(ForeignKey("cliniko_appointment_types.id"))


class TreatmentNoteTemplate(_Timestamps, Base):
    __tablename__ = "cliniko_treatment_note_templates"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    print_settings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AppointmentType(_Timestamps, Base):
    __tablename__ = "cliniko_appointment_types"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    category: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    color: Mapped[str] = mapped_column(String(7), default="#4a90e2")
    duration_in_minutes: Mapped[int] = mapped_column(Integer)
    max_attendees: Mapped[int] = mapped_column(Integer, default=1)
    show_in_online_bookings: Mapped[bool] = mapped_column(Boolean, default=True)
    telehealth_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    online_bookings_lead_time_hours: Mapped[int] = mapped_column(Integer, default=0)
    price: Mapped[str | None] = mapped_column(String(32), doc="Billable item price, decimal string")
    treatment_note_template_id: Mapped[int | None] = mapped_column(ForeignKey("cliniko_treatment_note_templates.id"))
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class DailyAvailability(_Timestamps, Base):
    """Weekly working hours of one practitioner at one business, for one weekday.

    ``day_of_week`` is 0 = Sunday … 6 = Saturday (SPEC25's enum); ``availabilities`` is a list of
    ``{"starts_at": "09:00", "ends_at": "12:30"}`` in the business's local wall-clock time.
    """

    __tablename__ = "cliniko_daily_availabilities"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("cliniko_practitioners.id", ondelete="CASCADE"))
    business_id: Mapped[int] = mapped_column(ForeignKey("cliniko_businesses.id", ondelete="CASCADE"))
    day_of_week: Mapped[int] = mapped_column(Integer)
    availabilities: Mapped[list[dict[str, str]]] = mapped_column(JSON)

    __table_args__ = (Index("ix_cliniko_daily_avail_pract_biz", "practitioner_id", "business_id"),)


class AvailabilityBlock(_Timestamps, Base):
    """Extra, one-off working time (Cliniko's availability_blocks)."""

    __tablename__ = "cliniko_availability_blocks"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("cliniko_practitioners.id", ondelete="CASCADE"))
    business_id: Mapped[int] = mapped_column(ForeignKey("cliniko_businesses.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    repeat_rule: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    repeated_from_id: Mapped[int | None] = mapped_column(Id, default=None)


class UnavailableBlock(_Timestamps, Base):
    """Time off: a day off, a meeting, leave."""

    __tablename__ = "cliniko_unavailable_blocks"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("cliniko_practitioners.id", ondelete="CASCADE"))
    business_id: Mapped[int] = mapped_column(ForeignKey("cliniko_businesses.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    notes: Mapped[str | None] = mapped_column(Text)
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    repeat_rule: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    repeated_from_id: Mapped[int | None] = mapped_column(Id, default=None)
    unavailable_block_type_id: Mapped[int | None] = mapped_column(Id, default=None)

    __table_args__ = (Index("ix_cliniko_unavail_pract_start", "practitioner_id", "starts_at"),)


class Patient(_Timestamps, Base):
    __tablename__ = "cliniko_patients"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    title: Mapped[str | None] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(255))
    last_name: Mapped[str] = mapped_column(String(255))
    preferred_first_name: Mapped[str | None] = mapped_column(String(255))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(255))
    gender_identity: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    patient_phone_numbers: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    address_1: Mapped[str | None] = mapped_column(String(255))
    address_2: Mapped[str | None] = mapped_column(String(255))
    address_3: Mapped[str | None] = mapped_column(String(255))
    city: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[str | None] = mapped_column(String(255))
    post_code: Mapped[str | None] = mapped_column(String(255))
    country: Mapped[str | None] = mapped_column(String(255))
    country_code: Mapped[str | None] = mapped_column(String(2))
    occupation: Mapped[str | None] = mapped_column(String(255))
    notes: Mapped[str | None] = mapped_column(Text)
    old_reference_id: Mapped[str | None] = mapped_column(String(255))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    medicare: Mapped[str | None] = mapped_column(String(255))
    reminder_type: Mapped[str | None] = mapped_column(String(32))
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    pronouns: Mapped[dict[str, str] | None] = mapped_column(JSON, default=None)
    emergency_contact: Mapped[str | None] = mapped_column(String(255), default=None)
    appointment_notes: Mapped[str | None] = mapped_column(Text, default=None)
    invoice_default_to: Mapped[str | None] = mapped_column(Text, default=None)
    invoice_email: Mapped[str | None] = mapped_column(String(255), default=None)
    invoice_extra_information: Mapped[str | None] = mapped_column(Text, default=None)
    medicare_reference_number: Mapped[str | None] = mapped_column(String(255), default=None)
    dva_card_number: Mapped[str | None] = mapped_column(String(255), default=None)
    referral_source: Mapped[str | None] = mapped_column(String(255), default=None)
    accepted_privacy_policy: Mapped[bool | None] = mapped_column(Boolean, default=None)
    accepted_email_marketing: Mapped[bool | None] = mapped_column(Boolean, default=False)
    accepted_sms_marketing: Mapped[bool | None] = mapped_column(Boolean, default=False)
    receives_confirmation_emails: Mapped[bool | None] = mapped_column(Boolean, default=True)
    receives_cancellation_emails: Mapped[bool | None] = mapped_column(Boolean, default=True)
    custom_fields: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    concession_type_id: Mapped[int | None] = mapped_column(Id, default=None)
    referring_doctor_id: Mapped[int | None] = mapped_column(Id, default=None)

    __table_args__ = (
        Index("ix_cliniko_patients_last_first", "last_name", "first_name"),
        Index("ix_cliniko_patients_old_ref", "old_reference_id"),
    )


class IndividualAppointment(_Timestamps, Base):
    __tablename__ = "cliniko_individual_appointments"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("cliniko_businesses.id"))
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("cliniko_practitioners.id"))
    appointment_type_id: Mapped[int] = mapped_column(ForeignKey("cliniko_appointment_types.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("cliniko_patients.id"))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    notes: Mapped[str | None] = mapped_column(Text)
    did_not_arrive: Mapped[bool] = mapped_column(Boolean, default=False)
    patient_arrived: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancellation_reason: Mapped[int | None] = mapped_column(Integer)
    cancellation_note: Mapped[str | None] = mapped_column(Text)
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    treatment_note_status: Mapped[int | None] = mapped_column(Integer)
    repeat_rule: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    repeated_from_id: Mapped[int | None] = mapped_column(Id, default=None)
    patient_case_id: Mapped[int | None] = mapped_column(Id, default=None)

    __table_args__ = (
        Index("ix_cliniko_appts_pract_start", "practitioner_id", "starts_at"),
        Index("ix_cliniko_appts_patient", "patient_id"),
        Index("ix_cliniko_appts_business_start", "business_id", "starts_at"),
    )


class GroupAppointment(_Timestamps, Base):
    """A class: one practitioner's time, several patients (its attendees)."""

    __tablename__ = "cliniko_group_appointments"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("cliniko_businesses.id"))
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("cliniko_practitioners.id"))
    appointment_type_id: Mapped[int] = mapped_column(ForeignKey("cliniko_appointment_types.id"))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    max_attendees: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    repeat_rule: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    repeated_from_id: Mapped[int | None] = mapped_column(Id, default=None)
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)

    __table_args__ = (Index("ix_cliniko_groups_pract_start", "practitioner_id", "starts_at"),)


class Attendee(_Timestamps, Base):
    """A patient booked into a group appointment; cancelled one by one."""

    __tablename__ = "cliniko_attendees"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    group_appointment_id: Mapped[int] = mapped_column(ForeignKey("cliniko_group_appointments.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("cliniko_patients.id"))
    arrived: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    cancellation_reason: Mapped[int | None] = mapped_column(Integer, default=None)
    cancellation_note: Mapped[str | None] = mapped_column(Text, default=None)
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    patient_case_id: Mapped[int | None] = mapped_column(Id, default=None)

    __table_args__ = (
        Index("ix_cliniko_attendees_group", "group_appointment_id"),
        Index("ix_cliniko_attendees_patient", "patient_id"),
    )


class TreatmentNote(_Timestamps, Base):
    __tablename__ = "cliniko_treatment_notes"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("cliniko_patients.id"))
    practitioner_id: Mapped[int | None] = mapped_column(ForeignKey("cliniko_practitioners.id"))
    treatment_note_template_id: Mapped[int | None] = mapped_column(ForeignKey("cliniko_treatment_note_templates.id"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("cliniko_individual_appointments.id"))
    attendee_id: Mapped[int | None] = mapped_column(Id, default=None, doc="A group appointment's attendee")
    title: Mapped[str | None] = mapped_column(String(255))
    draft: Mapped[bool] = mapped_column(Boolean, default=True)
    finalized_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    author_name: Mapped[str | None] = mapped_column(String(255))
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_cliniko_notes_patient", "patient_id"),)


class UploadedObject(Base):
    """An object posted to the emulator's fake S3 bucket, before it becomes an attachment."""

    __tablename__ = "cliniko_uploaded_objects"
    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PatientAttachment(_Timestamps, Base):
    __tablename__ = "cliniko_patient_attachments"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("cliniko_patients.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("cliniko_users.id"))
    description: Mapped[str | None] = mapped_column(String(255))
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    processing_completed: Mapped[bool] = mapped_column(Boolean, default=False)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    upload_key: Mapped[str | None] = mapped_column(String(512), default=None, doc="The upload still processing")

    __table_args__ = (Index("ix_cliniko_attachments_patient", "patient_id"),)


class AccountSetting(Base):
    """Account-wide settings, as key/value (e.g. online-booking lead time and horizon)."""

    __tablename__ = "cliniko_settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
