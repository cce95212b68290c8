"""The gateway store's tables. No patient data lives here: credentials and replayable response bodies
are encrypted per application, and the audit log keeps ids and outcomes only.

Every table is prefixed ``medley_`` so the store can share a PostgreSQL database with the sandbox.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a real BIGINT.
AutoId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out, on every backend.

    SQLite has no time zone type: it stores naive UTC text, which still sorts and compares correctly.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use timezone-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    # Deterministic constraint names, the same on SQLite and PostgreSQL, so migrations can name them.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime}


class ApplicationRow(Base):
    """An API client. Only an Argon2id hash of its secret is kept."""

    __tablename__ = "medley_applications"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    client_id: Mapped[str] = mapped_column(String(128), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class ConnectionRow(Base):
    """An application's link to one EHR; credentials sealed with the master key and the client secret."""

    __tablename__ = "medley_connections"
    __table_args__ = (UniqueConstraint("application_id", "emr"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    application_id: Mapped[str] = mapped_column(
        ForeignKey("medley_applications.id", ondelete="CASCADE"), index=True
    )
    emr: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200))
    encrypted_credentials: Mapped[bytes] = mapped_column(LargeBinary)
    base_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    # The same credentials sealed under the master key alone, for the background sync, which runs with
    # no client present (docs/operations.md, "The scheduling mirror"). NULL until first written.
    worker_credentials: Mapped[bytes | None] = mapped_column(LargeBinary)


class IdempotencyRow(Base):
    """One ``Idempotency-Key`` of one application: a keyed fingerprint of the request and the sealed
    response."""

    __tablename__ = "medley_idempotency_records"

    application_id: Mapped[str] = mapped_column(
        ForeignKey("medley_applications.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    response_status: Mapped[int | None] = mapped_column(Integer)
    encrypted_response: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    # While in progress: the owner's lease, renewed as it runs; once it lapses, a retry takes the key over.
    lease_until: Mapped[datetime | None]


class AuditEventRow(Base):
    """Who did what, when, to which record ids, with which outcome. Never clinical content or names."""

    __tablename__ = "medley_audit_events"
    __table_args__ = (Index(None, "application_id", "at"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    application_id: Mapped[str] = mapped_column(ForeignKey("medley_applications.id", ondelete="CASCADE"))
    operation: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(10))
    path_template: Mapped[str] = mapped_column(String(255))
    record_ids: Mapped[list[str]] = mapped_column(JSON)
    status_code: Mapped[int] = mapped_column(Integer)
    request_id: Mapped[str] = mapped_column(String(64))


class LockRow(Base):
    """A lease on a named lock, for SQLite, where several processes share one file (PostgreSQL uses
    advisory locks instead). ``name`` is a digest of the lock key, ``holder`` a random token per
    acquisition; ``next_holder`` is a waiter's short reservation, so a busy process cannot starve others."""

    __tablename__ = "medley_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(32))
    expires_at: Mapped[datetime]
    next_holder: Mapped[str | None] = mapped_column(String(32))
    next_until: Mapped[datetime | None]


class WriteHoldRow(Base):
    """Time held by an EHR write whose outcome is not known yet (DESIGN.md §3): until the write is found, or
    its horizon passed with the EHR checked once more, the practitioner's overlapping time counts as taken.
    Ids and times only. ``moved_from_*``: a reschedule's previous time, to put it back if the move lost."""

    __tablename__ = "medley_write_holds"
    __table_args__ = (Index(None, "resource_id", "starts_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(100))
    care_unit_id: Mapped[str] = mapped_column(String(100))
    patient_id: Mapped[str | None] = mapped_column(String(100))
    service_id: Mapped[str | None] = mapped_column(String(100))
    appointment_id: Mapped[str | None] = mapped_column(String(100))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    moved_from_resource_id: Mapped[str | None] = mapped_column(String(100))
    moved_from_starts_at: Mapped[datetime | None]
    moved_from_ends_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    horizon_at: Mapped[datetime]


class EventRow(Base):
    """One change to one record of one connection (DESIGN.md §6): ids, times and statuses only.

    ``seq`` is given at insert; ``position`` (the log's order) once the event is committed, by one
    publisher at a time, so the log never gains an event before one already served (see events/log.py).
    The unique key on the record and its version makes one change one event, however often it is seen.
    """

    __tablename__ = "medley_events"
    __table_args__ = (
        UniqueConstraint("connection_id", "record_type", "record_id", "version"),
        Index(None, "application_id", "position"),
        Index(None, "position", "seq"),
        Index(None, "created_at"),
    )

    seq: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(40), unique=True)
    position: Mapped[int | None] = mapped_column(BigInteger)
    application_id: Mapped[str] = mapped_column(ForeignKey("medley_applications.id", ondelete="CASCADE"))
    connection_id: Mapped[str] = mapped_column(String(32))
    emr: Mapped[str] = mapped_column(String(32))
    care_unit_id: Mapped[str | None] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(40))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(128))
    version: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime]
    created_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class WebhookSubscriptionRow(Base):
    """Where an application wants its events POSTed. Secrets are sealed under the master key alone: the
    delivery worker signs without any client secret."""

    __tablename__ = "medley_webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    application_id: Mapped[str] = mapped_column(
        ForeignKey("medley_applications.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500))
    events: Mapped[list[str]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean)
    disabled_reason: Mapped[str | None] = mapped_column(String(64))
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_previous_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    previous_secret_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookDeliveryRow(Base):
    """The outbox: one event owed to one subscription, claimed by a worker under a lease."""

    __tablename__ = "medley_webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_seq"),
        Index(None, "status", "next_attempt_at"),
        Index(None, "subscription_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("medley_webhook_subscriptions.id", ondelete="CASCADE")
    )
    event_seq: Mapped[int] = mapped_column(ForeignKey("medley_events.seq", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    lease_token: Mapped[str | None] = mapped_column(String(32))
    last_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


# ---- the scheduling mirror (src/medley/sync/): ids, times and statuses only, never patient details ----


class MirrorConnectionRow(Base):
    """One EHR connection's mirror: its state, watermarks, the sync's lease and its last error."""

    __tablename__ = "medley_mirror_connections"

    connection_id: Mapped[str] = mapped_column(
        ForeignKey("medley_connections.id", ondelete="CASCADE"), primary_key=True
    )
    application_id: Mapped[str] = mapped_column(String(32), index=True)
    emr: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))  # cold, warming, live
    # The connector's snapshot of the practice's reference data (clinics, practitioners, services).
    reference: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    limits: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    bookings_watermark: Mapped[datetime | None]
    blocks_watermark: Mapped[datetime | None]
    hours_watermark: Mapped[datetime | None]
    reference_synced_at: Mapped[datetime | None]
    reconciled_at: Mapped[datetime | None]
    synced_at: Mapped[datetime | None]  # the last successful sync of any kind: the data's age
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_error_at: Mapped[datetime | None]
    lease_holder: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None]
    # Upstream calls per lane in the last minute, as the syncing process's budget counts them.
    budget_usage: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Bumped by every change of the mirror's content: readers keep computed slots until it moves.
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    # True when free time is read from the EHR (``MirrorFreeDayRow``), not computed from hours and bookings.
    free_times: Mapped[bool | None]


