"""Camera frames from the browser → our vision engine → what the page draws.

A frame is a JPEG the page encoded from its own camera. It is decoded in memory, measured and
dropped: frames are never written anywhere. All form logic lives in :mod:`hipflex.vision` and
the session's form gate; this module only adapts bytes to a pose and a reading to JSON.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from hipflex.services.form_gate import FormReading
from hipflex.vision.media_limits import OversizedError, declared_image_size
from hipflex.vision.pose import ImageArray, Pose

# Limits on what a page may send: a downscaled JPEG is 10-60 kB at 640x480.
MAX_FRAME_BYTES = 512 * 1024
MAX_FRAME_SIDE_PX = 1280
MIN_FRAME_SIDE_PX = 32


class FrameError(ValueError):
    """A frame that cannot be used (not a JPEG, too big, too small)."""


class PoseEstimatorLike(Protocol):
    def estimate(self, image_bgr: ImageArray, timestamp_s: float) -> Pose | None: ...

    def close(self) -> None: ...


EstimatorFactory = Callable[[], PoseEstimatorLike]


def mediapipe_estimator() -> PoseEstimatorLike:
    """The real estimator in tracking (video) mode; imports mediapipe on first use."""
    from hipflex.vision.mediapipe_source import PoseEstimator

    return PoseEstimator(static_images=False)


def decode_jpeg(data: bytes) -> ImageArray:
    """Decode a JPEG (or PNG) frame to BGR pixels; :class:`FrameError` when unusable."""
    import cv2

    if len(data) > MAX_FRAME_BYTES:
        raise FrameError(f"frame too large ({len(data)} bytes, limit {MAX_FRAME_BYTES})")
    if len(data) < 4:
        raise FrameError("empty frame")
    # The header's declared size first: a tiny JPEG may declare 32000x32000 pixels.
    try:
        declared = declared_image_size(data)
    except OversizedError as exc:
        raise FrameError(f"frame {exc}") from None
    if declared is not None and max(declared) > MAX_FRAME_SIDE_PX:
        width_px, height_px = declared
        raise FrameError(f"frame too large ({width_px}x{height_px}, limit {MAX_FRAME_SIDE_PX} px)")
    buffer = np.frombuffer(data, dtype=np.uint8)
    image = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    if image is None:
        raise FrameError("frame is not a JPEG image")
    height_px, width_px = image.shape[:2]
    if max(height_px, width_px) > MAX_FRAME_SIDE_PX:
        raise FrameError(f"frame too large ({width_px}x{height_px}, limit {MAX_FRAME_SIDE_PX} px)")
    if min(height_px, width_px) < MIN_FRAME_SIDE_PX:
        raise FrameError(f"frame too small ({width_px}x{height_px})")
    return np.ascontiguousarray(image, dtype=np.uint8)


@dataclass(frozen=True)
class FrameResult:
    """One measured frame: the pose found (``None``: nobody) and the frame it came from."""

    seq: int
    pose: Pose | None
    timestamp_s: float
    width_px: int
    height_px: int
    processing_ms: float


class FramePipeline:
    """Decode → estimate, for one live session; what the pose means is the session's job.

    :meth:`process` blocks (MediaPipe runs on the CPU); call it from a worker thread, one
    frame at a time. The estimator is used by that thread only.
    """

    def __init__(self, estimator_factory: EstimatorFactory) -> None:
        self._estimator_factory = estimator_factory
        self._estimator: PoseEstimatorLike | None = None

    def warm_up(self) -> None:
        """Load the model now rather than on the first frame."""
        if self._estimator is None:
            self._estimator = self._estimator_factory()

    def process(self, seq: int, data: bytes, timestamp_s: float) -> FrameResult:
        """Run one frame; ``timestamp_s`` is its arrival time on a monotonic clock."""
        import time

        started = time.perf_counter()
        image = decode_jpeg(data)
        self.warm_up()
        assert self._estimator is not None
        pose = self._estimator.estimate(image, timestamp_s)
        height_px, width_px = image.shape[:2]
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        return FrameResult(seq, pose, timestamp_s, int(width_px), int(height_px), elapsed_ms)

    def close(self) -> None:
        if self._estimator is not None:
            self._estimator.close()
            self._estimator = None


def _finite(value: float | None, digits: int = 1) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value, digits)


def frame_message(result: FrameResult, reading: FormReading) -> dict[str, Any]:
    """The ``pose`` message for the page: landmarks as fractions of the frame, and the state.

    ``other_side`` is set only when the camera is confident the other knee is down than the
    hold's side; ``position_confidence`` is in [0, 1], with ``position_reason`` when low."""
    state = reading.state
    landmarks: list[list[float]] | None = None
    if state.pose is not None:
        xy = state.pose.image_xy_px
        width = max(state.pose.image_width_px, 1)
        height = max(state.pose.image_height_px, 1)
        landmarks = [
            [round(float(x) / width, 4), round(float(y) / height, 4), round(float(v), 2)]
            for (x, y), v in zip(xy, state.pose.visibility, strict=True)
        ]
    measurement = state.measurement
    return {
        "type": "pose",
        "seq": result.seq,
        "landmarks": landmarks,
        "status": state.status.value,
        "message": state.message or state.status.message,
        "good": state.good,
        "in_position": state.in_position,
        "cue": state.cue,
        "hip_extension_deg": _finite(measurement.hip_extension_deg) if measurement else None,
        "trunk_forward_deg": _finite(measurement.trunk_forward_deg) if measurement else None,
        "kneeling_side": measurement.kneeling_side.value if measurement else None,
        "other_side": reading.other_side,
        "position_confidence": _finite(state.position_confidence, 2),
        "position_reason": state.position_reason,
        "processing_ms": round(result.processing_ms, 1),
    }
