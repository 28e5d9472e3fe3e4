"""The analysis job: run the analyzer on an uploaded video, store its result once, tell the
uploads how it went.

Idempotent by construction: the result is keyed by (video SHA-256, analyzer version) and
upserted, an attempt works in a fresh directory and moves its annotated video into place
before the commit, so a retried, duplicated or killed-and-restarted job ends with one result.
A video that cannot be analysed (no person in it, unreadable) is a result too: "failed" with
the reason in words, not an exception (exceptions are for the queue to retry).
"""

from __future__ import annotations

import os
import shutil
import typing
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hipflex.domain.clinic_videos import SecondOfForm, VideoResult, VideoStatus
from hipflex.domain.clock import Clock
from hipflex.jobs.queue import AnalysisJob, Attempt
from hipflex.services.clinic.video_files import VideoFiles
from hipflex.services.clinic.videos import VideoStorage
from hipflex.vision.form_rules import FormStatus

ProgressCallback = Callable[[int, int], None]  # (frames done, frames in all)
# Progress is written when it moved, at most once this often (seconds of the clock's
# monotonic time): the page polls every second or two, and a write per frame would be one
# transaction every few milliseconds. Time, not a step in percent: a 5 % step is 0.3 s of a
# short clip but 15 s of a ten-minute one.
PROGRESS_EVERY_S = 1.0


class UnusableVideo(Exception):
    """The video cannot give a result (no person found, not decodable); the message says why,
    in words for the person who uploaded it."""


@dataclass(frozen=True)
class AnalysisOutput:
    """What the analyzer made of one video (``jobs/analyzer.py`` adapts ``hipflex analyze``)."""

    frames: int
    duration_s: float
    summary: dict[str, Any]
    timeline: dict[str, list[Any]]
    annotated: Path | None


class Analyzer(typing.Protocol):
    def __call__(self, video: Path, out_dir: Path, progress: ProgressCallback) -> AnalysisOutput:
        """Analyse ``video`` into ``out_dir``; raise :class:`UnusableVideo` when it cannot."""
        ...


class VideoAnalysis:
    def __init__(
        self,
        storage: VideoStorage,
        files: VideoFiles,
        analyze: Analyzer,
        clock: Clock,
        *,
        keep_videos: bool = False,
    ) -> None:
        self.storage = storage
        self.files = files
        self.analyze = analyze
        self.clock = clock
        self.keep_videos = keep_videos

    def run(self, job: AnalysisJob, attempt: Attempt) -> VideoStatus:
        """Run one job (the queue's handler); returns how it ended."""
        sha, version = job.sha256, job.analyzer_version
        with self.storage.transaction() as tx:
            uploads = tx.videos.by_video(sha, version)
            if tx.videos.result(sha, version) is not None:
                tx.videos.set_state(
                    sha, version, VideoStatus.DONE, self.clock.now(), progress_pct=100
                )
                self._forget_files(tx, uploads)
                return VideoStatus.DONE
            sources = [
                u
                for u in uploads
                if u.stored_name and self.files.upload_path(u.stored_name).exists()
            ]
            if not sources:
                reason = "the uploaded file is no longer on the server; please upload it again"
                tx.videos.set_state(
                    sha, version, VideoStatus.FAILED, self.clock.now(), error=reason
                )
                return VideoStatus.FAILED
            tx.videos.set_state(sha, version, VideoStatus.ANALYSING, self.clock.now())
        source = self.files.upload_path(typing.cast(str, sources[0].stored_name))
        work = self.files.work_dir(sha, version)
        try:
            return self._analyse(job, attempt, source, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)  # what the analysis left, whatever happened

    def _analyse(self, job: AnalysisJob, attempt: Attempt, source: Path, work: Path) -> VideoStatus:
        sha, version = job.sha256, job.analyzer_version
        try:
            output = self.analyze(source, work, self._progress(job))
        except UnusableVideo as exc:
            with self.storage.transaction() as tx:
                tx.videos.set_state(
                    sha, version, VideoStatus.FAILED, self.clock.now(), error=str(exc)
                )
                self._forget_files(tx, tx.videos.by_video(sha, version))
            return VideoStatus.FAILED
        except Exception as exc:
            if attempt.last:
                with self.storage.transaction() as tx:
                    reason = f"the analysis failed ({type(exc).__name__}); please try again later"
                    tx.videos.set_state(
                        sha, version, VideoStatus.FAILED, self.clock.now(), error=reason
                    )
            raise  # the queue retries it (or records the failure)
        annotated_name = None
        if output.annotated is not None and output.annotated.exists():
            annotated_name = self.files.result_name(sha, version)
            os.replace(output.annotated, self.files.result_path(annotated_name))
        result = build_result(job, output, annotated_name, self.clock)
        with self.storage.transaction() as tx:
            tx.videos.upsert_result(result)
            tx.videos.set_state(sha, version, VideoStatus.DONE, self.clock.now(), progress_pct=100)
            self._forget_files(tx, tx.videos.by_video(sha, version))
        return VideoStatus.DONE

    def _progress(self, job: AnalysisJob) -> ProgressCallback:
        """The analyzer's ``progress(frames done, frames in all)``, written as a percentage
        (99 at most: 100 is the stored result) when it moved, at most every
        ``PROGRESS_EVERY_S``; the first move is written at once (the model has started)."""
        last_pct = 0
        last_at: float | None = None

        def report(done: int, total: int) -> None:
            nonlocal last_pct, last_at
            pct = max(0, min(99, int(100 * done / total))) if total > 0 else 0
            now = self.clock.monotonic()
            if pct <= last_pct or (last_at is not None and now - last_at < PROGRESS_EVERY_S):
                return
            last_pct, last_at = pct, now
            with self.storage.transaction() as tx:
                tx.videos.set_state(
                    job.sha256,
                    job.analyzer_version,
                    VideoStatus.ANALYSING,
                    self.clock.now(),
                    progress_pct=pct,
                )

        return report

    def _forget_files(self, tx: Any, uploads: Sequence[Any]) -> None:
        """Remove the uploads' files once analysed (unless the clinic keeps videos)."""
        if self.keep_videos:
            return
        for upload in uploads:
            if upload.stored_name:
                tx.videos.forget_file(upload.id)
                self.files.remove_upload(upload.stored_name)


