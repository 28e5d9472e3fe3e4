"""Patients' videos: uploading one (for the patient themself or one of a clinician's
patients), and reading its analysis.

The upload row and its analysis job are written in one transaction: both or neither. The
same bytes uploaded again for the same patient (a resent form) give the existing upload;
bytes analysed before (same SHA-256, same analyzer version) are done at once. Everything is
scoped like the other patient data (``access.patient_for``) and audited.
"""

from __future__ import annotations

import typing
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime

from hipflex.domain.clinic import AuditAction, Role
from hipflex.domain.clinic_videos import VideoResult, VideoStatus, VideoUpload
from hipflex.jobs.queue import AnalysisJob, AnalysisQueue, InTransaction
from hipflex.services.clinic.access import audit_read, patient_for, require_role
from hipflex.services.clinic.accounts import Principal
from hipflex.services.clinic.errors import NotFound
from hipflex.services.clinic.ports import ClinicTransaction
from hipflex.services.clinic.tokens import new_id

# Bump when the analysis would give different results for the same video: results are
# keyed by (sha256, ANALYZER_VERSION), so a new version analyses again.
ANALYZER_VERSION = "hipflex-video-2"  # 2: poses read 15 a second, annotated video at that rate
NO_SUCH_VIDEO = "no such video"
MAX_LISTED = 50


class VideosStore(typing.Protocol):
    def add(self, upload: VideoUpload) -> None: ...

    def upload(self, upload_id: str) -> VideoUpload | None: ...

    def uploads(self, patient_id: str, limit: int = MAX_LISTED) -> list[VideoUpload]: ...

    def same_video(
        self, patient_id: str, sha256: str, analyzer_version: str
    ) -> VideoUpload | None: ...

    def by_video(self, sha256: str, analyzer_version: str) -> list[VideoUpload]: ...

    def set_state(
        self,
        sha256: str,
        analyzer_version: str,
        status: VideoStatus,
        at: datetime,
        *,
        progress_pct: int = 0,
        error: str = "",
    ) -> int: ...

    def forget_file(self, upload_id: str) -> None: ...

    def upsert_result(self, result: VideoResult) -> None: ...

    def result(self, sha256: str, analyzer_version: str) -> VideoResult | None: ...


class VideoTransaction(ClinicTransaction, InTransaction, typing.Protocol):
    @property
    def videos(self) -> VideosStore: ...


class VideoStorage(typing.Protocol):
    """The port: the clinic's unit of work with ``tx.videos`` (``storage/clinic/video_repo.py``)."""

    def transaction(self) -> AbstractContextManager[VideoTransaction]: ...


@dataclass(frozen=True)
class StagedVideo:
    """An upload already on disk under a server-chosen name, checked to be a video."""

    stored_name: str
    original_name: str
    size_bytes: int
    duration_s: float
    sha256: str


@dataclass(frozen=True)
class VideoView:
    upload: VideoUpload
    result: VideoResult | None
    patient_name: str = ""  # whose video (a clinician's page names the patient)


@dataclass(frozen=True)
class PatientVideos:
    """One patient's videos page: whose (a clinician's page names the patient) and the list."""

    patient_name: str
    views: list[VideoView]


@dataclass(frozen=True)
class Added:
    upload: VideoUpload
    new: bool  # False: the patient had uploaded these very bytes already
    keep_file: bool  # False: the staged file is not needed (a duplicate, or analysed before)


class Videos:
    def __init__(self, storage: VideoStorage, queue: AnalysisQueue) -> None:
        self.storage = storage
        self.queue = queue

    def check_upload(self, principal: Principal, patient_id: str) -> None:
        """Refuse before any byte is stored: the person may not add videos for this
        patient (404 for someone else's patient, 403 for an admin)."""
        require_role(principal.account, Role.CLINICIAN, Role.PATIENT)
        with self.storage.transaction() as tx:
            patient_for(tx, principal.account, patient_id)

    def add(
        self, principal: Principal, patient_id: str, staged: StagedVideo, now: datetime
    ) -> Added:
        actor = principal.account
        with self.storage.transaction() as tx:
            patient = patient_for(tx, actor, patient_id)
            earlier = tx.videos.same_video(patient.id, staged.sha256, ANALYZER_VERSION)
            if earlier is not None:
                return Added(earlier, new=False, keep_file=False)
            analysed = tx.videos.result(staged.sha256, ANALYZER_VERSION) is not None
            upload = VideoUpload(
                id=new_id(),
                clinic_id=patient.clinic_id,
                patient_id=patient.id,
                uploaded_by_id=actor.id,
                uploaded_at=now,
                original_name=staged.original_name[:200],
                size_bytes=staged.size_bytes,
                duration_s=staged.duration_s,
                sha256=staged.sha256,
                analyzer_version=ANALYZER_VERSION,
                status=VideoStatus.DONE if analysed else VideoStatus.QUEUED,
                progress_pct=100 if analysed else 0,
                error="",
                stored_name=None if analysed else staged.stored_name,
                updated_at=now,
            )
            tx.videos.add(upload)
            if not analysed:
                # Same transaction: if the commit fails, neither the row nor the job exists.
                self.queue.enqueue(tx, AnalysisJob(staged.sha256, ANALYZER_VERSION))
            tx.audit.record(
                actor.clinic_id, now, actor.id, AuditAction.CREATE, "video upload", [patient.id]
            )
        return Added(upload, new=True, keep_file=not analysed)

    def view(self, principal: Principal, upload_id: str, now: datetime) -> VideoView:
        """One upload and its result, if the person may see that patient's data."""
        actor = principal.account
        require_role(actor, Role.CLINICIAN, Role.PATIENT)
        with self.storage.transaction() as tx:
            upload = tx.videos.upload(upload_id)
            if upload is None:
                raise NotFound(NO_SUCH_VIDEO)
            patient = patient_for(tx, actor, upload.patient_id)  # NotFound when not theirs
            result = (
                tx.videos.result(upload.sha256, upload.analyzer_version)
                if upload.status is VideoStatus.DONE
                else None
            )
            audit_read(tx, actor, "video analysis", [upload.patient_id], now)
        return VideoView(upload, result, patient.display_name)

    def for_patient(self, principal: Principal, patient_id: str, now: datetime) -> PatientVideos:
        """The patient's name and uploads, newest first, with their results."""
        actor = principal.account
        with self.storage.transaction() as tx:
            patient = patient_for(tx, actor, patient_id)
            views = [
                VideoView(
                    upload,
                    tx.videos.result(upload.sha256, upload.analyzer_version)
                    if upload.status is VideoStatus.DONE
                    else None,
                    patient.display_name,
                )
                for upload in tx.videos.uploads(patient.id)
            ]
            audit_read(tx, actor, "video analyses", [patient.id], now)
        return PatientVideos(patient.display_name, views)

    def statuses(self, principal: Principal, patient_id: str) -> list[VideoUpload]:
        """The patient's uploads for the page's progress poll: states only, no health data,
        so not audited (the page asks every few seconds while one is being analysed)."""
        with self.storage.transaction() as tx:
            patient = patient_for(tx, principal.account, patient_id)
            return tx.videos.uploads(patient.id)
