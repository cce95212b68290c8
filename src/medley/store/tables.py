"""The gateway store's tables. No patient data lives here: credentials and replayable response bodies
are encrypted per application, and the audit log keeps ids and outcomes only.

Every table is prefixed ``medley_`` so the store can share a PostgreSQL database with the sandbox.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
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
