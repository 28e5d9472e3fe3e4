"""Per-hold summary from tracker states."""

from __future__ import annotations

import pytest

from hipflex.domain.protocol import Side
from hipflex.vision.form_rules import FormStatus
from hipflex.vision.hold_metrics import HoldMetricsRecorder
from hipflex.vision.synthetic import kneeling_pose
from hipflex.vision.tracker import FormTracker


def test_hold_metrics_over_good_and_fault_frames() -> None:
    tracker = FormTracker(smooth=False)
    recorder = HoldMetricsRecorder()
    fps = 10
    for i in range(20 * fps + 1):
        t = i / fps
        if t < 10:
            pose = kneeling_pose(hip_extension_deg=15.0 + t)  # 15 .. 25 deg
        else:
            pose = kneeling_pose(hip_extension_deg=25.0, trunk_forward_deg=30.0)
        recorder.add(tracker.update(pose, t))
    result = recorder.result()
    assert result.good_form_s == pytest.approx(tracker.state.counted_good_s, abs=1e-9)
    assert result.good_form_s == pytest.approx(9.5 + 0.3, abs=0.15)
    # In position from 0.3 s (the position settles after exit_s; good form after enter_s).
    assert result.in_position_s == pytest.approx(19.7, abs=0.15)
    assert result.faults_s["leaning_forward"] == pytest.approx(9.7, abs=0.15)
    assert result.max_hip_extension_deg == pytest.approx(25.0, abs=0.01)
    assert 19.0 < (result.median_hip_extension_deg or 0) < 21.0
    data = result.to_dict()
    assert set(data) == {
        "good_form_s",
        "in_position_s",
        "max_hip_extension_deg",
        "median_hip_extension_deg",
        "faults_s",
    }


def test_reset_starts_a_new_hold() -> None:
    tracker = FormTracker(smooth=False)
    recorder = HoldMetricsRecorder()
    for i in range(30):
        recorder.add(tracker.update(kneeling_pose(), i / 10))
    recorder.reset()
    result = recorder.result()
    assert result.good_form_s == 0
    assert result.max_hip_extension_deg is None
    assert result.faults_s == {}


def test_a_hold_on_the_wrong_knee_counts_nothing_and_stores_no_angle() -> None:
    tracker = FormTracker(smooth=False)
    recorder = HoldMetricsRecorder()
    for i in range(50):
        pose = kneeling_pose(hip_extension_deg=25.0, kneeling_label="left")
        recorder.add(tracker.update(pose, i / 10, expected_side=Side.RIGHT))
    result = recorder.result()
    assert tracker.state.status is FormStatus.WRONG_KNEE
    assert result.good_form_s == 0
    assert result.max_hip_extension_deg is None and result.median_hip_extension_deg is None
    assert result.faults_s["wrong_knee"] > 4.0
    assert recorder.summary().hip_extension_max_deg is None
