"""Free times read from the EHR: the mirror of EHRs that compute availability themselves (Acuity).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types frozen as they were at this revision (migrations never import the live table definitions).
_UtcDateTime = sa.DateTime(timezone=True)
_TABLE = "medley_mirror_free_days"


def upgrade() -> None:
    with op.batch_alter_table("medley_mirror_connections") as batch:
        batch.add_column(sa.Column("free_times", sa.Boolean(), nullable=True))
    op.create_table(
        _TABLE,
        sa.Column("connection_id", sa.String(32), nullable=False),
        sa.Column("care_unit_id", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.String(64), nullable=False),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("padding_before", sa.Integer(), nullable=False),
        sa.Column("padding_after", sa.Integer(), nullable=False),
        sa.Column("is_class", sa.Boolean(), nullable=False),
        sa.Column("starts", sa.JSON(), nullable=False),
        sa.Column("read_at", _UtcDateTime, nullable=False),
        sa.Column("dirty_since", _UtcDateTime, nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["medley_mirror_connections.connection_id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "connection_id", "care_unit_id", "resource_id", "service_id", "day", name=op.f(f"pk_{_TABLE}")
        ),
    )


def downgrade() -> None:
    op.drop_table(_TABLE)
    with op.batch_alter_table("medley_mirror_connections") as batch:
        batch.drop_column("free_times")
