"""Initial schema: applications, connections, idempotency records, audit events, locks.

Revision ID: 0001
Revises:
Create Date: 2026-01-01 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types frozen as they were at this revision (migrations never import the live table definitions).
_UtcDateTime = sa.DateTime(timezone=True)
_AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "medley_applications",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("client_id", sa.String(128), nullable=False),
        sa.Column("secret_hash", sa.String(255), nullable=False),
        sa.Column("created_at", _UtcDateTime, nullable=False),
        sa.Column("disabled_at", _UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_medley_applications"),
        sa.UniqueConstraint("client_id", name="uq_medley_applications_client_id"),
    )
    op.create_table(
        "medley_connections",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("application_id", sa.String(32), nullable=False),
        sa.Column("emr", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("encrypted_credentials", sa.LargeBinary(), nullable=False),
        sa.Column("base_url", sa.String(500), nullable=True),
        sa.Column("created_at", _UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["medley_applications.id"],
            name="fk_medley_connections_application_id", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_medley_connections"),
        sa.UniqueConstraint("application_id", "emr", name="uq_medley_connections_application_id_emr"),
    )
    op.create_index("ix_medley_connections_application_id", "medley_connections", ["application_id"])
    op.create_table(
        "medley_idempotency_records",
        sa.Column("application_id", sa.String(32), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("encrypted_response", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", _UtcDateTime, nullable=False),
        sa.Column("expires_at", _UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["medley_applications.id"],
            name="fk_medley_idempotency_records_application_id", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", "key", name="pk_medley_idempotency_records"),
    )
    op.create_index("ix_medley_idempotency_records_expires_at", "medley_idempotency_records", ["expires_at"])
    op.create_table(
        "medley_audit_events",
        sa.Column("id", _AutoId, autoincrement=True, nullable=False),
        sa.Column("at", _UtcDateTime, nullable=False),
        sa.Column("application_id", sa.String(32), nullable=False),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("path_template", sa.String(255), nullable=False),
        sa.Column("record_ids", sa.JSON(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["medley_applications.id"],
            name="fk_medley_audit_events_application_id", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_medley_audit_events"),
    )
    op.create_index("ix_medley_audit_events_application_id_at", "medley_audit_events", ["application_id", "at"])
    op.create_table(
        "medley_locks",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(32), nullable=True),
        sa.Column("expires_at", _UtcDateTime, nullable=False),
        sa.Column("next_holder", sa.String(32), nullable=True),
        sa.Column("next_until", _UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_medley_locks"),
    )


def downgrade() -> None:
    op.drop_table("medley_locks")
    op.drop_index("ix_medley_audit_events_application_id_at", table_name="medley_audit_events")
    op.drop_table("medley_audit_events")
    op.drop_index("ix_medley_idempotency_records_expires_at", table_name="medley_idempotency_records")
    op.drop_table("medley_idempotency_records")
    op.drop_index("ix_medley_connections_application_id", table_name="medley_connections")
    op.drop_table("medley_connections")
    op.drop_table("medley_applications")
