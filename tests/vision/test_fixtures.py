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
from hipflex.vision.position_training import (
    examples_from_recordings,
    leave_one_source_out,
    load_recordings,
    score,
)
from hipflex.vision.replay import ReplaySource
from hipflex.vision.tracker import FormTracker

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "landmarks"
IMAGE_FIXTURES = sorted((FIXTURES / "images").glob("*.json"))


TH = FormThresholds()
GOAL_F1, GOAL_PRECISION = 0.90, 0.95
# Positives the model fitted on every photo still misses (the LOSO figure counts them too);
# strict: the test fails the day they pass, so this list cannot go stale.
KNOWN_MISSED = {
    "pos_23pwbcs1008_1": "3/4 front view of two people: the back knee measures 0.15 leg up",
    "pos_bryonverdone_1": "knee hovering: 0.17 leg lengths up, like a lunge with the knee off",
}


def _recording(path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(path.read_text())
    return data


def _image_result(path: Path) -> tuple[bool, bool]:
    data = _recording(path)
    frame = next(iter(ReplaySource(data)))
    measurement = None if frame.pose is None else measure_form(frame.pose)
    predicted = classify(measurement, TH).status.in_position
    return predicted, bool(data["label"]["in_position"])  # type: ignore[index]


def test_there_are_photo_fixtures_of_both_classes() -> None:
    truths = [_image_result(p)[1] for p in IMAGE_FIXTURES]
    assert sum(truths) >= 30
    assert len(truths) - sum(truths) >= 50


def test_leave_one_source_out_meets_the_goal_on_recorded_photos() -> None:
    examples = examples_from_recordings(load_recordings(FIXTURES / "images"), TH)
    scores = score(examples, leave_one_source_out(examples, TH))
    assert scores.precision >= GOAL_PRECISION, scores.wrong
    assert scores.f1 >= GOAL_F1, scores.wrong


def _with_label(label: bool) -> list[object]:
    params: list[object] = []
    for path in IMAGE_FIXTURES:
        if bool(_recording(path)["label"]["in_position"]) is not label:  # type: ignore[index]
            continue
        reason = KNOWN_MISSED.get(path.stem)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


@pytest.mark.parametrize("path", _with_label(False))
def test_every_hard_negative_is_refused(path: Path) -> None:
    predicted, truth = _image_result(path)
    assert truth is False and predicted is False


@pytest.mark.parametrize("path", _with_label(True))
def test_every_positive_is_in_position(path: Path) -> None:
    predicted, truth = _image_result(path)
    assert truth is True and predicted is True


@pytest.mark.parametrize(
    "name", ["pos_fedb_kneeling_hip_flexor_0", "pos_fedb_kneeling_hip_flexor_1"]
)
def test_the_articles_own_pose_is_good_form(name: str) -> None:
    frame = next(iter(ReplaySource.from_file(FIXTURES / "images" / f"{name}.json")))
    assert frame.pose is not None
    assert classify(measure_form(frame.pose), TH).status is FormStatus.GOOD


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


@pytest.mark.parametrize("name", ["rnhrn_lunges", "alishbah_yoga_standing", "vid_likithmeruvu_1"])
def test_clips_without_a_knee_down_are_never_in_position(name: str) -> None:
    in_position_s, _, statuses = _run_clip(name)
    assert in_position_s == 0
    assert FormStatus.GET_INTO_POSITION in statuses or FormStatus.TURN_SIDEWAYS in statuses


def test_low_frame_rate_recording_still_changes_state() -> None:
    # alishbah is recorded at 5 fps: a status seen on consecutive frames must take effect.
    _, _, statuses = _run_clip("alishbah_yoga_standing")
    assert statuses[-1] is not FormStatus.NO_PERSON


# The spans of video_labels.csv for the two mixed clips, doubtful as "?" (the fixtures are
# the clips' landmarks; a test in test_media.py checks these spans against the file).
LABELLED_SPANS: dict[str, list[tuple[float, float, str]]] = {
    "vid_techbusa_1": [
        (0.0, 0.25, "0"), (0.25, 1.25, "1"), (1.25, 3.25, "0"), (3.25, 4.25, "1"),
        (4.25, 6.25, "0"), (6.25, 7.25, "1"), (7.25, 8.73, "0"),
    ],
    "vid_tomnotchymk_1": [
        (0.0, 5.75, "0"), (5.75, 6.25, "?"), (6.25, 7.75, "0"), (7.75, 8.25, "1"),
        (8.25, 8.75, "?"), (8.75, 9.75, "0"), (9.75, 10.75, "1"), (10.75, 11.75, "0"),
        (11.75, 12.75, "1"), (12.75, 13.75, "0"), (13.75, 14.75, "1"), (14.75, 16.25, "0"),
        (16.25, 16.75, "1"), (16.75, 18.25, "0"), (18.25, 18.75, "1"), (18.75, 20.25, "0"),
        (20.25, 20.75, "1"), (20.75, 22.25, "0"), (22.25, 22.75, "1"), (22.75, 27.69, "0"),
    ],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(LABELLED_SPANS))
def test_labelled_clips_in_position_seconds_within_15_percent(name: str) -> None:
    source = ReplaySource.from_file(FIXTURES / "video" / f"{name}.json")
    tracker = FormTracker()
    dt = 1.0 / source.fps
    seen = labelled = 0.0
    for frame in source:
        state = tracker.update(frame.pose, frame.timestamp_s)
        label = next((lab for a, b, lab in LABELLED_SPANS[name] if a <= frame.timestamp_s < b), "?")
        if label == "?":
            continue  # doubtful spans are left out
        seen += dt * state.in_position
        labelled += dt * (label == "1")
    assert seen == pytest.approx(labelled, rel=0.15)
