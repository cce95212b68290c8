"""The scheduling mirror: per connection, what availability depends on, and the sync's state and leases.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Types frozen as they were at this revision (migrations never import the live table definitions).
_UtcDateTime = sa.DateTime(timezone=True)
_AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_MIRROR = "medley_mirror_connections"


def _mirror_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["connection_id"], [f"{_MIRROR}.connection_id"], ondelete="CASCADE")


def upgrade() -> None:
    with op.batch_alter_table("medley_connections") as batch:
        batch.add_column(sa.Column("worker_credentials", sa.LargeBinary(), nullable=True))
    op.create_table(
        _MIRROR,
        sa.Column("connection_id", sa.String(32), nullable=False),
        sa.Column("application_id", sa.String(32), nullable=False),
        sa.Column("emr", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=True),
        sa.Column("limits", sa.JSON(), nullable=True),
        sa.Column("bookings_watermark", _UtcDateTime, nullable=True),
        sa.Column("blocks_watermark", _UtcDateTime, nullable=True),
        sa.Column("hours_watermark", _UtcDateTime, nullable=True),
        sa.Column("reference_synced_at", _UtcDateTime, nullable=True),
        sa.Column("reconciled_at", _UtcDateTime, nullable=True),
        sa.Column("synced_at", _UtcDateTime, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("last_error_at", _UtcDateTime, nullable=True),
        sa.Column("lease_holder", sa.String(64), nullable=True),
        sa.Column("lease_expires_at", _UtcDateTime, nullable=True),
        sa.Column("budget_usage", sa.JSON(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["connection_id"], ["medley_connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("connection_id", name=op.f(f"pk_{_MIRROR}")),
    )
    op.create_index(op.f(f"ix_{_MIRROR}_application_id"), _MIRROR, ["application_id"])
    op.create_table(
        "medley_mirror_offerings",
        sa.Column("connection_id", sa.String(32), nullable=False),
        sa.Column("care_unit_id", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.String(64), nullable=False),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("lead_minutes", sa.Integer(), nullable=False),
        _mirror_fk(),
        sa.PrimaryKeyConstraint(
            "connection_id", "care_unit_id", "resource_id", "service_id", name=op.f("pk_medley_mirror_offerings")
        ),
    )
    op.create_table(
        "medley_mirror_working_hours",
        sa.Column("id", _AutoId, autoincrement=True, nullable=False),
        sa.Column("connection_id", sa.String(32), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("care_unit_id", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.String(64), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("starts", sa.String(5), nullable=False),
        sa.Column("ends", sa.String(5), nullable=False),
        _mirror_fk(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medley_mirror_working_hours")),
    )
    op.create_index(
        op.f("ix_medley_mirror_working_hours_connection_id_resource_id_care_unit_id"),
        "medley_mirror_working_hours",
        ["connection_id", "resource_id", "care_unit_id"],
    )
    op.create_table(
        "medley_mirror_openings",
        sa.Column("connection_id", sa.String(32), nullable=False),
        sa.Column("opening_id", sa.String(64), nullable=False),
        sa.Column("care_unit_id", sa.String(64), nullable=True),
        sa.Column("resource_id", sa.String(64), nullable=False),
        sa.Column("starts_at", _UtcDateTime, nullable=False),
        sa.Column("ends_at", _UtcDateTime, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _UtcDateTime, nullable=True),
        _mirror_fk(),
        sa.PrimaryKeyConstraint("connection_id", "opening_id", name=op.f("pk_medley_mirror_openings")),
    )
    op.create_index(
        op.f("ix_medley_mirror_openings_connection_id_resource_id_starts_at"),
        "medley_mirror_openings",
        ["connection_id", "resource_id", "starts_at"],
    )
    op.create_table(
        "medley_mirror_bookings",
        sa.Column("connection_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("booking_id", sa.String(64), nullable=False),
        sa.Column("care_unit_id", sa.String(64), nullable=True),
        sa.Column("resource_id", sa.String(64), nullable=False),
        sa.Column("service_id", sa.String(64), nullable=True),
        sa.Column("patient_id", sa.String(64), nullable=True),
        sa.Column("starts_at", _UtcDateTime, nullable=False),
        sa.Column("ends_at", _UtcDateTime, nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("busy", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _UtcDateTime, nullable=True),
        sa.Column("read_at", _UtcDateTime, nullable=True),
        _mirror_fk(),
        sa.PrimaryKeyConstraint("connection_id", "kind", "booking_id", name=op.f("pk_medley_mirror_bookings")),
    )
    op.create_index(
        op.f("ix_medley_mirror_bookings_connection_id_resource_id_starts_at"),
        "medley_mirror_bookings",
        ["connection_id", "resource_id", "starts_at"],
    )


def downgrade() -> None:
    for table in (
        "medley_mirror_bookings",
        "medley_mirror_openings",
        "medley_mirror_working_hours",
        "medley_mirror_offerings",
        _MIRROR,
    ):
        op.drop_table(table)
    with op.batch_alter_table("medley_connections") as batch:
        batch.drop_column("worker_credentials")
