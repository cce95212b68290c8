"""The emulator's own tables: the subset of Acuity's data model its API v1 exposes.

Times are aware UTC instants; wall-clock hours are stored as ``"HH:MM"`` pairs in the calendar's own
zone. Ids are integers in Acuity's ranges (a seven-digit calendar, an eight-digit type, a nine- or
ten-digit appointment). Clients have an internal id only: Acuity's API never shows one.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from medley.sandbox.columns import Id, UtcDateTime

Ranges = list[list[str]]
"""Working ranges of one day, e.g. ``[["09:00", "12:00"], ["13:00", "17:00"]]``, local wall clock."""


class Base(DeclarativeBase):
    pass


class Account(Base):
    """The one account (``GET /me``) and its scheduling limits (Acuity's global "scheduling limits")."""

    __tablename__ = "acuity_account"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False, doc="The API user id")
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64), doc="The business zone (IANA)")
    currency: Mapped[str] = mapped_column(String(3))
    plan: Mapped[str] = mapped_column(String(64))
    first_day_of_week: Mapped[int] = mapped_column(Integer, default=0)
    time_format: Mapped[str] = mapped_column(String(16), default="12-hour")
    location: Mapped[str] = mapped_column(Text, doc="The business's street address")
    description: Mapped[str] = mapped_column(Text, default="")
    min_hours_in_advance: Mapped[int] = mapped_column(Integer, doc="Clients book at least this far ahead")
    max_days_in_advance: Mapped[int] = mapped_column(Integer, doc="… and at most this far ahead")
    start_time_interval: Mapped[int | None] = mapped_column(Integer, doc="Minutes; None = automatic (a GCD)")
    appointments_per_slot: Mapped[int] = mapped_column(Integer, default=1)
    clients_may_cancel: Mapped[bool] = mapped_column(Boolean, default=True)
    clients_may_reschedule: Mapped[bool] = mapped_column(Boolean, default=True)
    min_hours_to_cancel: Mapped[int] = mapped_column(Integer, default=24)
    min_hours_to_reschedule: Mapped[int] = mapped_column(Integer, default=24)


class Calendar(Base):
    """Acuity's resource: a practitioner, room or studio, each with its own time zone."""

    __tablename__ = "acuity_calendars"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(512), default="", doc="One or more, comma-separated")
    reply_to: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64))
    image: Mapped[str | None] = mapped_column(String(512))


type_calendars = Table(
    "acuity_type_calendars",
    Base.metadata,
    Column("appointment_type_id", ForeignKey("acuity_appointment_types.id", ondelete="CASCADE"), primary_key=True),
    Column("calendar_id", ForeignKey("acuity_calendars.id", ondelete="CASCADE"), primary_key=True),
)


class AppointmentType(Base):
    """A service (one client at a time) or a class (``class_size`` seats at scheduled times)."""

    __tablename__ = "acuity_appointment_types"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    duration: Mapped[int] = mapped_column(Integer, doc="Minutes")
    price: Mapped[str] = mapped_column(String(16), doc="Decimal string, two places")
    category: Mapped[str] = mapped_column(String(255), default="")
    color: Mapped[str] = mapped_column(String(7), default="#6FCF97")
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, doc="False once deleted")
    kind: Mapped[str] = mapped_column(String(16), default="service", doc="service, class or series")
    class_size: Mapped[int | None] = mapped_column(Integer)
    padding_before: Mapped[int] = mapped_column(Integer, default=0)
    padding_after: Mapped[int] = mapped_column(Integer, default=0)
    image: Mapped[str] = mapped_column(String(512), default="")


class WeeklyHours(Base):
    """A calendar's regular hours on one weekday (0 = Monday), in its own zone."""

    __tablename__ = "acuity_weekly_hours"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("acuity_calendars.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    ranges: Mapped[Ranges] = mapped_column(JSON)


class DateHours(Base):
    """A per-date edit of a calendar's hours: replaces that weekday's hours; no ranges close the day."""

    __tablename__ = "acuity_date_hours"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("acuity_calendars.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    ranges: Mapped[Ranges] = mapped_column(JSON)

    __table_args__ = (Index("ix_acuity_date_hours_calendar_day", "calendar_id", "day", unique=True),)


class ScheduledClass(Base):
    """One session of a class type, at the time the admin scheduled it (``/availability/classes``)."""

    __tablename__ = "acuity_classes"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    appointment_type_id: Mapped[int] = mapped_column(ForeignKey("acuity_appointment_types.id"))
    calendar_id: Mapped[int] = mapped_column(ForeignKey("acuity_calendars.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_acuity_classes_calendar_start", "calendar_id", "starts_at"),)


class Client(Base):
    """A client record. Acuity's API shows no id for it; ``id`` is the emulator's own."""

    __tablename__ = "acuity_clients"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    first_name: Mapped[str] = mapped_column(String(255))
    last_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_acuity_clients_last_first", "last_name", "first_name"),)


class Appointment(Base):
    """A booking; ``padding_*`` and ``duration`` are copied from the type when booked, as Acuity keeps them."""

    __tablename__ = "acuity_appointments"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("acuity_calendars.id"))
    appointment_type_id: Mapped[int] = mapped_column(ForeignKey("acuity_appointment_types.id"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("acuity_classes.id"))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    padding_before: Mapped[int] = mapped_column(Integer, default=0)
    padding_after: Mapped[int] = mapped_column(Integer, default=0)
    first_name: Mapped[str] = mapped_column(String(255))
    last_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    timezone: Mapped[str] = mapped_column(String(64), doc="The client's zone")
    price: Mapped[str] = mapped_column(String(16))
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    amount_paid: Mapped[str] = mapped_column(String(16), default="0.00")
    notes: Mapped[str] = mapped_column(Text, default="")
    label_id: Mapped[int | None] = mapped_column(Integer)
    canceled: Mapped[bool] = mapped_column(Boolean, default=False)
    no_show: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_note: Mapped[str] = mapped_column(Text, default="")
    scheduled_by: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_acuity_appts_calendar_start", "calendar_id", "starts_at"),
        Index("ix_acuity_appts_start", "starts_at"),
        Index("ix_acuity_appts_class", "class_id"),
    )


class Block(Base):
    """Blocked-off time on a calendar: never offered to clients; admins may book over it."""

    __tablename__ = "acuity_blocks"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("acuity_calendars.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_acuity_blocks_calendar_start", "calendar_id", "starts_at"),)


class Webhook(Base):
    """A dynamic webhook subscription (``POST /webhooks``)."""

    __tablename__ = "acuity_webhooks"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    event: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(2048))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
