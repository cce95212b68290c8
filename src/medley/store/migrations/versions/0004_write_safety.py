"""Write safety: holds on time whose booking outcome is unknown, and leases on in-progress idempotency records.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types frozen as they were at this revision (migrations never import the live table definitions).
_UtcDateTime = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "medley_write_holds",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("resource_id", sa.String(100), nullable=False),
        sa.Column("care_unit_id", sa.String(100), nullable=False),
        sa.Column("patient_id", sa.String(100), nullable=True),
        sa.Column("service_id", sa.String(100), nullable=True),
        sa.Column("appointment_id", sa.String(100), nullable=True),
        sa.Column("starts_at", _UtcDateTime, nullable=False),
        sa.Column("ends_at", _UtcDateTime, nullable=False),
        sa.Column("moved_from_resource_id", sa.String(100), nullable=True),
        sa.Column("moved_from_starts_at", _UtcDateTime, nullable=True),
        sa.Column("moved_from_ends_at", _UtcDateTime, nullable=True),
        sa.Column("created_at", _UtcDateTime, nullable=False),
        sa.Column("horizon_at", _UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_medley_write_holds"),
    )
    op.create_index(
        "ix_medley_write_holds_resource_id_starts_at", "medley_write_holds", ["resource_id", "starts_at"]
    )
    # The lease of an in-progress record: renewed by its owner while it runs, taken over once it lapses.
    with op.batch_alter_table("medley_idempotency_records") as batch:
        batch.add_column(sa.Column("lease_until", _UtcDateTime, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("medley_idempotency_records") as batch:
        batch.drop_column("lease_until")
    op.drop_index("ix_medley_write_holds_resource_id_starts_at", table_name="medley_write_holds")
    op.drop_table("medley_write_holds")