class MirrorOfferingRow(Base):
    """A (care unit, resource, service) that online booking serves, with what slot arithmetic needs."""

    __tablename__ = "medley_mirror_offerings"

    connection_id: Mapped[str] = mapped_column(
        ForeignKey("medley_mirror_connections.connection_id", ondelete="CASCADE"), primary_key=True
    )
    care_unit_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    lead_minutes: Mapped[int] = mapped_column(Integer)


class MirrorWorkingHoursRow(Base):
    """Weekly wall-clock working hours of a resource at a care unit (one row per period)."""

    __tablename__ = "medley_mirror_working_hours"
    __table_args__ = (Index(None, "connection_id", "resource_id", "care_unit_id"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    connection_id: Mapped[str] = mapped_column(
        ForeignKey("medley_mirror_connections.connection_id", ondelete="CASCADE")
    )
    source_id: Mapped[str] = mapped_column(String(64))  # the EHR record the period came from
    care_unit_id: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str] = mapped_column(String(64))
    weekday: Mapped[int] = mapped_column(Integer)  # Python's: 0 = Monday
    starts: Mapped[str] = mapped_column(String(5))  # "HH:MM" wall clock
    ends: Mapped[str] = mapped_column(String(5))  # "HH:MM"; "00:00" is the end of the day


class MirrorOpeningRow(Base):
    """Extra availability: a one-off block of working time of a resource at a care unit."""

    __tablename__ = "medley_mirror_openings"
    __table_args__ = (Index(None, "connection_id", "resource_id", "starts_at"),)

    connection_id: Mapped[str] = mapped_column(
        ForeignKey("medley_mirror_connections.connection_id", ondelete="CASCADE"), primary_key=True
    )
    opening_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    care_unit_id: Mapped[str | None] = mapped_column(String(64))
    resource_id: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    active: Mapped[bool]
    updated_at: Mapped[datetime | None]


class MirrorBookingRow(Base):
    """A busy interval: an appointment or time off (``kind``), with its status and the EHR's version."""

    __tablename__ = "medley_mirror_bookings"
    __table_args__ = (Index(None, "connection_id", "resource_id", "starts_at"),)

    connection_id: Mapped[str] = mapped_column(
        ForeignKey("medley_mirror_connections.connection_id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)  # appointment, group_appointment, time_off
    booking_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    care_unit_id: Mapped[str | None] = mapped_column(String(64))
    resource_id: Mapped[str] = mapped_column(String(64))
    service_id: Mapped[str | None] = mapped_column(String(64))
    patient_id: Mapped[str | None] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(24))  # booked, cancelled, did_not_arrive, archived
    busy: Mapped[bool]
    updated_at: Mapped[datetime | None]
    # When the version stored here was read from the EHR (our clock): the EHR's versions have whole seconds,
    # so of two reads of one version the earlier read must not undo the later one.
    read_at: Mapped[datetime | None]


class MirrorFreeDayRow(Base):
    """The free starts the EHR itself offered for one resource, service and local day, when it was read.

    For EHRs that compute availability themselves and expose only the result (Acuity): ``starts`` is a list of
    ``[unix seconds, seats left]``; ``dirty_since`` marks a day whose bookings changed since it was read (read it
    again first).
    """

    __tablename__ = "medley_mirror_free_days"

    connection_id: Mapped[str] = mapped_column(
        ForeignKey("medley_mirror_connections.connection_id", ondelete="CASCADE"), primary_key=True
    )
    care_unit_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)  # local, in ``time_zone``
    time_zone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    padding_before: Mapped[int] = mapped_column(Integer)
    padding_after: Mapped[int] = mapped_column(Integer)
    is_class: Mapped[bool]
    starts: Mapped[list[list[int]]] = mapped_column(JSON)
    read_at: Mapped[datetime]
    dirty_since: Mapped[datetime | None]
