"""Analyse a photo or a video file: annotated copy, JSON summary and an HTML report.

Videos: pose estimation on threads, chunk by chunk (:mod:`hipflex.vision.video_poses`), and,
as the poses arrive in time order, smoothing + the form tracker + annotation + H.264 encoding
in the calling thread. Time is always the frame index over the frame rate.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hipflex.domain.form_thresholds import FormThresholds
from hipflex.domain.protocol import Side
from hipflex.errors import MediaError
from hipflex.vision.annotate import draw_annotations
from hipflex.vision.form import FormMeasurement, measure_form
from hipflex.vision.form_rules import Classification, classify, reported_side
from hipflex.vision.hold_metrics import HoldMetricsRecorder
from hipflex.vision.mediapipe_source import (
    IMAGE_SUFFIXES,
    VIDEO_SUFFIXES,
    PoseEstimator,
    VideoFrameReader,
    check_readable,
    probe_video,
    read_image,
)
from hipflex.vision.person_search import ATTEMPTS, PersonSearch
from hipflex.vision.pose import ImageArray
from hipflex.vision.tracker import FormState, FormTracker
from hipflex.vision.video_poses import iter_estimated_frames

if TYPE_CHECKING:
    from hipflex.vision.video_io import H264Writer

# The progress callback is called every this many frames.
PROGRESS_EVERY_FRAMES = 25
# Pose readings per second of video (the analysis rate): the model reads every n-th frame,
# n = round(fps / POSE_RATE_HZ), so 12-20 readings a second (30 fps: every 2nd frame, 25:
# every 2nd, 60: every 4th, 15 fps or less: every frame). The tracker is validated at 10 and
# 30 readings a second and the live camera path runs at 10-15; docs/vision.md
# ("Performance") gives the agreement with reading every frame.
POSE_RATE_HZ = 15.0
ONE_PERSON_NOTE = (
    "photos: the largest, most central person is followed; videos: the person MediaPipe "
    "tracks (the most confident detection)"
)

ProgressCallback = Callable[[int, int], None]


@dataclass
class AnalysisResult:
    """One analysed input: the JSON object printed by ``hipflex analyze --json``."""

    source: str
    kind: str  # "image" | "video"
    frames: int
    duration_s: float
    processing_fps: float
    summary: dict[str, Any]
    outputs: dict[str, str] = field(default_factory=dict)
    timeline: dict[str, list[Any]] = field(default_factory=dict)

    def to_dict(self, *, with_timeline: bool = False) -> dict[str, Any]:
        """JSON-ready form (the timeline only on request: it can be long)."""
        data: dict[str, Any] = {
            "source": self.source,
            "kind": self.kind,
            "frames": self.frames,
            "duration_s": round(self.duration_s, 3),
            "processing_fps": round(self.processing_fps, 1),
            "summary": self.summary,
            "outputs": self.outputs,
        }
        if with_timeline:
            data["timeline"] = self.timeline
        return data


def media_kind(path: Path) -> str:
    """``"image"`` or ``"video"`` from the suffix; unknown suffixes are probed."""
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in VIDEO_SUFFIXES:
        return "video"
    check_readable(path)
    try:
        read_image(path)
        return "image"
    except MediaError:
        pass
    try:
        probe_video(path)
    except MediaError:
        raise MediaError(f"{path}: not an image or a video this program can decode") from None
    return "video"


def _round(value: float | None, digits: int = 1) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value, digits)


def _side_value(side: Side | None) -> str | None:
    return None if side is None else side.value


def photo_summary(
    search: PersonSearch, measurement: FormMeasurement, result: Classification, th: FormThresholds
) -> dict[str, Any]:
    """The JSON summary of one photo (see docs/vision.md for the fields)."""
    in_position = result.status.in_position
    position = result.position
    side = reported_side(measurement, th) if in_position else None
    return {
        "person_found": True,
        "people_found": search.people_found,
        "found_by": search.attempt,
        "in_position": in_position,
        "status": result.status.value,
        "message": result.message,
        "position_confidence": _round(position.confidence if position else None, 2),
        "position_reason": position.reason if position else None,
        "good_form_s": 0.0,
        "kneeling_side": _side_value(side),
        "side_confidence": round(measurement.side_confidence, 2),
        "hip_extension_deg": _round(measurement.hip_extension_deg) if in_position else None,
        "trunk_forward_deg": _round(measurement.trunk_forward_deg),
        "front_knee_deg": _round(measurement.front_knee_deg),
        "front_shin_deg": _round(measurement.front_shin_deg),
        "back_knee_height": _round(measurement.back_knee_height, 3),
        "faults": [fault.value for fault in result.faults],
        "cues": [fault.cue for fault in result.faults],
        "people_tracked": ONE_PERSON_NOTE,
    }


class PhotoAnalyzer:
    """Analyses photos with **one** MediaPipe graph in static mode, built on first use and
    reused for every photo (building a graph costs more than analysing a photo)."""

    def __init__(self, thresholds: FormThresholds | None = None) -> None:
        self.thresholds = thresholds or FormThresholds()
        self._estimator: PoseEstimator | None = None

    def analyze(self, path: Path, out_dir: Path) -> AnalysisResult:
        """Analyse one photo. Raises :class:`MediaError` if unreadable, too big or empty."""
        import cv2

        th = self.thresholds
        started = time.perf_counter()
        image = read_image(path)
        if self._estimator is None:
            self._estimator = PoseEstimator(static_images=True)
        search = self._estimator.find_person(image, 0.0)
        if search.pose is None:
            tried = ", ".join(a.name for a in ATTEMPTS)
            raise MediaError(f"{path}: no person found in the photo (tried {tried})")
        pose = search.pose
        measurement = measure_form(pose, th.min_visibility)
        result = classify(measurement, th)
        side = reported_side(measurement, th) if result.status.in_position else None
        annotated = draw_annotations(
            image, pose, result.status, measurement, message=result.message, kneeling_side=side
        )
        elapsed_s = time.perf_counter() - started
        analysis = AnalysisResult(
            source=str(path),
            kind="image",
            frames=1,
            duration_s=0.0,
            processing_fps=1.0 / elapsed_s if elapsed_s > 0 else 0.0,
            summary=photo_summary(search, measurement, result, th),
        )
        out_dir.mkdir(parents=True, exist_ok=True)
        annotated_path = out_dir / f"{path.stem}.annotated.png"
        if not cv2.imwrite(str(annotated_path), annotated):
            raise MediaError(f"{annotated_path}: cannot write the annotated photo")
        preview: Any = annotated
        if max(preview.shape[:2]) > 1000:
            factor = 1000 / max(preview.shape[:2])
            preview = cv2.resize(preview, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        ok, jpeg = cv2.imencode(".jpg", preview, [cv2.IMWRITE_JPEG_QUALITY, 85])
        _write_outputs(
            analysis, out_dir, path, annotated_path, preview_jpeg=jpeg.tobytes() if ok else None
        )
        return analysis

    def close(self) -> None:
        """Release the model."""
        if self._estimator is not None:
            self._estimator.close()
            self._estimator = None

    def __enter__(self) -> PhotoAnalyzer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def analyze_image(
    path: Path, out_dir: Path, thresholds: FormThresholds | None = None
) -> AnalysisResult:
    """Analyse one photo with a graph of its own (many photos: use :class:`PhotoAnalyzer`)."""
    with PhotoAnalyzer(thresholds) as photos:
        return photos.analyze(path, out_dir)


# --- video -------------------------------------------------------------------------------


def pose_stride(fps: float, pose_rate_hz: float | None = POSE_RATE_HZ) -> int:
    """Read the pose of every n-th frame for about ``pose_rate_hz`` readings a second
    (``None``: every frame)."""
    if pose_rate_hz is None or pose_rate_hz <= 0 or fps <= pose_rate_hz:
        return 1
    return max(1, round(fps / pose_rate_hz))


def annotated_frame_rate(fps: float, stride: int) -> Fraction:
    """The annotated video's frame rate: one frame per pose reading, ``fps / stride`` as a
    fraction (29.97 fps is 30000/1001: a rounded rate would drift from the source's time)."""
    return Fraction(fps).limit_denominator(1001) / max(1, stride)


def analyze_video(
    path: Path,
    out_dir: Path,
    thresholds: FormThresholds | None = None,
    *,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    chunk_frames: int | None = None,
    pose_rate_hz: float | None = POSE_RATE_HZ,
) -> AnalysisResult:
    """Analyse a video file. ``progress(done_frames, total_frames)`` is called as it goes.

    Poses come from :func:`~hipflex.vision.video_poses.iter_estimated_frames` (``workers``
    threads, chunks of ``chunk_frames``) with most frames already at output size; this
    thread tracks, annotates and feeds the encoder (its own process) as they arrive. The
    model reads about ``pose_rate_hz`` poses a second (:func:`pose_stride`; ``None``: every
    frame); the timeline and the figures come from those readings at their own times, and
    the annotated video holds exactly the frames read, each with its own reading drawn on
    it, at ``fps / stride`` frames a second (:func:`annotated_frame_rate`): the same
    duration as the source. The frames between readings are only decoded."""
    from hipflex.vision.video_io import H264Writer

    th = thresholds or FormThresholds()
    started = time.perf_counter()
    info = probe_video(path)
    out_dir.mkdir(parents=True, exist_ok=True)
    annotated_path = out_dir / f"{path.stem}.annotated.mp4"
    tracker = FormTracker(th)
    recorder = HoldMetricsRecorder()
    timeline: dict[str, list[Any]] = {key: [] for key in TIMELINE_KEYS}
    side_votes: dict[str, float] = {}
    person_frames = 0
    frames = 0
    stride = pose_stride(info.fps, pose_rate_hz)
    reading_s = stride / info.fps  # the time each reading stands for
    # The annotated video holds the frames read, each with its own reading drawn on it, at
    # the analysis rate: the same duration, no overlay lagging the picture.
    annotated_fps = annotated_frame_rate(info.fps, stride)
    with H264Writer(annotated_path, info.width_px, info.height_px, annotated_fps) as writer:
        estimated = iter_estimated_frames(
            path,
            info.fps,
            info.frame_count,
            workers=workers,
            chunk_frames=chunk_frames,
            handover_size=writer.size,
            pose_stride=stride,
        )
        # This thread decodes only the frames not handed over (and what lies just before).
        reader = VideoFrameReader(path)
        with closing(estimated), closing(reader):  # an error here stops the pose threads
            for index, frame in enumerate(estimated):
                if frame.estimated:
                    image: Any = frame.image
                    if image is None and (image := reader.frame_at(index)) is None:
                        break
                    state = tracker.update(frame.pose, index / info.fps)
                    recorder.add(state)
                    person_frames += frame.pose is not None
                    _record(timeline, side_votes, state, reading_s, th)
                    _write_annotated(writer, image, state, th)
                frames += 1
                if progress is not None and frames % PROGRESS_EVERY_FRAMES == 0:
                    progress(frames, info.frame_count)
    if progress is not None:
        progress(frames, info.frame_count)
    if frames == 0:
        raise MediaError(f"{path}: the video holds no readable frames")
    if person_frames == 0:
        annotated_path.unlink(missing_ok=True)
        looked = len(timeline["t_s"])
        raise MediaError(
            f"{path}: no person found in any of the {frames} frames"
            + (f" ({looked} looked at)" if looked < frames else "")
        )
    warnings = []
    if frames < info.frame_count - max(2, round(TRUNCATION_TOLERANCE * info.frame_count)):
        warnings.append(
            f"the video seems cut short: {frames} of the {info.frame_count} frames its header "
            f"announces could be read ({frames / info.fps:.1f} of {info.duration_s:.1f} s); "
            "the analysis covers what was read"
        )
    metrics = recorder.result()
    duration_s = frames / info.fps
    confidences = [v for v in timeline["position_confidence"] if v is not None]
    elapsed_s = time.perf_counter() - started
    in_position_values = [v for v in timeline["hip_extension_deg"] if v is not None]
    summary = {
        "person_found": True,
        "person_frames": person_frames,
        "pose_readings": len(timeline["t_s"]),
        "pose_rate_hz": round(info.fps / stride, 2),
        "annotated_fps": round(float(annotated_fps), 3),
        "annotated_frames": writer.frames_written,
        "in_position": round(metrics.in_position_s, 2),
        "good_form_s": round(metrics.good_form_s, 2),
        "kneeling_side": max(side_votes, key=lambda k: side_votes[k]) if side_votes else None,
        "mean_position_confidence": _round(sum(confidences) / len(confidences), 2)
        if confidences
        else None,
        "time_by_side_s": _time_by_side(timeline, reading_s),
        "max_hip_extension_deg": _round(max(in_position_values)) if in_position_values else None,
        "max_hip_extension_good_form_deg": _round(metrics.max_hip_extension_deg),
        "median_hip_extension_good_form_deg": _round(metrics.median_hip_extension_deg),
        "faults": {name: round(s, 2) for name, s in metrics.faults_s.items()},
        "people_tracked": ONE_PERSON_NOTE,
        "warnings": warnings,
    }
    analysis = AnalysisResult(
        source=str(path),
        kind="video",
        frames=frames,
        duration_s=duration_s,
        processing_fps=frames / elapsed_s if elapsed_s > 0 else 0.0,
        summary=summary,
        timeline=timeline,
    )
    _write_outputs(analysis, out_dir, path, annotated_path)
    return analysis


def _write_annotated(
    writer: H264Writer, image: ImageArray, state: FormState, th: FormThresholds
) -> None:
    """Draw the state on ``image`` (any size: scaled to the output first) and encode it."""
    from hipflex.vision.video_io import resize_to

    out_w, out_h = writer.size
    # Annotate at output size: drawing and encoding 4K frames would be wasted.
    if (image.shape[1], image.shape[0]) != (out_w, out_h):
        image = resize_to(image, (out_w, out_h))
    drawn_pose = state.pose
    if drawn_pose is not None and drawn_pose.image_width_px != out_w:
        drawn_pose = drawn_pose.scaled(out_w / drawn_pose.image_width_px)
    writer.write(
        draw_annotations(
            image,
            drawn_pose,
            state.status,
            state.measurement,
            good_form_s=state.counted_good_s,
            in_place=True,
            message=state.message,
            kneeling_side=reported_side(state.measurement, th) if state.in_position else None,
        )
    )


TIMELINE_KEYS = (
    "t_s",
    "status",
    "in_position",
    "position_confidence",
    "hip_extension_deg",
    "trunk_forward_deg",
    "side",
)
# A video that yields fewer frames than its header announces, by more than this fraction
# (containers round their counts), was cut short.
TRUNCATION_TOLERANCE = 0.02


def _record(
    timeline: dict[str, list[Any]],
    side_votes: dict[str, float],
    state: FormState,
    reading_s: float,
    th: FormThresholds,
) -> None:
    """Append one pose reading's figures to the timeline and vote for the kneeling side
    (``reading_s``: the seconds of video one reading stands for)."""
    m = state.measurement
    in_position = state.in_position and m is not None
    timeline["t_s"].append(round(state.timestamp_s, 3))
    timeline["status"].append(state.status.value)
    timeline["in_position"].append(in_position)
    timeline["position_confidence"].append(_round(state.position_confidence, 2))
    timeline["hip_extension_deg"].append(
        _round(m.hip_extension_deg) if in_position and m is not None else None
    )
    timeline["trunk_forward_deg"].append(_round(m.trunk_forward_deg) if m else None)
    side = reported_side(m, th) if in_position else None
    if side is not None:
        side_votes[side.value] = side_votes.get(side.value, 0.0) + reading_s
    timeline["side"].append(_side_value(side))


def _time_by_side(timeline: dict[str, list[Any]], reading_s: float) -> dict[str, dict[str, float]]:
    """Seconds in position and in good form for each anatomical side (or unknown); each
    pose reading stands for ``reading_s`` seconds."""
    result: dict[str, dict[str, float]] = {}
    for status, in_position, side in zip(
        timeline["status"], timeline["in_position"], timeline["side"], strict=True
    ):
        if not in_position:
            continue
        bucket = result.setdefault(side or "unknown", {"in_position_s": 0.0, "good_form_s": 0.0})
        bucket["in_position_s"] += reading_s
        if status == "good":
            bucket["good_form_s"] += reading_s
    return {k: {n: round(s, 2) for n, s in v.items()} for k, v in result.items()}


def _write_outputs(
    analysis: AnalysisResult,
    out_dir: Path,
    source: Path,
    annotated_path: Path,
    *,
    preview_jpeg: bytes | None = None,
) -> None:
    from hipflex.vision.report import render_report

    json_path = out_dir / f"{source.stem}.json"
    report_path = out_dir / f"{source.stem}.report.html"
    analysis.outputs = {
        "annotated": str(annotated_path),
        "json": str(json_path),
        "report": str(report_path),
    }
    json_path.write_text(json.dumps(analysis.to_dict(with_timeline=True), indent=1))
    report_path.write_text(render_report(analysis, preview_jpeg), encoding="utf-8")


def analyze_path(
    path: Path,
    out_dir: Path,
    thresholds: FormThresholds | None = None,
    *,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    photos: PhotoAnalyzer | None = None,
    pose_rate_hz: float | None = POSE_RATE_HZ,
) -> AnalysisResult:
    """Analyse one photo or video (decided by :func:`media_kind`); photos reuse the graph
    of ``photos`` when given."""
    if media_kind(path) == "image":
        if photos is not None:
            return photos.analyze(path, out_dir)
        return analyze_image(path, out_dir, thresholds)
    return analyze_video(
        path, out_dir, thresholds, workers=workers, progress=progress, pose_rate_hz=pose_rate_hz
    )
