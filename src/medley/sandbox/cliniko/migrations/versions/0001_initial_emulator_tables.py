"""Initial emulator tables.

Written by hand from ``tables.py`` at this revision (a migration never imports the live models, so it
stays what it was). Runs on SQLite and PostgreSQL: ids are BIGINT (BIGSERIAL) on PostgreSQL and
INTEGER on SQLite, where only an INTEGER PRIMARY KEY auto-increments.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
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


def _pk() -> sa.Column[int]:
    return sa.Column("id", _id_type(), primary_key=True, autoincrement=True, nullable=False)


def _ref(name: str, target: str, *, nullable: bool = False, cascade: bool = False) -> sa.Column[int]:
    foreign_key = sa.ForeignKey(f"{target}.id", ondelete="CASCADE" if cascade else None)
    return sa.Column(name, _id_type(), foreign_key, nullable=nullable)


def _instant(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _timestamps() -> list[sa.Column[object]]:
    return [_instant("created_at", nullable=False), _instant("updated_at", nullable=False)]


def _text(name: str, length: int | None = 255, *, nullable: bool = True) -> sa.Column[str]:
    kind: sa.types.TypeEngine[str] = sa.String(length) if length is not None else sa.Text()
    return sa.Column(name, kind, nullable=nullable)


def _flag(name: str) -> sa.Column[bool]:
    return sa.Column(name, sa.Boolean(), nullable=False)


def _link_table(name: str, left: tuple[str, str], right: tuple[str, str]) -> None:
    op.create_table(
        name,
        _ref(left[0], left[1], cascade=True),
        _ref(right[0], right[1], cascade=True),
        sa.PrimaryKeyConstraint(left[0], right[0]),
    )


def upgrade() -> None:
    op.create_table(
        "cliniko_users",
        _pk(),
        _text("title"),
        _text("first_name", nullable=False),
        _text("last_name", nullable=False),
        _text("email"),
        _text("role", 40, nullable=False),
        _text("time_zone_identifier", 64, nullable=False),
        _flag("active"),
        *_timestamps(),
    )
    op.create_table(
        "cliniko_businesses",
        _pk(),
        _text("business_name", nullable=False),
        _text("display_name"),
        _text("address_1"),
        _text("address_2"),
        _text("city"),
        _text("state"),
        _text("post_code", 32),
        _text("country"),
        _text("country_code", 2),
        _text("contact_information", None),
        _text("email_reply_to"),
        _text("website_address"),
        _text("time_zone", 64, nullable=False),
        _text("time_zone_identifier", 64, nullable=False),
        _flag("show_in_online_bookings"),
        _instant("archived_at"),
        *_timestamps(),
    )
    op.create_table(
        "cliniko_treatment_note_templates",
        _pk(),
        _text("name", nullable=False),
        sa.Column("content", sa.JSON(), nullable=True),
        sa.Column("print_settings", sa.JSON(), nullable=True),
        _instant("archived_at"),
        *_timestamps(),
    )
    op.create_table(
        "cliniko_appointment_types",
        _pk(),
        _text("name", nullable=False),
        _text("category"),
        _text("description", None),
        _text("color", 7, nullable=False),
        sa.Column("duration_in_minutes", sa.Integer(), nullable=False),
        sa.Column("max_attendees", sa.Integer(), nullable=False),
        _flag("show_in_online_bookings"),
        _flag("telehealth_enabled"),
        sa.Column("online_bookings_lead_time_hours", sa.Integer(), nullable=False),
        _text("price", 32),
        _ref("treatment_note_template_id", "cliniko_treatment_note_templates", nullable=True),
        _instant("archived_at"),
        *_timestamps(),
    )
    op.create_table(
        "cliniko_practitioners",
        _pk(),
        _ref("user_id", "cliniko_users"),
        _text("title", 32),
        _text("first_name", nullable=False),
        _text("last_name", nullable=False),
        _text("designation"),
        _text("description", None),
        _flag("active"),
        _flag("show_in_online_bookings"),
        _ref("default_appointment_type_id", "cliniko_appointment_types", nullable=True),
        *_timestamps(),
    )
    _link_table(
        "cliniko_business_appointment_types",
        ("business_id", "cliniko_businesses"),
        ("appointment_type_id", "cliniko_appointment_types"),
    )
    _link_table(
        "cliniko_practitioner_businesses",
        ("practitioner_id", "cliniko_practitioners"),
        ("business_id", "cliniko_businesses"),
    )
    _link_table(
        "cliniko_practitioner_appointment_types",
        ("practitioner_id", "cliniko_practitioners"),
        ("appointment_type_id", "cliniko_appointment_types"),
    )
    op.create_table(
        "cliniko_daily_availabilities",
        _pk(),
        _ref("practitioner_id", "cliniko_practitioners", cascade=True),
        _ref("business_id", "cliniko_businesses", cascade=True),
        sa.Column("day_of_week", sa.Integer(), nullable=False),
        sa.Column("availabilities", sa.JSON(), nullable=False),
        *_timestamps(),
    )
    op.create_index(
        "ix_cliniko_daily_avail_pract_biz", "cliniko_daily_availabilities", ["practitioner_id", "business_id"]
    )
    op.create_table(
        "cliniko_availability_blocks",
        _pk(),
        _ref("practitioner_id", "cliniko_practitioners", cascade=True),
        _ref("business_id", "cliniko_businesses", cascade=True),
        _instant("starts_at", nullable=False),
        _instant("ends_at", nullable=False),
        *_timestamps(),
    )
    op.create_table(
        "cliniko_unavailable_blocks",
        _pk(),
        _ref("practitioner_id", "cliniko_practitioners", cascade=True),
        _ref("business_id", "cliniko_businesses", cascade=True),
        _instant("starts_at", nullable=False),
        _instant("ends_at", nullable=False),
        _text("notes", None),
        _instant("archived_at"),
        *_timestamps(),
    )
    op.create_index("ix_cliniko_unavail_pract_start", "cliniko_unavailable_blocks", ["practitioner_id", "starts_at"])
    op.create_table(
        "cliniko_patients",
        _pk(),
        _text("title"),
        _text("first_name", nullable=False),
        _text("last_name", nullable=False),
        _text("preferred_first_name"),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        _text("sex"),
        _text("gender_identity"),
        _text("email"),
        sa.Column("patient_phone_numbers", sa.JSON(), nullable=False),
        _text("address_1"),
        _text("address_2"),
        _text("address_3"),
        _text("city"),
        _text("state"),
        _text("post_code"),
        _text("country"),
        _text("country_code", 2),
        _text("occupation"),
        _text("notes", None),
        _text("old_reference_id"),
        _text("time_zone", 64),
        _text("medicare"),
        _text("reminder_type", 32),
        _instant("archived_at"),
        *_timestamps(),
    )
    op.create_index("ix_cliniko_patients_last_first", "cliniko_patients", ["last_name", "first_name"])
    op.create_index("ix_cliniko_patients_old_ref", "cliniko_patients", ["old_reference_id"])
    op.create_table(
        "cliniko_individual_appointments",
        _pk(),
        _ref("business_id", "cliniko_businesses"),
        _ref("practitioner_id", "cliniko_practitioners"),
        _ref("appointment_type_id", "cliniko_appointment_types"),
        _ref("patient_id", "cliniko_patients"),
        _instant("starts_at", nullable=False),
        _instant("ends_at", nullable=False),
        _text("notes", None),
        _flag("did_not_arrive"),
        _flag("patient_arrived"),
        _instant("cancelled_at"),
        sa.Column("cancellation_reason", sa.Integer(), nullable=True),
        _text("cancellation_note", None),
        _instant("archived_at"),
        sa.Column("treatment_note_status", sa.Integer(), nullable=True),
        *_timestamps(),
    )
    op.create_index("ix_cliniko_appts_pract_start", "cliniko_individual_appointments", ["practitioner_id", "starts_at"])
    op.create_index("ix_cliniko_appts_patient", "cliniko_individual_appointments", ["patient_id"])
    op.create_index("ix_cliniko_appts_business_start", "cliniko_individual_appointments", ["business_id", "starts_at"])
    op.create_table(
        "cliniko_treatment_notes",
        _pk(),
        _ref("patient_id", "cliniko_patients"),
        _ref("practitioner_id", "cliniko_practitioners", nullable=True),
        _ref("treatment_note_template_id", "cliniko_treatment_note_templates", nullable=True),
        _ref("booking_id", "cliniko_individual_appointments", nullable=True),
        _text("title"),
        _flag("draft"),
        _instant("finalized_at"),
        _text("author_name"),
        sa.Column("content", sa.JSON(), nullable=True),
        _instant("archived_at"),
        *_timestamps(),
    )
    op.create_index("ix_cliniko_notes_patient", "cliniko_treatment_notes", ["patient_id"])
    op.create_table(
        "cliniko_uploaded_objects",
        sa.Column("key", sa.String(512), primary_key=True, nullable=False),
        _text("filename", nullable=False),
        _text("content_type", nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        _instant("created_at", nullable=False),
    )
    op.create_table(
        "cliniko_patient_attachments",
        _pk(),
        _ref("patient_id", "cliniko_patients"),
        _ref("user_id", "cliniko_users", nullable=True),
        _text("description"),
        _text("filename"),
        _text("content_type"),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        _flag("processing_completed"),
        _instant("processed_at"),
        _instant("archived_at"),
        *_timestamps(),
    )
    op.create_index("ix_cliniko_attachments_patient", "cliniko_patient_attachments", ["patient_id"])
    op.create_table(
        "cliniko_settings",
        sa.Column("key", sa.String(64), primary_key=True, nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "cliniko_settings",
        "cliniko_patient_attachments",
        "cliniko_uploaded_objects",
        "cliniko_treatment_notes",
        "cliniko_individual_appointments",
        "cliniko_patients",
        "cliniko_unavailable_blocks",
        "cliniko_availability_blocks",
        "cliniko_daily_availabilities",
        "cliniko_practitioner_appointment_types",
        "cliniko_practitioner_businesses",
        "cliniko_business_appointment_types",
        "cliniko_practitioners",
        "cliniko_appointment_types",
        "cliniko_treatment_note_templates",
        "cliniko_businesses",
        "cliniko_users",
    ):
        op.drop_table(table)
