"""Every documented field of the served writes, group appointments and their attendees.

Written by hand from ``tables.py`` at this revision. Adds the patient fields Cliniko documents (pronouns,
emergency contact, invoicing, consent flags, custom fields, …), repeat rules and the relations appointments
and blocks may have, the upload an attachment is still processing, and the group appointment tables.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id_type() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _instant(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _ref(name: str, target: str, *, nullable: bool = False, cascade: bool = False) -> sa.Column[int]:
    foreign_key = sa.ForeignKey(f"{target}.id", ondelete="CASCADE" if cascade else None)
    return sa.Column(name, _id_type(), foreign_key, nullable=nullable)


_PATIENT_COLUMNS = (
    ("pronouns", sa.JSON()),
    ("emergency_contact", sa.String(255)),
    ("appointment_notes", sa.Text()),
    ("invoice_default_to", sa.Text()),
    ("invoice_email", sa.String(255)),
    ("invoice_extra_information", sa.Text()),
    ("medicare_reference_number", sa.String(255)),
    ("dva_card_number", sa.String(255)),
    ("referral_source", sa.String(255)),
    ("accepted_privacy_policy", sa.Boolean()),
    ("accepted_email_marketing", sa.Boolean()),
    ("accepted_sms_marketing", sa.Boolean()),
    ("receives_confirmation_emails", sa.Boolean()),
    ("receives_cancellation_emails", sa.Boolean()),
    ("custom_fields", sa.JSON()),
    ("concession_type_id", _id_type()),
    ("referring_doctor_id", _id_type()),
)


def upgrade() -> None:
    with op.batch_alter_table("cliniko_patients") as batch:
        for name, kind in _PATIENT_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    with op.batch_alter_table("cliniko_individual_appointments") as batch:
        batch.add_column(sa.Column("repeat_rule", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("repeated_from_id", _id_type(), nullable=True))
        batch.add_column(sa.Column("patient_case_id", _id_type(), nullable=True))
    with op.batch_alter_table("cliniko_unavailable_blocks") as batch:
        batch.add_column(sa.Column("repeat_rule", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("repeated_from_id", _id_type(), nullable=True))
        batch.add_column(sa.Column("unavailable_block_type_id", _id_type(), nullable=True))
    with op.batch_alter_table("cliniko_availability_blocks") as batch:
        batch.add_column(sa.Column("repeat_rule", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("repeated_from_id", _id_type(), nullable=True))
    with op.batch_alter_table("cliniko_patient_attachments") as batch:
        batch.add_column(sa.Column("upload_key", sa.String(512), nullable=True))
    op.create_table(
        "cliniko_group_appointments",
        sa.Column("id", _id_type(), primary_key=True, autoincrement=True, nullable=False),
        _ref("business_id", "cliniko_businesses"),
        _ref("practitioner_id", "cliniko_practitioners"),
        _ref("appointment_type_id", "cliniko_appointment_types"),
        _instant("starts_at", nullable=False),
        _instant("ends_at", nullable=False),
        sa.Column("max_attendees", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("repeat_rule", sa.JSON(), nullable=True),
        sa.Column("repeated_from_id", _id_type(), nullable=True),
        _instant("archived_at"),
        _instant("created_at", nullable=False),
        _instant("updated_at", nullable=False),
    )
    op.create_index("ix_cliniko_groups_pract_start", "cliniko_group_appointments", ["practitioner_id", "starts_at"])
    op.create_table(
        "cliniko_attendees",
        sa.Column("id", _id_type(), primary_key=True, autoincrement=True, nullable=False),
        _ref("group_appointment_id", "cliniko_group_appointments", cascade=True),
        _ref("patient_id", "cliniko_patients"),
        sa.Column("arrived", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        _instant("cancelled_at"),
        sa.Column("cancellation_reason", sa.Integer(), nullable=True),
        sa.Column("cancellation_note", sa.Text(), nullable=True),
        _instant("archived_at"),
        _instant("created_at", nullable=False),
        _instant("updated_at", nullable=False),
    )
    op.create_index("ix_cliniko_attendees_group", "cliniko_attendees", ["group_appointment_id"])
    op.create_index("ix_cliniko_attendees_patient", "cliniko_attendees", ["patient_id"])


def downgrade() -> None:
    op.drop_table("cliniko_attendees")
    op.drop_table("cliniko_group_appointments")
    with op.batch_alter_table("cliniko_patient_attachments") as batch:
        batch.drop_column("upload_key")
    with op.batch_alter_table("cliniko_availability_blocks") as batch:
        batch.drop_column("repeated_from_id")
        batch.drop_column("repeat_rule")
    with op.batch_alter_table("cliniko_unavailable_blocks") as batch:
        for name in ("unavailable_block_type_id", "repeated_from_id", "repeat_rule"):
            batch.drop_column(name)
    with op.batch_alter_table("cliniko_individual_appointments") as batch:
        for name in ("patient_case_id", "repeated_from_id", "repeat_rule"):
            batch.drop_column(name)
    with op.batch_alter_table("cliniko_patients") as batch:
        for name, _ in reversed(_PATIENT_COLUMNS):
            batch.drop_column(name)
