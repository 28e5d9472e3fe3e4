"""Uploaded videos and their results (SQLAlchemy), and the transaction the queue joins.

``VideoStore(clinic_store)`` is the adapter behind ``services/clinic/videos.py``'s port: the
clinic's unit of work plus ``tx.videos``; the transaction also hands its psycopg connection and
savepoints to the job queue, so a job is enqueued in the same commit as its upload row.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from hipflex.domain.clinic_videos import SecondOfForm, VideoResult, VideoStatus, VideoUpload
from hipflex.storage.clinic.accounts_repo import AccountsRepository
from hipflex.storage.clinic.audit_repo import AuditRepository
from hipflex.storage.clinic.patients_repo import PatientsRepository
from hipflex.storage.clinic.store import ClinicStore
from hipflex.storage.clinic.video_tables import VideoResultRow, VideoUploadRow

ACTIVE = (VideoStatus.QUEUED.value, VideoStatus.ANALYSING.value)


class VideoRepository:
    def __init__(self, session: Session) -> None:
        self.db = session

    def add(self, upload: VideoUpload) -> None:
        self.db.add(
            VideoUploadRow(
                id=upload.id,
                clinic_id=upload.clinic_id,
                patient_id=upload.patient_id,
                uploaded_by_id=upload.uploaded_by_id,
                uploaded_at=upload.uploaded_at,
                original_name=upload.original_name,
                size_bytes=upload.size_bytes,
                duration_s=upload.duration_s,
                sha256=upload.sha256,
                analyzer_version=upload.analyzer_version,
                status=upload.status.value,
                progress_pct=upload.progress_pct,
                error=upload.error,
                stored_name=upload.stored_name,
                updated_at=upload.updated_at,
            )
        )
        self.db.flush()

    def upload(self, upload_id: str) -> VideoUpload | None:
        row = self.db.get(VideoUploadRow, upload_id) if len(upload_id) <= 36 else None
        return _upload(row) if row else None

    def uploads(self, patient_id: str, limit: int = 50) -> list[VideoUpload]:
        """The patient's uploads, newest first."""
        rows = self.db.scalars(
            select(VideoUploadRow)
            .where(VideoUploadRow.patient_id == patient_id)
            .order_by(VideoUploadRow.uploaded_at.desc(), VideoUploadRow.id)
            .limit(limit)
        )
        return [_upload(row) for row in rows]

    def same_video(self, patient_id: str, sha256: str, analyzer_version: str) -> VideoUpload | None:
        """The patient's earlier upload of these very bytes (a resent form), if any."""
        row = self.db.scalar(
            select(VideoUploadRow)
            .where(
                VideoUploadRow.patient_id == patient_id,
                VideoUploadRow.sha256 == sha256,
                VideoUploadRow.analyzer_version == analyzer_version,
                VideoUploadRow.status != VideoStatus.FAILED.value,
            )
            .limit(1)
        )
        return _upload(row) if row else None

    def by_video(self, sha256: str, analyzer_version: str) -> list[VideoUpload]:
        """Every upload of these bytes for this analyzer (any patient), locked: the job
        updates them together."""
        rows = self.db.scalars(
            select(VideoUploadRow)
            .where(
                VideoUploadRow.sha256 == sha256,
                VideoUploadRow.analyzer_version == analyzer_version,
            )
            .order_by(VideoUploadRow.uploaded_at, VideoUploadRow.id)
            .with_for_update()
        )
        return [_upload(row) for row in rows]

    def set_state(
        self,
        sha256: str,
        analyzer_version: str,
        status: VideoStatus,
        at: datetime,
        *,
        progress_pct: int = 0,
        error: str = "",
    ) -> int:
        """Move the waiting uploads of this video to ``status``; finished ones stay as they
        are (a late retry cannot undo a result). Returns how many rows changed."""
        result = self.db.execute(
            update(VideoUploadRow)
            .where(
                VideoUploadRow.sha256 == sha256,
                VideoUploadRow.analyzer_version == analyzer_version,
                VideoUploadRow.status.in_(ACTIVE),
            )
            .values(status=status.value, progress_pct=progress_pct, error=error, updated_at=at)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def forget_file(self, upload_id: str) -> None:
        row = self.db.get_one(VideoUploadRow, upload_id)
        row.stored_name = None

    def upsert_result(self, result: VideoResult) -> None:
        """Insert the result, or overwrite the same key's row with the same values (the
        analysis is a pure function of its key)."""
        values: dict[str, Any] = {
            "sha256": result.sha256,
            "analyzer_version": result.analyzer_version,
            "created_at": result.created_at,
            "duration_s": result.duration_s,
            "frames": result.frames,
            "annotated_name": result.annotated_name,
            "result": _result_json(result),
        }
        statement = insert(VideoResultRow).values(**values)
        self.db.execute(
            statement.on_conflict_do_update(
                index_elements=["sha256", "analyzer_version"],
                set_={k: statement.excluded[k] for k in values if k != "created_at"},
            )
        )

    def result(self, sha256: str, analyzer_version: str) -> VideoResult | None:
        row = self.db.get(VideoResultRow, (sha256, analyzer_version))
        return _result(row) if row else None


def _upload(row: VideoUploadRow) -> VideoUpload:
    return VideoUpload(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        uploaded_by_id=row.uploaded_by_id,
        uploaded_at=row.uploaded_at,
        original_name=row.original_name,
        size_bytes=row.size_bytes,
        duration_s=row.duration_s,
        sha256=row.sha256,
        analyzer_version=row.analyzer_version,
        status=VideoStatus(row.status),
        progress_pct=row.progress_pct,
        error=row.error,
        stored_name=row.stored_name,
        updated_at=row.updated_at,
    )


def _result_json(result: VideoResult) -> dict[str, Any]:
    return {
        "good_form_s": result.good_form_s,
        "in_position_s": result.in_position_s,
        "good_form_s_by_side": result.good_form_s_by_side,
        "max_hip_extension_deg": result.max_hip_extension_deg,
        "median_hip_extension_good_form_deg": result.median_hip_extension_good_form_deg,
        "kneeling_side": result.kneeling_side,
        "per_second": [
            [s.t_s, s.status, s.side, s.hip_extension_deg, s.good_share, s.in_position_share]
            for s in result.per_second
        ],
        "warnings": list(result.warnings),
        "summary": result.summary,
    }


def _result(row: VideoResultRow) -> VideoResult:
    data = row.result
    return VideoResult(
        sha256=row.sha256,
        analyzer_version=row.analyzer_version,
        created_at=row.created_at,
        duration_s=row.duration_s,
        frames=row.frames,
        good_form_s=float(data["good_form_s"]),
        in_position_s=float(data["in_position_s"]),
        good_form_s_by_side={k: float(v) for k, v in data["good_form_s_by_side"].items()},
        max_hip_extension_deg=data["max_hip_extension_deg"],
        median_hip_extension_good_form_deg=data["median_hip_extension_good_form_deg"],
        kneeling_side=data["kneeling_side"],
        per_second=tuple(SecondOfForm(*item) for item in data["per_second"]),
        warnings=tuple(data["warnings"]),
        annotated_name=row.annotated_name,
        summary=data["summary"],
    )


@dataclass
class VideoTransaction:
    session: Session
    accounts: AccountsRepository
    patients: PatientsRepository
    audit: AuditRepository
    videos: VideoRepository

    def driver_connection(self) -> Any:
        """The psycopg connection this transaction runs on (the job queue joins it)."""
        return self.session.connection().connection.driver_connection

    def savepoint(self) -> AbstractContextManager[object]:
        return self.session.begin_nested()


class VideoStore:
    """The clinic store's transactions, with the video repository added."""

    def __init__(self, store: ClinicStore) -> None:
        self.store = store

    @contextmanager
    def transaction(self) -> Iterator[VideoTransaction]:
        with self.store.transaction() as tx:
            yield VideoTransaction(
                tx.session, tx.accounts, tx.patients, tx.audit, VideoRepository(tx.session)
            )


__all__ = ["VideoRepository", "VideoStore", "VideoTransaction"]
