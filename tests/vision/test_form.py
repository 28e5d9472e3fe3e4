"""Form measurement and rules on synthetic skeletons with exact angles."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from hipflex.domain.form_thresholds import FormThresholds
from hipflex.domain.protocol import Side
from hipflex.vision.form import measure_form
from hipflex.vision.form_rules import FormStatus, classify, form_faults, reported_side
from hipflex.vision.pose import Landmark
from hipflex.vision.synthetic import kneeling_pose

ANGLE_TABLE = [
    # hip_ext, trunk, front_knee, front_shin
    (20.0, 0.0, 90.0, 0.0),
    (10.0, 0.0, 90.0, 0.0),
    (35.0, -8.0, 70.0, 20.0),
    (0.0, 12.0, 100.0, -10.0),
    (-10.0, 20.0, 85.0, 5.0),
    (45.0, 5.0, 60.0, 30.0),
    (15.0, -15.0, 110.0, -5.0),
    (25.0, 3.0, 80.0, 10.0),
]


@pytest.mark.parametrize(("hip_ext", "trunk", "knee", "shin"), ANGLE_TABLE)
@pytest.mark.parametrize("facing_x", [1.0, -1.0])
@pytest.mark.parametrize("label", ["left", "right"])
def test_measured_angles_are_exact(
    hip_ext: float, trunk: float, knee: float, shin: float, facing_x: float, label: str
) -> None:
    pose = kneeling_pose(
        hip_extension_deg=hip_ext,
        trunk_forward_deg=trunk,
        front_knee_deg=knee,
        front_shin_deg=shin,
        facing_x=facing_x,
        kneeling_label=label,
    )
    m = measure_form(pose)
    assert m.hip_extension_deg == pytest.approx(hip_ext, abs=1e-6)
    assert m.trunk_forward_deg == pytest.approx(trunk, abs=1e-6)
    assert m.front_knee_deg == pytest.approx(knee, abs=1e-6)
    assert m.front_shin_deg == pytest.approx(shin, abs=1e-6)
    assert m.facing_x == facing_x
    assert m.back_leg.label.value == label


def test_a_knee_lower_than_the_toes_is_on_the_floor() -> None:
    # The floor line runs through the back leg's lowest point: toes, or the knee when lower.
    assert measure_form(kneeling_pose(back_knee_height=-0.05)).back_knee_height == 0.0


@pytest.mark.parametrize("height", [0.0, 0.03, 0.05, 0.1, 0.12, 0.15])
def test_back_knee_height_is_normalised_by_leg_length(height: float) -> None:
    for scale in (0.5, 1.0, 2.0):
        pose = kneeling_pose(
            back_knee_height=height,
            thigh_px=100 * scale,
            back_shin_px=120 * scale,
            trunk_px=140 * scale,
            floor_y_px=100 + 300 * scale,
            image_size_px=(int(1280 * scale), int(960 * scale)),
        )
        assert measure_form(pose).back_knee_height == pytest.approx(height, abs=1e-9)


def test_swapped_labels_do_not_change_the_kneeling_leg() -> None:
    """MediaPipe sometimes labels the front knee with the back ankle: pair by geometry."""
    pose = kneeling_pose(hip_extension_deg=20.0, kneeling_label="right")
    xy = pose.image_xy_px.copy()
    for a, b in (
        (Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE),
        (Landmark.LEFT_HEEL, Landmark.RIGHT_HEEL),
        (Landmark.LEFT_FOOT_INDEX, Landmark.RIGHT_FOOT_INDEX),
    ):
        xy[[a, b]] = xy[[b, a]]
    crossed = type(pose)(xy, pose.depth_z_px, pose.visibility, None, 0.0, pose.image_width_px, 480)
    m = measure_form(crossed)
    assert m.back_leg.knee is Landmark.RIGHT_KNEE
    assert m.back_leg.ankle is Landmark.LEFT_ANKLE
    assert m.hip_extension_deg == pytest.approx(20.0, abs=1e-6)
    assert m.front_knee_deg == pytest.approx(90.0, abs=1e-6)


@pytest.mark.parametrize(
    ("facing_x", "label", "back_near", "side", "confident"),
    [
        (1.0, "right", True, Side.RIGHT, True),
        (1.0, "left", False, Side.LEFT, True),
        (-1.0, "left", True, Side.LEFT, True),
        (-1.0, "right", False, Side.RIGHT, True),
        (1.0, "right", False, Side.RIGHT, False),  # labels and depth disagree
        (-1.0, "left", False, Side.LEFT, False),
    ],
)
def test_anatomical_side_confidence(
    facing_x: float, label: str, back_near: bool, side: Side, confident: bool
) -> None:
    m = measure_form(
        kneeling_pose(facing_x=facing_x, kneeling_label=label, back_leg_near=back_near)
    )
    assert m.kneeling_side is side
    assert reported_side(m, FormThresholds()) is (side if confident else None)


TH = FormThresholds()


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({}, FormStatus.GOOD),
        ({"hip_extension_deg": 12.0}, FormStatus.GOOD),
        ({"hip_extension_deg": 8.0}, FormStatus.SLIDE_HIPS_FORWARD),
        ({"hip_extension_deg": -5.0}, FormStatus.SLIDE_HIPS_FORWARD),
        ({"trunk_forward_deg": 14.0}, FormStatus.GOOD),
        ({"trunk_forward_deg": 16.0}, FormStatus.LEANING_FORWARD),
        ({"trunk_forward_deg": 30.0}, FormStatus.LEANING_FORWARD),
        ({"trunk_forward_deg": -9.0, "hip_extension_deg": 20.0}, FormStatus.GOOD),
        ({"trunk_forward_deg": -12.0, "hip_extension_deg": 25.0}, FormStatus.ARCHING_BACK),
        # The front knee is information: the article's pose closes it to about 40 degrees.
        ({"front_knee_deg": 40.0, "front_shin_deg": 30.0, "back_shin_px": 160.0}, FormStatus.GOOD),
        ({"front_knee_deg": 125.0, "front_shin_deg": -20.0}, FormStatus.GOOD),
        (
            {"front_knee_deg": 25.0, "front_shin_deg": 40.0, "back_shin_px": 200.0},
            FormStatus.FRONT_KNEE_TOO_BENT,
        ),
        ({"back_knee_height": 0.11}, FormStatus.GOOD),
        ({"back_knee_height": 0.4, "back_shin_px": 200.0}, FormStatus.GET_INTO_POSITION),
        ({"visibility": 0.3}, FormStatus.GET_INTO_POSITION),
        # Facing the camera, the person is in position but the angles cannot be read.
        ({"body_width_px": 120.0}, FormStatus.TURN_SIDEWAYS),
        ({"body_width_px": 40.0}, FormStatus.GOOD),
    ],
)
def test_classify_table(kwargs: dict[str, float], status: FormStatus) -> None:
    assert classify(measure_form(kneeling_pose(**kwargs)), TH).status is status  # type: ignore[arg-type]


def test_no_pose_is_no_person() -> None:
    assert classify(None, TH).status is FormStatus.NO_PERSON


def test_hysteresis_keeps_good_between_the_two_hip_limits() -> None:
    m = measure_form(kneeling_pose(hip_extension_deg=7.0))
    assert classify(m, TH).status is FormStatus.SLIDE_HIPS_FORWARD
    assert classify(m, TH, was_in_position=True, was_good=True).status is FormStatus.GOOD
    low = measure_form(kneeling_pose(hip_extension_deg=4.0))
    assert classify(low, TH, was_good=True, was_in_position=True).status is (
        FormStatus.SLIDE_HIPS_FORWARD
    )


@pytest.mark.parametrize(
    ("changes", "fault"),
    [
        ({"front_knee_deg": 25.0}, FormStatus.FRONT_KNEE_TOO_BENT),
        ({"front_knee_deg": 160.0}, FormStatus.FRONT_KNEE_TOO_OPEN),
        ({"front_shin_deg": 50.0}, FormStatus.FRONT_SHIN_TILTED),
        ({"front_shin_deg": -50.0}, FormStatus.FRONT_SHIN_TILTED),
        ({"front_knee_deg": 35.0, "front_shin_deg": 40.0}, None),
        ({"frontal_ratio": 0.7, "trunk_forward_deg": 40.0}, FormStatus.TURN_SIDEWAYS),
    ],
)
def test_front_leg_faults_only_when_absurd(
    changes: dict[str, float], fault: FormStatus | None
) -> None:
    m = dataclasses.replace(measure_form(kneeling_pose()), **changes)  # type: ignore[arg-type]
    faults = form_faults(m, TH)
    assert (faults[0] if faults else None) is fault


def test_every_fault_has_a_cue_and_other_states_none() -> None:
    for status in FormStatus:
        assert (status.cue is not None) == status.is_fault
        assert status.message
    assert FormStatus.SLIDE_HIPS_FORWARD.cue == "slide your hips forward"
    assert FormStatus.LEANING_FORWARD.cue == "keep your torso upright"
    assert FormStatus.ARCHING_BACK.cue == "tuck your pelvis, don't arch your lower back"


@pytest.mark.parametrize(
    ("hip_ext", "trunk"), list(itertools.product([-5.0, 5.0, 20.0], [-20.0, 0.0, 20.0]))
)
def test_measurement_is_translation_and_scale_invariant(hip_ext: float, trunk: float) -> None:
    base = kneeling_pose(hip_extension_deg=hip_ext, trunk_forward_deg=trunk)
    moved = type(base)(
        base.image_xy_px * 1.7 + np.array([33.0, -12.0]),
        base.depth_z_px * 1.7,
        base.visibility,
        None,
        0.0,
        1088,
        816,
    )
    a, b = measure_form(base), measure_form(moved)
    assert b.hip_extension_deg == pytest.approx(a.hip_extension_deg, abs=1e-6)
    assert b.trunk_forward_deg == pytest.approx(a.trunk_forward_deg, abs=1e-6)
    assert b.back_knee_height == pytest.approx(a.back_knee_height, abs=1e-9)
