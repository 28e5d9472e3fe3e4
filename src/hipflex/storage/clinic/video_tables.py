"""The clinic's tables for uploaded videos (revision c0004).

``video_uploads`` is one uploaded file for one patient and the state of its analysis (the
job row the page polls); ``video_results`` holds each analysis once per (video SHA-256,
analyzer version), so a retried or duplicated job can only write the same row again. The
queue itself (Procrastinate's tables and functions) is installed by the same migration.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hipflex.storage.clinic.tables import ClinicBase
from hipflex.storage.tables import UTCDateTime

VIDEO_STATUSES = ("queued", "analysing", "done", "failed")


class VideoUploadRow(ClinicBase):
    __tablename__ = "video_uploads"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'analysing', 'done', 'failed')", name="status"),
        CheckConstraint("progress_pct BETWEEN 0 AND 100", name="progress"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    patient_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    uploaded_by_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    original_name: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    duration_s: Mapped[float] = mapped_column(Float)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    analyzer_version: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12))
    progress_pct: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    stored_name: Mapped[str | None] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VideoResultRow(ClinicBase):
    __tablename__ = "video_results"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    analyzer_version: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_s: Mapped[float] = mapped_column(Float)
    frames: Mapped[int] = mapped_column(Integer)
    annotated_name: Mapped[str | None] = mapped_column(String(120))
    # Everything else the page shows (per-side seconds, per-second form, the analyzer's
    # summary): read whole, never queried inside.
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
