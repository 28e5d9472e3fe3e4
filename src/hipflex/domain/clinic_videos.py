"""Patients' uploaded videos and their analysis results, as plain records.

An upload is one person's file for one patient; its analysis is a pure function of the
video's bytes, so results are keyed by (the video's SHA-256, the analyzer's version) and shared
by every upload of the same bytes. Pure: storage returns these, the use cases and edges read
them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class VideoStatus(StrEnum):
    """Where an upload's analysis stands (the page polls it)."""

    QUEUED = "queued"
    ANALYSING = "analysing"
    DONE = "done"
    FAILED = "failed"

    @property
    def final(self) -> bool:
        return self in (VideoStatus.DONE, VideoStatus.FAILED)


@dataclass(frozen=True)
class VideoUpload:
    """One uploaded video and the state of its analysis (the job row the page polls)."""

    id: str
    clinic_id: str
    patient_id: str
    uploaded_by_id: str
    uploaded_at: datetime
    original_name: str  # what the person's file was called (shown, never used as a path)
    size_bytes: int
    duration_s: float
    sha256: str
    analyzer_version: str
    status: VideoStatus
    progress_pct: int  # 0-100 while analysing
    error: str  # why it failed, in words for the person ("" unless failed)
    stored_name: str | None  # the server-chosen file name in the data dir; None once removed
    updated_at: datetime


@dataclass(frozen=True)
class SecondOfForm:
    """One second of the video: what the form tracker said for most of it."""

    t_s: int
    status: str  # the form status seen most in that second ("good", "leaning_forward", ...)
    side: str | None  # the kneeling side seen, when in position
    hip_extension_deg: float | None  # mean over the second's in-position frames
    # Shares of the second's frames (0..1): in good form, and in position at all (good or a
    # fault). None for results stored before they were kept.
    good_share: float | None = None
    in_position_share: float | None = None


@dataclass(frozen=True)
class VideoResult:
    """The analysis of one video's bytes by one analyzer version."""

    sha256: str
    analyzer_version: str
    created_at: datetime
    duration_s: float
    frames: int
    good_form_s: float
    in_position_s: float
    good_form_s_by_side: dict[str, float]  # "left" / "right" / "unknown" -> seconds
    max_hip_extension_deg: float | None
    median_hip_extension_good_form_deg: float | None
    kneeling_side: str | None
    per_second: tuple[SecondOfForm, ...]
    warnings: tuple[str, ...]
    annotated_name: str | None  # file name of the annotated video in the results dir
    summary: dict[str, Any] = field(default_factory=dict)  # the analyzer's full summary
