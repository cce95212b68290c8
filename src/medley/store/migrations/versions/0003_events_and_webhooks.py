"""Events and webhooks: the event log per connection, subscriptions, and the delivery outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types frozen as they were at this revision (migrations never import the live table definitions).
_UtcDateTime = sa.DateTime(timezone=True)
_AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "medley_events",
        sa.Column("seq", _AutoId, autoincrement=True, nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=True),
        sa.Column("application_id", sa.String(32), nullable=False),
        sa.Column("connection_id", sa.String(32), nullable=False),
        sa.Column("emr", sa.String(32), nullable=False),
        sa.Column("care_unit_id", sa.String(100), nullable=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("record_type", sa.String(40), nullable=False),
        sa.Column("record_id", sa.String(128), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("occurred_at", _UtcDateTime, nullable=False),
        sa.Column("created_at", _UtcDateTime, nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["medley_applications.id"],
            name="fk_medley_events_application_id", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name="pk_medley_events"),
        sa.UniqueConstraint("id", name="uq_medley_events_id"),
        sa.UniqueConstraint(
            "connection_id", "record_type", "record_id", "version",
            name="uq_medley_events_connection_id_record_type_record_id_version",
        ),
    )
    op.create_index("ix_medley_events_application_id_position", "medley_events", ["application_id", "position"])
    op.create_index("ix_medley_events_position_seq", "medley_events", ["position", "seq"])
    op.create_index("ix_medley_events_created_at", "medley_events", ["created_at"])
    op.create_table(
        "medley_webhook_subscriptions",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("application_id", sa.String(32), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(64), nullable=True),
        sa.Column("sealed_secret", sa.LargeBinary(), nullable=False),
        sa.Column("sealed_previous_secret", sa.LargeBinary(), nullable=True),
        sa.Column("previous_secret_until", _UtcDateTime, nullable=True),
        sa.Column("created_at", _UtcDateTime, nullable=False),
        sa.Column("updated_at", _UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["medley_applications.id"],
            name="fk_medley_webhook_subscriptions_application_id", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_medley_webhook_subscriptions"),
    )
    op.create_index(
        "ix_medley_webhook_subscriptions_application_id", "medley_webhook_subscriptions", ["application_id"]
    )
    op.create_table(
        "medley_webhook_deliveries",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("subscription_id", sa.String(40), nullable=False),
        sa.Column("event_seq", _AutoId, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _UtcDateTime, nullable=True),
        sa.Column("lease_until", _UtcDateTime, nullable=True),
        sa.Column("lease_token", sa.String(32), nullable=True),
        sa.Column("last_attempt_at", _UtcDateTime, nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("created_at", _UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["medley_webhook_subscriptions.id"],
            name="fk_medley_webhook_deliveries_subscription_id", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_seq"], ["medley_events.seq"],
            name="fk_medley_webhook_deliveries_event_seq", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_medley_webhook_deliveries"),
        sa.UniqueConstraint(
            "subscription_id", "event_seq", name="uq_medley_webhook_deliveries_subscription_id_event_seq"
        ),
    )
    op.create_index(
        "ix_medley_webhook_deliveries_status_next_attempt_at", "medley_webhook_deliveries",
        ["status", "next_attempt_at"],
    )
    op.create_index(
        "ix_medley_webhook_deliveries_subscription_id_created_at", "medley_webhook_deliveries",
        ["subscription_id", "created_at"],
    )
    op.create_index("ix_medley_webhook_deliveries_event_seq", "medley_webhook_deliveries", ["event_seq"])


def downgrade() -> None:
    op.drop_table("medley_webhook_deliveries")
    op.drop_table("medley_webhook_subscriptions")
    op.drop_table("medley_events")
