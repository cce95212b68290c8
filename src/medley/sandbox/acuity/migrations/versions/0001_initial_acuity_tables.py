"""Initial Acuity emulator tables.

Written by hand from ``tables.py`` at this revision (a migration never imports the live models, so it
stays what it was). Runs on SQLite and PostgreSQL: ids are BIGINT (BIGSERIAL) on PostgreSQL and
INTEGER on SQLite, where only an INTEGER PRIMARY KEY auto-increments.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id_type() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _pk(*, autoincrement: bool = True) -> sa.Column[int]:
    return sa.Column("id", _id_type(), primary_key=True, autoincrement=autoincrement, nullable=False)


def _ref(name: str, target: str, *, nullable: bool = False, cascade: bool = False) -> sa.Column[int]:
    foreign_key = sa.ForeignKey(f"{target}.id", ondelete="CASCADE" if cascade else None)
    return sa.Column(name, _id_type(), foreign_key, nullable=nullable)


def _instant(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _text(name: str, length: int | None = 255, *, nullable: bool = False) -> sa.Column[str]:
    kind: sa.types.TypeEngine[str] = sa.String(length) if length is not None else sa.Text()
    return sa.Column(name, kind, nullable=nullable)


def _integer(name: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _flag(name: str) -> sa.Column[bool]:
    return sa.Column(name, sa.Boolean(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "acuity_account",
        _pk(autoincrement=False),
        _text("name"),
        _text("email"),
        _text("timezone", 64),
        _text("currency", 3),
        _text("plan", 64),
        _integer("first_day_of_week"),
        _text("time_format", 16),
        _text("location", None),
        _text("description", None),
        _integer("min_hours_in_advance"),
        _integer("max_days_in_advance"),
        _integer("start_time_interval", nullable=True),
        _integer("appointments_per_slot"),
        _flag("clients_may_cancel"),
        _flag("clients_may_reschedule"),
        _integer("min_hours_to_cancel"),
        _integer("min_hours_to_reschedule"),
    )
    op.create_table(
        "acuity_calendars",
        _pk(),
        _text("name"),
        _text("email", 512),
        _text("reply_to"),
        _text("description", None),
        _text("location", None),
        _text("timezone", 64),
        _text("image", 512, nullable=True),
    )
    op.create_table(
        "acuity_appointment_types",
        _pk(),
        _text("name"),
        _text("description", None),
        _integer("duration"),
        _text("price", 16),
        _text("category"),
        _text("color", 7),
        _flag("private"),
        _flag("active"),
        _text("kind", 16),
        _integer("class_size", nullable=True),
        _integer("padding_before"),
        _integer("padding_after"),
        _text("image", 512),
    )
    op.create_table(
        "acuity_type_calendars",
        _ref("appointment_type_id", "acuity_appointment_types", cascade=True),
        _ref("calendar_id", "acuity_calendars", cascade=True),
        sa.PrimaryKeyConstraint("appointment_type_id", "calendar_id"),
    )
    op.create_table(
        "acuity_weekly_hours",
        _pk(),
        _ref("calendar_id", "acuity_calendars", cascade=True),
        _integer("weekday"),
        sa.Column("ranges", sa.JSON(), nullable=False),
    )
    op.create_index("ix_acuity_weekly_hours_calendar_id", "acuity_weekly_hours", ["calendar_id"])
    op.create_table(
        "acuity_date_hours",
        _pk(),
        _ref("calendar_id", "acuity_calendars", cascade=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ranges", sa.JSON(), nullable=False),
    )
    op.create_index("ix_acuity_date_hours_calendar_day", "acuity_date_hours", ["calendar_id", "day"], unique=True)
    op.create_table(
        "acuity_classes",
        _pk(),
        _ref("appointment_type_id", "acuity_appointment_types"),
        _ref("calendar_id", "acuity_calendars", cascade=True),
        _instant("starts_at"),
    )
    op.create_index("ix_acuity_classes_calendar_start", "acuity_classes", ["calendar_id", "starts_at"])
    op.create_table(
        "acuity_clients",
        _pk(),
        _text("first_name"),
        _text("last_name"),
        _text("email"),
        _text("phone", 64),
        _text("notes", None),
        _instant("created_at"),
    )
    op.create_index("ix_acuity_clients_last_first", "acuity_clients", ["last_name", "first_name"])
    op.create_table(
        "acuity_appointments",
        _pk(),
        _ref("calendar_id", "acuity_calendars"),
        _ref("appointment_type_id", "acuity_appointment_types"),
        _ref("class_id", "acuity_classes", nullable=True),
        _instant("starts_at"),
        _instant("ends_at"),
        _integer("padding_before"),
        _integer("padding_after"),
        _text("first_name"),
        _text("last_name"),
        _text("email"),
        _text("phone", 64),
        _text("timezone", 64),
        _text("price", 16),
        _flag("paid"),
        _text("amount_paid", 16),
        _text("notes", None),
        _integer("label_id", nullable=True),
        _flag("canceled"),
        _flag("no_show"),
        _text("cancel_note", None),
        _text("scheduled_by", nullable=True),
        _instant("created_at"),
        _instant("updated_at"),
    )
    op.create_index("ix_acuity_appts_calendar_start", "acuity_appointments", ["calendar_id", "starts_at"])
    op.create_index("ix_acuity_appts_start", "acuity_appointments", ["starts_at"])
    op.create_index("ix_acuity_appts_class", "acuity_appointments", ["class_id"])
    op.create_table(
        "acuity_blocks",
        _pk(),
        _ref("calendar_id", "acuity_calendars", cascade=True),
        _instant("starts_at"),
        _instant("ends_at"),
        _text("notes", None),
        _instant("created_at"),
    )
    op.create_index("ix_acuity_blocks_calendar_start", "acuity_blocks", ["calendar_id", "starts_at"])
    op.create_table(
        "acuity_webhooks",
        _pk(),
        _text("event", 64),
        _text("target", 2048),
        _text("status", 16),
        _instant("created_at"),
    )


def downgrade() -> None:
    for table in (
        "acuity_webhooks",
        "acuity_blocks",
        "acuity_appointments",
        "acuity_clients",
        "acuity_classes",
        "acuity_date_hours",
        "acuity_weekly_hours",
        "acuity_type_calendars",
        "acuity_appointment_types",
        "acuity_calendars",
        "acuity_account",
    ):
        op.drop_table(table)
