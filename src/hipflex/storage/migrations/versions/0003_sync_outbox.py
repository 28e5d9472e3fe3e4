"""The clinic sync: the outbox of what is still to send, and the link to a clinic.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
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
    op.create_table(
        "sync_outbox",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("item_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('session', 'checkin')", name="ck_sync_outbox_kind"),
        sa.PrimaryKeyConstraint("kind", "item_id", name="pk_sync_outbox"),
    )
    op.create_index("ix_sync_outbox_next_attempt_at", "sync_outbox", ["next_attempt_at"])
    op.create_table(
        "sync_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_url", sa.String(300), nullable=False),
        sa.Column("clinic_name", sa.String(120), nullable=False),
        sa.Column("patient_name", sa.String(120), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_push_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_pull_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("prescription_id", sa.String(36), nullable=True),
        sa.CheckConstraint("id = 1", name="ck_sync_link_single"),
        sa.PrimaryKeyConstraint("id", name="pk_sync_link"),
    )


def downgrade() -> None:
    op.drop_table("sync_link")
    op.drop_index("ix_sync_outbox_next_attempt_at", table_name="sync_outbox")
    op.drop_table("sync_outbox")
