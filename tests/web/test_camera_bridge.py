"""What the page receives for one processed frame."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from hipflex.domain.clock import FakeClock
from hipflex.domain.form_thresholds import FormThresholds
from hipflex.domain.protocol import Side
from hipflex.services.form_gate import FormGate, FormReading
from hipflex.vision.synthetic import kneeling_pose
from hipflex.web.camera_bridge import FrameError, FrameResult, decode_jpeg, frame_message

Measured = tuple[FrameResult, FormGate]


def result_for(side: Side | None = Side.RIGHT, **pose: object) -> Measured:
    gate = FormGate(FormThresholds(), FakeClock())
    body = None
    for step in range(20):
        t = step * 0.1
        body = kneeling_pose(timestamp_s=t, **pose)  # type: ignore[arg-type]
        gate.push(body, t, side)
    return FrameResult(7, body, 1.9, width_px=640, height_px=480, processing_ms=12.3), gate


def message_for(measured: Measured) -> dict[str, object]:
    result, gate = measured
    assert gate.latest is not None
    return frame_message(result, FormReading(gate.latest, None, gate.other_side()))


def test_pose_message_has_normalised_landmarks_state_and_angles() -> None:
    message = message_for(result_for(hip_extension_deg=20))
    assert message["type"] == "pose" and message["seq"] == 7
    landmarks = message["landmarks"]
    assert isinstance(landmarks, list) and len(landmarks) == 33
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y, _ in landmarks)
    assert message["status"] == "good" and message["good"] is True
    assert message["hip_extension_deg"] == pytest.approx(20, abs=1)
    assert message["other_side"] is None
    assert 0.8 <= message["position_confidence"] <= 1 and message["position_reason"] is None


def test_pose_message_flags_the_other_knee_only_when_confident() -> None:
    left_down = message_for(result_for(Side.RIGHT, hip_extension_deg=20, kneeling_label="left"))
    assert left_down["other_side"] == (
        "you seem to be on your left knee: this hold is for the right side"
    )
    assert left_down["status"] == "wrong_knee" and left_down["good"] is False
    assert "switch to your right knee" in left_down["message"]
    on_left = message_for(result_for(Side.LEFT, hip_extension_deg=20, kneeling_label="left"))
    assert on_left["other_side"] is None and on_left["good"] is True
    doubtful = result_for(
        Side.RIGHT, hip_extension_deg=20, kneeling_label="left", back_leg_near=True
    )
    assert message_for(doubtful)["other_side"] is None


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
