"""What the page receives for one processed frame."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from hipflex.domain.form_thresholds import FormThresholds
from hipflex.domain.protocol import Side
from hipflex.vision.synthetic import kneeling_pose
from hipflex.vision.tracker import FormTracker
from hipflex.web.camera_bridge import FrameError, FrameResult, decode_jpeg, frame_message


def result_for(side: Side | None = Side.RIGHT, **pose: object) -> FrameResult:
    tracker = FormTracker(FormThresholds())
    state = None
    for step in range(20):
        t = step * 0.1
        state = tracker.update(kneeling_pose(timestamp_s=t, **pose), t, expected_side=side)  # type: ignore[arg-type]
    assert state is not None
    return FrameResult(seq=7, state=state, width_px=640, height_px=480, processing_ms=12.3)


def test_pose_message_has_normalised_landmarks_state_and_angles() -> None:
    message = frame_message(result_for(hip_extension_deg=20))
    assert message["type"] == "pose" and message["seq"] == 7
    assert len(message["landmarks"]) == 33
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y, _ in message["landmarks"])
    assert message["status"] == "good" and message["good"] is True
    assert message["hip_extension_deg"] == pytest.approx(20, abs=1)
    assert message["other_side"] is None
    assert 0.8 <= message["position_confidence"] <= 1 and message["position_reason"] is None


def test_pose_message_flags_the_other_knee_only_when_confident() -> None:
    left_down = frame_message(result_for(Side.RIGHT, hip_extension_deg=20, kneeling_label="left"))
    assert left_down["other_side"] == (
        "you seem to be on your left knee: this hold is for the right side"
    )
    assert left_down["status"] == "wrong_knee" and left_down["good"] is False
    assert "switch to your right knee" in left_down["message"]
    on_left = frame_message(result_for(Side.LEFT, hip_extension_deg=20, kneeling_label="left"))
    assert on_left["other_side"] is None and on_left["good"] is True
    doubtful = result_for(
        Side.RIGHT, hip_extension_deg=20, kneeling_label="left", back_leg_near=True
    )
    assert frame_message(doubtful)["other_side"] is None


def _jpeg_declaring(width_px: int, height_px: int) -> bytes:
    """A tiny real JPEG whose header (SOF0) is patched to declare another size."""
    import cv2

    ok, encoded = cv2.imencode(".jpg", np.zeros((16, 16, 3), np.uint8))
    assert ok
    data = bytearray(encoded.tobytes())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height_px, width_px)
    return bytes(data)


def test_a_tiny_jpeg_declaring_32000_px_is_refused_before_decoding() -> None:
    data = _jpeg_declaring(32000, 32000)
    assert len(data) < 1000
    with pytest.raises(FrameError, match=r"megapixels|too large"):
        decode_jpeg(data)
    with pytest.raises(FrameError, match=r"frame too large \(2000x1000"):
        decode_jpeg(_jpeg_declaring(2000, 1000))


@pytest.mark.parametrize("data", [b"", b"not a jpeg at all", b"\xff\xd8\xff" + b"0" * 100])
def test_garbage_frames_are_refused(data: bytes) -> None:
    with pytest.raises(FrameError):
        decode_jpeg(data)