def build_result(
    job: AnalysisJob, output: AnalysisOutput, annotated_name: str | None, clock: Clock
) -> VideoResult:
    """The stored result: the analyzer's summary, per-side good-form seconds and the form of
    each second."""
    summary = output.summary
    by_side = {
        side: float(figures.get("good_form_s", 0.0))
        for side, figures in (summary.get("time_by_side_s") or {}).items()
    }
    return VideoResult(
        sha256=job.sha256,
        analyzer_version=job.analyzer_version,
        created_at=clock.now(),
        duration_s=output.duration_s,
        frames=output.frames,
        good_form_s=float(summary.get("good_form_s", 0.0)),
        in_position_s=float(summary.get("in_position", 0.0)),
        good_form_s_by_side=by_side,
        max_hip_extension_deg=summary.get("max_hip_extension_deg"),
        median_hip_extension_good_form_deg=summary.get("median_hip_extension_good_form_deg"),
        kneeling_side=summary.get("kneeling_side"),
        per_second=per_second(output.timeline),
        warnings=tuple(summary.get("warnings", ())),
        annotated_name=annotated_name,
        summary=summary,
    )


def _in_position_count(
    timeline: dict[str, list[Any]], indexes: list[int], statuses: Counter[str]
) -> int:
    """Readings of the second in position: the tracker's own (debounced) flag, the one the
    video's "in position" seconds add up, when the timeline has it; else by status."""
    flags = timeline.get("in_position")
    if flags is not None:
        return sum(1 for i in indexes if flags[i])
    return sum(n for status, n in statuses.items() if FormStatus(status).in_position)


def per_second(timeline: dict[str, list[Any]]) -> tuple[SecondOfForm, ...]:
    """Frames grouped into whole seconds: the status seen most, the side seen most, the mean
    hip extension of the second's in-position frames (``None`` when there were none) and the
    shares of its frames in good form and in position, so brief moments in position (a lunge
    passing through it) still show, and the strip adds up to the video's figures."""
    seconds: dict[int, list[int]] = {}
    for index, t_s in enumerate(timeline.get("t_s", [])):
        seconds.setdefault(int(t_s), []).append(index)
    out = []
    for second, indexes in sorted(seconds.items()):
        statuses = Counter(timeline["status"][i] for i in indexes)
        sides = Counter(timeline["side"][i] for i in indexes if timeline["side"][i])
        angles = [
            timeline["hip_extension_deg"][i]
            for i in indexes
            if timeline["hip_extension_deg"][i] is not None
        ]
        out.append(
            SecondOfForm(
                t_s=second,
                status=statuses.most_common(1)[0][0],
                side=sides.most_common(1)[0][0] if sides else None,
                hip_extension_deg=round(sum(angles) / len(angles), 1) if angles else None,
                good_share=round(statuses["good"] / len(indexes), 3),
                in_position_share=round(
                    max(_in_position_count(timeline, indexes, statuses), statuses["good"])
                    / len(indexes),
                    3,
                ),
            )
        )
    return tuple(out)
