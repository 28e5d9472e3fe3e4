"""The first schema: sessions, holds, pain ratings and notes.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the allowed values at this revision: a migration never imports live code.
STATUSES = "'in_progress', 'completed', 'partial'"
SOURCES = "'timer', 'camera', 'video'"
OUTCOMES = "'completed', 'timed_out', 'skipped', 'interrupted'"


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("protocol_name", sa.String(63), nullable=False),
        sa.Column("protocol_title", sa.String(120), nullable=False),
        sa.Column("hold_target_s", sa.Float(), nullable=False),
        sa.Column("holds_planned", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("host", sa.String(255), nullable=True),
        sa.CheckConstraint(f"status IN ({STATUSES})", name="ck_sessions_status"),
        sa.CheckConstraint(f"source IN ({SOURCES})", name="ck_sessions_source"),
        sa.CheckConstraint("holds_planned >= 0", name="ck_sessions_holds_planned"),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
    )
    op.create_index("ix_sessions_started_at", "sessions", ["started_at"])
    op.create_index("ix_sessions_status", "sessions", ["status"])

    op.create_table(
        "holds",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("rep", sa.Integer(), nullable=False),
        sa.Column("target_s", sa.Float(), nullable=False),
        sa.Column("counted_s", sa.Float(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("hip_extension_max_deg", sa.Float(), nullable=True),
        sa.Column("hip_extension_median_deg", sa.Float(), nullable=True),
        sa.Column("faults", sa.Text(), nullable=True),
        sa.CheckConstraint("side IN ('right', 'left')", name="ck_holds_side"),
        sa.CheckConstraint(f"outcome IN ({OUTCOMES})", name="ck_holds_outcome"),
        sa.CheckConstraint(f"source IN ({SOURCES})", name="ck_holds_source"),
        sa.CheckConstraint("counted_s >= 0", name="ck_holds_counted_s"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_holds_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_holds"),
    )
    op.create_index("ix_holds_session_id", "holds", ["session_id"])

    op.create_table(
        "pain_ratings",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("moment", sa.String(8), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("moment IN ('before', 'after')", name="ck_pain_ratings_moment"),
        sa.CheckConstraint("value >= 0 AND value <= 10", name="ck_pain_ratings_value"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_pain_ratings_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_pain_ratings"),
        sa.UniqueConstraint("session_id", "moment", name="uq_pain_ratings_session_id"),
    )
    op.create_index("ix_pain_ratings_session_id", "pain_ratings", ["session_id"])

    op.create_table(
        "notes",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_notes_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notes"),
    )
    op.create_index("ix_notes_session_id", "notes", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_notes_session_id", table_name="notes")
    op.drop_table("notes")
    op.drop_index("ix_pain_ratings_session_id", table_name="pain_ratings")
    op.drop_table("pain_ratings")
    op.drop_index("ix_holds_session_id", table_name="holds")
    op.drop_table("holds")
    op.drop_index("ix_sessions_status", table_name="sessions")
    op.drop_index("ix_sessions_started_at", table_name="sessions")
    op.drop_table("sessions")
