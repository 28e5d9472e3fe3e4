"""Corrections and pain check-ins: demo and soft-deleted sessions, pain outside a session.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("demo", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_sessions_deleted_at", ["deleted_at"])

    op.create_table(
        "pain_checkins",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("value >= 0 AND value <= 10", name="ck_pain_checkins_value"),
        sa.PrimaryKeyConstraint("id", name="pk_pain_checkins"),
        sa.UniqueConstraint("day", name="uq_pain_checkins_day"),
    )


def downgrade() -> None:
    op.drop_table("pain_checkins")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_index("ix_sessions_deleted_at")
        batch.drop_column("deleted_at")
        batch.drop_column("demo")
