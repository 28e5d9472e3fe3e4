"""Is the person half-kneeling? Tables of stick figures for every variant and every shape
that is not; the rules, the classifier file and the position confidence."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from hipflex.domain.form_thresholds import FormThresholds
from hipflex.vision.form import measure_form
from hipflex.vision.form_rules import FormStatus, classify
from hipflex.vision.pose import Landmark, Pose
from hipflex.vision.position import (
    FEATURES,
    MissingPart,
    PositionModel,
    check_position,
    position_features,
    position_guard,
    shipped_model,
)
from hipflex.vision.synthetic import kneeling_pose
from hipflex.vision.synthetic_shapes import NEGATIVE_FIGURES, POSITIVE_FIGURES, shape_pose

TH = FormThresholds()
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "landmarks" / "images"

# Every half-kneeling variant is in position; where it matters, with its fault and cue.
POSITIVES = [
    ("upright, hands on hips", FormStatus.GOOD),
    ("hips slid forward", FormStatus.GOOD),
    ("arms overhead", FormStatus.GOOD),
    ("hands on the floor, leaning forward", FormStatus.LEANING_FORWARD),
    ("knee hovering above the floor", FormStatus.SLIDE_HIPS_FORWARD),
    ("back foot held in the hand", FormStatus.SLIDE_HIPS_FORWARD),
    ("backbend", FormStatus.ARCHING_BACK),
    ("long back leg, low lunge", FormStatus.GOOD),
    ("three-quarter view", FormStatus.GOOD),
]
# Every other shape is not, and the message says which part is missing.
NEGATIVES = [
    ("tall kneeling", MissingPart.FOOT_FORWARD),
    ("all fours", MissingPart.TORSO_UP),
    ("child's pose", MissingPart.TORSO_UP),
    ("pigeon", MissingPart.FOOT_FORWARD),
    ("split squat, back knee up", MissingPart.BACK_KNEE_DOWN),
    ("Bulgarian split squat", MissingPart.BACK_FOOT_DOWN),
    ("standing lunge, back leg straight", MissingPart.BACK_KNEE_DOWN),
    ("sitting on a chair", MissingPart.BACK_KNEE_DOWN),
    ("standing", MissingPart.BACK_KNEE_DOWN),
]


def test_the_tables_cover_every_shape() -> None:
    assert {name for name, _ in POSITIVES} == set(POSITIVE_FIGURES)
    assert {name for name, _ in NEGATIVES} == set(NEGATIVE_FIGURES)


@pytest.mark.parametrize(("name", "status"), POSITIVES)
@pytest.mark.parametrize("facing_x", [1.0, -1.0])
@pytest.mark.parametrize("label", ["left", "right"])
def test_half_kneeling_variants_are_in_position(
    name: str, status: FormStatus, facing_x: float, label: str
) -> None:
    result = classify(measure_form(shape_pose(name, facing_x=facing_x, back_label=label)), TH)
    assert result.status is status
    assert result.position is not None and result.position.in_position
    assert result.position.confidence >= TH.position_confident_probability
    if status.is_fault:
        assert result.message == status.cue


@pytest.mark.parametrize(("name", "missing"), NEGATIVES)
@pytest.mark.parametrize("facing_x", [1.0, -1.0])
def test_other_shapes_are_not_in_position_and_say_what_is_missing(
    name: str, missing: MissingPart, facing_x: float
) -> None:
    result = classify(measure_form(shape_pose(name, facing_x=facing_x)), TH)
    assert result.status is FormStatus.GET_INTO_POSITION
    assert result.position is not None and result.position.missing is missing
    assert result.message == missing.value
    assert result.position.reason  # a refused shape always says why


@pytest.mark.parametrize("height", [0.0, 0.08, 0.14, 0.19])
def test_a_knee_resting_or_hovering_near_the_floor_is_in_position(height: float) -> None:
    pose = kneeling_pose(back_knee_height=height, back_shin_px=160.0)
    assert check_position(measure_form(pose), TH).in_position


def _mirrored(pose: Pose) -> Pose:
    """The image flipped left to right: x mirrored, left and right landmarks swapped."""
    order = [
        Landmark[n.replace("LEFT", "@").replace("RIGHT", "LEFT").replace("@", "RIGHT")]
        for n in Landmark.__members__
    ]
    xy = pose.image_xy_px[order].copy()
    xy[:, 0] = pose.image_width_px - xy[:, 0]
    return dataclasses.replace(
        pose, image_xy_px=xy, depth_z_px=pose.depth_z_px[order], visibility=pose.visibility[order]
    )


@pytest.mark.parametrize("name", POSITIVE_FIGURES)
def test_the_features_do_not_change_in_a_mirror(name: str) -> None:
    pose = shape_pose(name)
    original = position_features(measure_form(pose), TH)
    assert position_features(measure_form(_mirrored(pose)), TH) == pytest.approx(original)


@pytest.mark.parametrize("name", NEGATIVE_FIGURES)
def test_the_verdict_does_not_change_in_a_mirror(name: str) -> None:
    # Both knees at one height (tall kneeling): which leg is "back" is a tie, so only the
    # verdict, not every feature, is the same in a mirror.
    pose = shape_pose(name)
    a, b = check_position(measure_form(pose), TH), check_position(measure_form(_mirrored(pose)), TH)
    assert (a.in_position, a.missing) == (b.in_position, b.missing)


def test_the_foot_held_in_the_hand_is_not_a_raised_foot() -> None:
    held = measure_form(shape_pose("back foot held in the hand"))
    assert held.back_shin_rise_3d_deg > TH.back_shin_rise_max_deg  # the shin points up...
    assert position_guard(held, TH) is None  # ...but a hand holds the foot
    free = measure_form(shape_pose("back foot held in the hand", arms="hips"))
    assert position_guard(free, TH) is MissingPart.BACK_FOOT_DOWN


def test_the_back_knee_rule_has_hysteresis() -> None:
    m = dataclasses.replace(measure_form(kneeling_pose()), back_knee_height=0.37)
    assert position_guard(m, TH) is MissingPart.BACK_KNEE_DOWN
    assert position_guard(m, TH, was_in_position=True) is None


def _one_feature_model(feature: str, coef: float, intercept: float) -> PositionModel:
    return PositionModel(
        FEATURES,
        (0.0,) * len(FEATURES),
        (1.0,) * len(FEATURES),
        tuple(coef if name == feature else 0.0 for name in FEATURES),
        intercept,
        {},
    )


def test_confidence_is_the_probability_with_a_reason_when_low() -> None:
    m = measure_form(kneeling_pose())
    # P = 0.45: out, but in once in position (the cut drops by the hysteresis).
    model = _one_feature_model("back_knee_height", -1.0, float(np.log(0.45 / 0.55)) + 0.05)
    out = check_position(m, TH, model)
    assert not out.in_position and 0.4 < out.confidence < 0.5
    assert out.missing is MissingPart.BACK_KNEE_DOWN
    assert out.reason == "the back knee looks off the floor"
    assert check_position(m, TH, model, was_in_position=True).in_position
    sure = check_position(m, TH, _one_feature_model("back_knee_height", -1.0, 5.0))
    assert sure.in_position and sure.confidence > 0.99 and sure.reason is None


def test_the_shipped_model_is_json_coefficients_and_loads() -> None:
    text = resources.files("hipflex.vision").joinpath("position_model.json").read_text()
    data = json.loads(text)
    assert data["format"] == "hipflex-position-model/1"
    model = shipped_model()
    assert model.features == FEATURES
    assert all(np.isfinite(model.coef)) and all(s > 0 for s in model.scale)


def test_the_shipped_model_is_what_the_training_script_fits() -> None:
    pytest.importorskip("sklearn", reason="training needs the dev extra (scikit-learn)")
    from hipflex.vision.position_training import (
        examples_from_recordings,
        fit_model,
        load_recordings,
        synthetic_examples,
    )

    examples = examples_from_recordings(load_recordings(FIXTURES), TH)
    refit = fit_model(examples + synthetic_examples(TH), TH)
    shipped = shipped_model()
    assert refit.coef == pytest.approx(shipped.coef, rel=1e-4, abs=1e-6)
    assert refit.intercept == pytest.approx(shipped.intercept, rel=1e-4, abs=1e-6)


def test_no_person_has_no_position_verdict() -> None:
    result = classify(None, TH)
    assert result.status is FormStatus.NO_PERSON and result.position is None


def _with_world(pose: Pose) -> Pose:
    xyz = np.column_stack([pose.image_xy_px / 250.0, pose.depth_z_px / 250.0])
    return dataclasses.replace(pose, world_xyz_m=xyz)


def test_metric_landmarks_give_the_same_verdict_as_image_depth() -> None:
    for name, _ in POSITIVES + NEGATIVES:
        pose = shape_pose(name)
        a = check_position(measure_form(pose), TH)
        b = check_position(measure_form(_with_world(pose)), TH)
        assert a.in_position == b.in_position, name
