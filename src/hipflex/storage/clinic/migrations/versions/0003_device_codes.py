"""Device codes: linking a home app to a patient account (``hipflex clinic link``).

Revision ID: c0003
Revises: c0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c0003"
down_revision: str | None = "c0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "device_codes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("device_code_hash", sa.String(length=64), nullable=False),
        sa.Column("user_code_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by_id", sa.String(length=36), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("token_id", sa.String(length=36), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["accounts.id"],
            name=op.f("fk_device_codes_approved_by_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["device_tokens.id"],
            name=op.f("fk_device_codes_token_id_device_tokens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_codes")),
        sa.UniqueConstraint("device_code_hash", name=op.f("uq_device_codes_device_code_hash")),
        sa.UniqueConstraint("user_code_hash", name=op.f("uq_device_codes_user_code_hash")),
    )
    op.create_index(
        op.f("ix_device_codes_approved_by_id"), "device_codes", ["approved_by_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_device_codes_approved_by_id"), table_name="device_codes")
    op.drop_table("device_codes")
