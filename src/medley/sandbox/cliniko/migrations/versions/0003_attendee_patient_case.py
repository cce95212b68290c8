"""The patient case an attendee is booked under (``patient_case_id``, a documented attendee field).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cliniko_attendees") as batch:
        batch.add_column(sa.Column("patient_case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite")))


def downgrade() -> None:
    with op.batch_alter_table("cliniko_attendees") as batch:
        batch.drop_column("patient_case_id")
