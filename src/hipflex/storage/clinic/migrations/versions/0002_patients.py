"""Patients, device tokens, clinic protocols, prescriptions, sessions, holds, pain check-ins.

Revision ID: c0002
Revises: c0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c0002"
down_revision: str | None = "c0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clinic_protocols",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("clinic_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("toml", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_clinic_protocols_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["accounts.id"],
            name=op.f("fk_clinic_protocols_created_by_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinic_protocols")),
        sa.UniqueConstraint("clinic_id", "name", name=op.f("uq_clinic_protocols_clinic_id")),
    )
    op.create_index(
        op.f("ix_clinic_protocols_clinic_id"), "clinic_protocols", ["clinic_id"], unique=False
    )
    op.create_table(
        "device_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_device_tokens_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_device_tokens_token_hash")),
    )
    op.create_index(
        op.f("ix_device_tokens_account_id"), "device_tokens", ["account_id"], unique=False
    )
    op.create_table(
        "pain_checkins",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("value >= 0 AND value <= 10", name=op.f("ck_pain_checkins_value")),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["accounts.id"], name=op.f("fk_pain_checkins_patient_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pain_checkins")),
    )
    op.create_index(
        "ix_pain_checkins_patient_day", "pain_checkins", ["patient_id", "day"], unique=False
    )
    op.create_table(
        "patients",
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("clinician_id", sa.String(length=36), nullable=False),
        sa.Column("pain_after_threshold", sa.Integer(), nullable=False),
        sa.Column("inactive_days", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "inactive_days >= 1 AND inactive_days <= 90", name=op.f("ck_patients_inactive_days")
        ),
        sa.CheckConstraint(
            "pain_after_threshold >= 0 AND pain_after_threshold <= 10",
            name=op.f("ck_patients_threshold"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_patients_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"], ["accounts.id"], name=op.f("fk_patients_clinician_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_patients")),
    )
    op.create_index(op.f("ix_patients_clinician_id"), "patients", ["clinician_id"], unique=False)
    op.create_table(
        "prescriptions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("protocol_name", sa.String(length=63), nullable=False),
        sa.Column("custom", sa.Boolean(), nullable=False),
        sa.Column("protocol_json", sa.Text(), nullable=False),
        sa.Column("hold_s", sa.Integer(), nullable=False),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("sides", sa.String(length=16), nullable=False),
        sa.Column("times_per_day", sa.Integer(), nullable=False),
        sa.Column("days_per_week", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "days_per_week >= 1 AND days_per_week <= 7", name=op.f("ck_prescriptions_days_per_week")
        ),
        sa.CheckConstraint("hold_s >= 5 AND hold_s <= 600", name=op.f("ck_prescriptions_hold_s")),
        sa.CheckConstraint("reps >= 1 AND reps <= 20", name=op.f("ck_prescriptions_reps")),
        sa.CheckConstraint(
            "times_per_day >= 1 AND times_per_day <= 6", name=op.f("ck_prescriptions_times_per_day")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["accounts.id"], name=op.f("fk_prescriptions_created_by_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["accounts.id"], name=op.f("fk_prescriptions_patient_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prescriptions")),
        sa.UniqueConstraint("patient_id", "version", name=op.f("uq_prescriptions_patient_id")),
    )
    op.create_index(
        op.f("ix_prescriptions_patient_id"), "prescriptions", ["patient_id"], unique=False
    )
    op.create_table(
        "patient_sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("prescription_id", sa.String(length=36), nullable=True),
        sa.Column("protocol_name", sa.String(length=63), nullable=False),
        sa.Column("protocol_title", sa.String(length=120), nullable=False),
        sa.Column("hold_target_s", sa.Float(), nullable=False),
        sa.Column("holds_planned", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("pain_before", sa.Integer(), nullable=True),
        sa.Column("pain_after", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "source IN ('timer', 'camera', 'video')", name=op.f("ck_patient_sessions_source")
        ),
        sa.CheckConstraint(
            "status IN ('completed', 'partial')", name=op.f("ck_patient_sessions_status")
        ),
        sa.CheckConstraint(
            "pain_after IS NULL OR (pain_after BETWEEN 0 AND 10)",
            name=op.f("ck_patient_sessions_pa"),
        ),
        sa.CheckConstraint(
            "pain_before IS NULL OR (pain_before BETWEEN 0 AND 10)",
            name=op.f("ck_patient_sessions_pb"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["accounts.id"], name=op.f("fk_patient_sessions_patient_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["prescription_id"],
            ["prescriptions.id"],
            name=op.f("fk_patient_sessions_prescription_id_prescriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_sessions")),
    )
    op.create_index(
        "ix_patient_sessions_patient_started",
        "patient_sessions",
        ["patient_id", "started_at"],
        unique=False,
    )
    op.create_table(
        "patient_holds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("rep", sa.Integer(), nullable=False),
        sa.Column("target_s", sa.Float(), nullable=False),
        sa.Column("counted_s", sa.Float(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("hip_extension_max_deg", sa.Float(), nullable=True),
        sa.Column("hip_extension_median_deg", sa.Float(), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('completed', 'timed_out', 'skipped', 'interrupted')",
            name=op.f("ck_patient_holds_outcome"),
        ),
        sa.CheckConstraint("side IN ('right', 'left')", name=op.f("ck_patient_holds_side")),
        sa.CheckConstraint(
            "source IN ('timer', 'camera', 'video')", name=op.f("ck_patient_holds_source")
        ),
        sa.CheckConstraint("counted_s >= 0", name=op.f("ck_patient_holds_counted_s")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["patient_sessions.id"],
            name=op.f("fk_patient_holds_session_id_patient_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_holds")),
    )
    op.create_index(
        op.f("ix_patient_holds_session_id"), "patient_holds", ["session_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("patient_holds")
    op.drop_table("patient_sessions")
    op.drop_table("prescriptions")
    op.drop_table("patients")
    op.drop_table("pain_checkins")
    op.drop_table("device_tokens")
    op.drop_table("clinic_protocols")
