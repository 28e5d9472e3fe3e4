"""Uploaded videos, their analysis results, and the job queue (Procrastinate's schema).

The queue's tables and functions come from the installed Procrastinate package
(``SchemaManager.get_schema()``, through ``hipflex.jobs.procrastinate_queue``), so the clinic
database holds its jobs and no new service is needed. Nothing is downloaded.

Revision ID: c0004
Revises: c0003
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "c0004"
down_revision: str | None = "c0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from hipflex.jobs.procrastinate_queue import install_schema_sql

    op.create_table(
        "video_uploads",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("clinic_id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("uploaded_by_id", sa.String(length=36), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("original_name", sa.String(length=200), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("analyzer_version", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("progress_pct", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'analysing', 'done', 'failed')",
            name=op.f("ck_video_uploads_status"),
        ),
        sa.CheckConstraint(
            "progress_pct BETWEEN 0 AND 100", name=op.f("ck_video_uploads_progress")
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_video_uploads_clinic_id_clinics"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["accounts.id"],
            name=op.f("fk_video_uploads_patient_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["accounts.id"],
            name=op.f("fk_video_uploads_uploaded_by_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_uploads")),
    )
    op.create_index(
        op.f("ix_video_uploads_patient_id"), "video_uploads", ["patient_id"], unique=False
    )
    op.create_index(op.f("ix_video_uploads_sha256"), "video_uploads", ["sha256"], unique=False)
    op.create_table(
        "video_results",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("analyzer_version", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("frames", sa.Integer(), nullable=False),
        sa.Column("annotated_name", sa.String(length=120), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "analyzer_version", name=op.f("pk_video_results")),
    )
    # Procrastinate's SQL runs as it ships: on the driver connection, no parameters (so its
    # '%' and ':' are not taken for placeholders), inside this migration's transaction.
    _driver_connection().execute(install_schema_sql())


def downgrade() -> None:
    from hipflex.jobs.procrastinate_queue import drop_schema_sql

    _driver_connection().execute(drop_schema_sql())
    op.drop_table("video_results")
    op.drop_index(op.f("ix_video_uploads_sha256"), table_name="video_uploads")
    op.drop_index(op.f("ix_video_uploads_patient_id"), table_name="video_uploads")
    op.drop_table("video_uploads")


def _driver_connection() -> Any:
    driver = op.get_bind().connection.driver_connection
    assert driver is not None, "the migration runs on an open connection"
    return driver
