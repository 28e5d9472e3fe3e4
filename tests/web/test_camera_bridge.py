"""What the page receives for one processed frame."""

from __future__ import annotations

import pytest

from hipflex.domain.clock import FakeClock
from hipflex.domain.form_thresholds import FormThresholds
from hipflex.domain.protocol import Side
from hipflex.services.form_gate import FormGate, FormReading
from hipflex.vision.synthetic import kneeling_pose
from hipflex.web.camera_bridge import FrameError, FrameResult, decode_jpeg, frame_message

Measured = tuple[FrameResult, FormGate]


def result_for(**pose: object) -> Measured:
    gate = FormGate(FormThresholds(), FakeClock())
    body = None
    for step in range(20):
        t = step * 0.1
        body = kneeling_pose(timestamp_s=t, **pose)  # type: ignore[arg-type]
        gate.push(body, t)
    return FrameResult(7, body, 1.9, width_px=640, height_px=480, processing_ms=12.3), gate


def message_for(measured: Measured, side: Side) -> dict[str, object]:
    result, gate = measured
    assert gate.latest is not None
    return frame_message(result, FormReading(gate.latest, None, gate.other_side(side)))


def test_pose_message_has_normalised_landmarks_state_and_angles() -> None:
    message = message_for(result_for(hip_extension_deg=20), Side.RIGHT)
    assert message["type"] == "pose" and message["seq"] == 7
    landmarks = message["landmarks"]
    assert isinstance(landmarks, list) and len(landmarks) == 33
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y, _ in landmarks)
    assert message["status"] == "good" and message["good"] is True
    assert message["hip_extension_deg"] == pytest.approx(20, abs=1)
    assert message["other_side"] is None


def test_pose_message_flags_the_other_knee_only_when_confident() -> None:
    left_down = result_for(hip_extension_deg=20, kneeling_label="left")
    assert message_for(left_down, Side.RIGHT)["other_side"] == (
        "you seem to be on your left knee: this hold is for the right side"
    )
    assert message_for(left_down, Side.LEFT)["other_side"] is None
    doubtful = result_for(hip_extension_deg=20, kneeling_label="left", back_leg_near=True)
    assert message_for(doubtful, Side.RIGHT)["other_side"] is None


@pytest.mark.parametrize("data", [b"", b"not a jpeg at all", b"\xff\xd8\xff" + b"0" * 100])
def test_garbage_frames_are_refused(data: bytes) -> None:
    with pytest.raises(FrameError):
        decode_jpeg(data)
