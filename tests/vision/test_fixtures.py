"""Form rules on landmarks recorded from the real shared media (no model, no pixels).

Fixtures come from ``bench/record_fixtures.py``; the labels are a person's reading of each
photo (``../shared/media/labels.csv``).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from hipflex.domain.form_thresholds import FormThresholds
from hipflex.vision.form import measure_form
from hipflex.vision.form_rules import FormStatus, classify
from hipflex.vision.hold_metrics import HoldMetricsRecorder
from hipflex.vision.replay import ReplaySource
from hipflex.vision.tracker import FormTracker

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "landmarks"
IMAGE_FIXTURES = sorted((FIXTURES / "images").glob("*.json"))


def _image_result(path: Path) -> tuple[bool, bool]:
    data = json.loads(path.read_text())
    frame = next(iter(ReplaySource(data)))
    measurement = None if frame.pose is None else measure_form(frame.pose)
    predicted = classify(measurement, FormThresholds()).status.in_position
    return predicted, bool(data["label"]["in_position"])


def test_there_are_photo_fixtures_of_both_classes() -> None:
    truths = [_image_result(p)[1] for p in IMAGE_FIXTURES]
    assert sum(truths) >= 10
    assert len(truths) - sum(truths) >= 20


def test_in_position_f1_on_recorded_photos() -> None:
    results = [_image_result(p) for p in IMAGE_FIXTURES]
    tp = sum(p and t for p, t in results)
    fp = sum(p and not t for p, t in results)
    fn = sum(t and not p for p, t in results)
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= 0.95


@pytest.mark.parametrize("path", IMAGE_FIXTURES, ids=lambda p: p.stem)
def test_no_hard_negative_is_in_position(path: Path) -> None:
    predicted, truth = _image_result(path)
    if not truth:
        assert not predicted


def _run_clip(name: str) -> tuple[float, float, list[FormStatus]]:
    source = ReplaySource.from_file(FIXTURES / "video" / f"{name}.json")
    tracker, recorder = FormTracker(), HoldMetricsRecorder()
    statuses = []
    last_t = 0.0
    for frame in source:
        state = tracker.update(frame.pose, frame.timestamp_s)
        recorder.add(state)
        statuses.append(state.status)
        last_t = frame.timestamp_s
    return recorder.result().in_position_s, last_t, statuses


def test_reverse_lunges_pass_through_the_kneeling_position_briefly() -> None:
    in_position_s, duration_s, statuses = _run_clip("vcproj_lunges1")
    assert 0.5 < in_position_s < 0.4 * duration_s
    # Each rep's bottom is one stretch of in-position frames, not a flicker.
    entries = sum(1 for a, b in itertools.pairwise(statuses) if b.in_position and not a.in_position)
    assert 1 <= entries <= 6


@pytest.mark.parametrize("name", ["rnhrn_lunges", "alishbah_yoga_standing"])
def test_clips_without_a_knee_down_are_never_in_position(name: str) -> None:
    in_position_s, _, statuses = _run_clip(name)
    assert in_position_s == 0
    assert FormStatus.GET_INTO_POSITION in statuses or FormStatus.TURN_SIDEWAYS in statuses


def test_low_frame_rate_recording_still_changes_state() -> None:
    # alishbah is recorded at 5 fps: a status seen on consecutive frames must take effect.
    _, _, statuses = _run_clip("alishbah_yoga_standing")
    assert statuses[-1] is not FormStatus.NO_PERSON
