"""What the page receives for one processed frame."""

from __future__ import annotations

import pytest

from hipflex.domain.form_thresholds import FormThresholds
from hipflex.vision.synthetic import kneeling_pose
from hipflex.vision.tracker import FormTracker
from hipflex.web.camera_bridge import FrameError, FrameResult, decode_jpeg, frame_message


def result_for(**pose: object) -> FrameResult:
    tracker = FormTracker(FormThresholds())
    state = None
    for step in range(20):
        t = step * 0.1
        state = tracker.update(kneeling_pose(timestamp_s=t, **pose), t)  # type: ignore[arg-type]
    assert state is not None
    return FrameResult(seq=7, state=state, width_px=640, height_px=480, processing_ms=12.3)


def test_pose_message_has_normalised_landmarks_state_and_angles() -> None:
    message = frame_message(result_for(hip_extension_deg=20), "right")
    assert message["type"] == "pose" and message["seq"] == 7
    assert len(message["landmarks"]) == 33
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y, _ in message["landmarks"])
    assert message["status"] == "good" and message["good"] is True
    assert message["hip_extension_deg"] == pytest.approx(20, abs=1)
    assert message["other_side"] is None


def test_pose_message_flags_the_other_knee_only_when_confident() -> None:
    left_down = result_for(hip_extension_deg=20, kneeling_label="left")
    assert frame_message(left_down, "right")["other_side"] == (
        "you seem to be on your left knee: this hold is for the right side"
    )
    assert frame_message(left_down, "left")["other_side"] is None
    doubtful = result_for(hip_extension_deg=20, kneeling_label="left", back_leg_near=True)
    assert frame_message(doubtful, "right")["other_side"] is None


@pytest.mark.parametrize("data", [b"", b"not a jpeg at all", b"\xff\xd8\xff" + b"0" * 100])
def test_garbage_frames_are_refused(data: bytes) -> None:
    with pytest.raises(FrameError):
        decode_jpeg(data)
