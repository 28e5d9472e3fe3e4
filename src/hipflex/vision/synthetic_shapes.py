"""Stick figures of every shape the camera must tell apart: half-kneeling variants and the
shapes that are not half-kneeling. For tests, and as clean training examples.

:func:`stick_figure` builds a side-view skeleton from segment angles (degrees; legs measured
from straight down, the trunk from straight up, positive towards the way the person faces)
and puts its lowest point on the floor. :data:`SHAPES` names the variants; each is
``(builder, in_position)``. :func:`shape_examples` jitters them for training.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np

from hipflex.vision.pose import LANDMARK_COUNT, FloatArray, Landmark, Pose

L = Landmark


@dataclass(frozen=True)
class Figure:
    """Segment angles of one stick figure (see the module doc for signs).

    The back leg (or, with ``front_leg_carries``, the front leg) rests its lowest point on
    the floor and so sets the hip height; the other leg's thigh angle is then solved so that
    its foot reaches the floor too (``front_thigh_deg`` only gives the direction), unless
    that leg hangs free (``front_leg_carries``: the back foot on a bench).
    """

    trunk_deg: float = 0.0
    back_thigh_deg: float = -20.0
    back_shin_deg: float = -90.0  # -90: along the floor behind the knee
    front_thigh_deg: float = 85.0
    front_shin_deg: float = -5.0
    back_foot_deg: float = -60.0  # toes tucked: the foot points down and back
    arms: str = "hips"  # hips | up | floor | under_shoulders | back_foot | forward
    facing_x: float = 1.0
    back_label: str = "right"
    body_width_px: float = 0.0
    back_near: bool | None = None
    front_leg_carries: bool = False


THIGH_PX, SHIN_PX, TRUNK_PX, FOOT_PX, ARM_PX = 100.0, 110.0, 140.0, 30.0, 120.0
KNEE_PAD_PX = 12.0  # the knee landmark is the joint centre, above a knee resting on the floor
FLOOR_Y_PX = 430.0
IMAGE_SIZE_PX = (640, 480)


def _lm(name: str) -> Landmark:
    return Landmark.__members__[name]


def _dir_down(angle_deg: float, f: float) -> FloatArray:
    a = math.radians(angle_deg)
    return np.array([math.sin(a) * f, math.cos(a)])


def _chain(
    hip: FloatArray, thigh_deg: float, shin_deg: float, foot_deg: float, f: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """knee, ankle, heel, toe of a leg hanging from ``hip``."""
    knee = hip + THIGH_PX * _dir_down(thigh_deg, f)
    ankle = knee + SHIN_PX * _dir_down(shin_deg, f)
    toe = ankle + FOOT_PX * _dir_down(foot_deg, f)
    heel = ankle - 0.3 * FOOT_PX * _dir_down(foot_deg, f)
    return knee, ankle, heel, toe


def _lowest_y(knee: FloatArray, *others: FloatArray) -> float:
    return max(float(knee[1]) + KNEE_PAD_PX, *(float(p[1]) for p in others))


def _solve_thigh(hip: FloatArray, fig: Figure, foot_deg: float, f: float) -> float:
    """The thigh angle (sign of ``front_thigh_deg``) putting that leg's foot on the floor."""
    shin_drop = SHIN_PX * math.cos(math.radians(fig.front_shin_deg))
    foot_drop = max(FOOT_PX * math.cos(math.radians(foot_deg)), 0.0)
    reach = (FLOOR_Y_PX - float(hip[1]) - max(shin_drop + foot_drop, KNEE_PAD_PX)) / THIGH_PX
    angle = math.degrees(math.acos(max(-1.0, min(1.0, reach))))
    return math.copysign(angle, fig.front_thigh_deg) if fig.front_thigh_deg else angle


def stick_figure(fig: Figure, timestamp_s: float = 0.0) -> Pose:
    """The skeleton of ``fig`` (pixels, 640x480 image, floor at y = 430)."""
    f = 1.0 if fig.facing_x >= 0 else -1.0
    hip = np.array([IMAGE_SIZE_PX[0] / 2, 0.0])
    front_foot_deg = 80.0  # flat on the floor, toes forward
    if fig.front_leg_carries:
        legs = _chain(hip, fig.front_thigh_deg, fig.front_shin_deg, front_foot_deg, f)
        hip[1] = FLOOR_Y_PX - (_lowest_y(*legs) - float(hip[1]))
        front = _chain(hip, fig.front_thigh_deg, fig.front_shin_deg, front_foot_deg, f)
        back = _chain(hip, fig.back_thigh_deg, fig.back_shin_deg, fig.back_foot_deg, f)
    else:
        legs = _chain(hip, fig.back_thigh_deg, fig.back_shin_deg, fig.back_foot_deg, f)
        hip[1] = FLOOR_Y_PX - (_lowest_y(*legs) - float(hip[1]))
        back = _chain(hip, fig.back_thigh_deg, fig.back_shin_deg, fig.back_foot_deg, f)
        thigh_deg = _solve_thigh(hip, fig, front_foot_deg, f)
        front = _chain(hip, thigh_deg, fig.front_shin_deg, front_foot_deg, f)
    back_knee, back_ankle, back_heel, back_toe = back
    front_knee, front_ankle, front_heel, front_toe = front
    t = math.radians(fig.trunk_deg)
    shoulder = hip + TRUNK_PX * np.array([math.sin(t) * f, -math.cos(t)])
    head = shoulder + (shoulder - hip) * 0.3
    on_hips = hip + np.array([0.1 * f * THIGH_PX, -10.0])
    floor = np.array([float(front_ankle[0]) - 0.3 * f * FOOT_PX, FLOOR_Y_PX])
    wrists = {
        "hips": (on_hips, on_hips),
        "up": (shoulder + np.array([0.1 * f * ARM_PX, -1.4 * ARM_PX]),) * 2,
        "forward": (shoulder + np.array([f * 1.3 * ARM_PX, 0.0]),) * 2,
        "floor": (floor, floor),
        "under_shoulders": (np.array([float(shoulder[0]), FLOOR_Y_PX]),) * 2,
        "back_foot": (back_ankle, on_hips),
    }[fig.arms]
    xy = np.tile(head, (LANDMARK_COUNT, 1))
    xy[L.NOSE] = head + np.array([f * 15.0, 0.0])
    half = np.array([fig.body_width_px / 2.0, 0.0])
    back_side, front_side = ("RIGHT", "LEFT") if fig.back_label == "right" else ("LEFT", "RIGHT")
    for side, sign in (("LEFT", -1.0), ("RIGHT", 1.0)):
        xy[_lm(f"{side}_SHOULDER")] = shoulder + sign * half
        xy[_lm(f"{side}_HIP")] = hip + sign * half
    for side, wrist in zip((back_side, front_side), wrists, strict=True):
        xy[_lm(f"{side}_WRIST")] = wrist
        xy[_lm(f"{side}_ELBOW")] = (shoulder + wrist) / 2 + np.array([-0.15 * f * ARM_PX, 0.0])
        for finger in ("PINKY", "INDEX", "THUMB"):
            xy[_lm(f"{side}_{finger}")] = wrist
    for side, knee, ankle, heel, toe in (
        (back_side, back_knee, back_ankle, back_heel, back_toe),
        (front_side, front_knee, front_ankle, front_heel, front_toe),
    ):
        xy[_lm(f"{side}_KNEE")] = knee
        xy[_lm(f"{side}_ANKLE")] = ankle
        xy[_lm(f"{side}_HEEL")] = heel
        xy[_lm(f"{side}_FOOT_INDEX")] = toe
    back_near = (
        fig.back_near if fig.back_near is not None else (fig.back_label == "right") == (f > 0)
    )
    depth = -30.0 if back_near else 30.0
    z = np.zeros(LANDMARK_COUNT)
    for name in ("HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX"):
        z[_lm(f"{back_side}_{name}")] = depth
        z[_lm(f"{front_side}_{name}")] = -depth
    return Pose(
        image_xy_px=xy,
        depth_z_px=z,
        visibility=np.full(LANDMARK_COUNT, 0.95),
        world_xyz_m=None,
        timestamp_s=timestamp_s,
        image_width_px=IMAGE_SIZE_PX[0],
        image_height_px=IMAGE_SIZE_PX[1],
    )


# Half-kneeling variants (in position) and the shapes that are not (out of position).
POSITIVE_FIGURES: dict[str, Figure] = {
    "upright, hands on hips": Figure(),
    "hips slid forward": Figure(back_thigh_deg=-30.0, front_shin_deg=15.0),
    "arms overhead": Figure(arms="up", back_thigh_deg=-25.0),
    "hands on the floor, leaning forward": Figure(
        trunk_deg=50.0, arms="floor", back_thigh_deg=-15.0
    ),
    "knee hovering above the floor": Figure(back_thigh_deg=-10.0, back_shin_deg=-80.0),
    "back foot held in the hand": Figure(
        back_thigh_deg=-10.0, back_shin_deg=-165.0, arms="back_foot"
    ),
    "backbend": Figure(trunk_deg=-25.0, arms="up", back_thigh_deg=-30.0),
    "long back leg, low lunge": Figure(back_thigh_deg=-45.0, back_shin_deg=-95.0),
    "three-quarter view": Figure(body_width_px=30.0),
}
NEGATIVE_FIGURES: dict[str, Figure] = {
    "tall kneeling": Figure(back_thigh_deg=0.0, front_thigh_deg=0.0, front_shin_deg=-90.0),
    "all fours": Figure(
        trunk_deg=90.0,
        arms="under_shoulders",
        back_thigh_deg=0.0,
        front_thigh_deg=0.0,
        front_shin_deg=-90.0,
    ),
    "child's pose": Figure(
        trunk_deg=105.0,
        arms="forward",
        back_thigh_deg=70.0,
        front_thigh_deg=70.0,
        front_shin_deg=-90.0,
    ),
    "pigeon": Figure(
        trunk_deg=15.0,
        arms="floor",
        back_thigh_deg=-80.0,
        front_thigh_deg=80.0,
        front_shin_deg=-85.0,
    ),
    "split squat, back knee up": Figure(back_thigh_deg=-10.0, back_shin_deg=-50.0),
    "Bulgarian split squat": Figure(
        back_thigh_deg=-5.0,
        back_shin_deg=-135.0,
        back_foot_deg=-90.0,
        front_thigh_deg=80.0,
        front_shin_deg=5.0,
        front_leg_carries=True,
    ),
    "standing lunge, back leg straight": Figure(back_thigh_deg=-35.0, back_shin_deg=-35.0),
    "sitting on a chair": Figure(
        back_thigh_deg=90.0, back_shin_deg=0.0, front_thigh_deg=90.0, front_shin_deg=0.0
    ),
    "standing": Figure(
        back_thigh_deg=-3.0, back_shin_deg=0.0, front_thigh_deg=3.0, front_shin_deg=0.0
    ),
}

ShapeBuilder = Callable[..., Pose]


def shape_pose(name: str, **changes: object) -> Pose:
    """The named figure (from either table), with any :class:`Figure` field changed."""
    fig = POSITIVE_FIGURES.get(name) or NEGATIVE_FIGURES[name]
    return stick_figure(replace(fig, **changes))  # type: ignore[arg-type]


_JITTER_DEG = 8.0


def shape_examples(count_per_shape: int = 12, seed: int = 0) -> Iterator[tuple[str, Pose, bool]]:
    """``(name, pose, in_position)``: every shape, jittered by up to ±8° per segment, facing
    both ways and with both knee labels (the mirror examples)."""
    rng = np.random.default_rng(seed)
    tables = ((POSITIVE_FIGURES, True), (NEGATIVE_FIGURES, False))
    for table, label in tables:
        for name, fig in table.items():
            for index in range(count_per_shape):
                jitter = rng.uniform(-_JITTER_DEG, _JITTER_DEG, size=5)
                varied = replace(
                    fig,
                    trunk_deg=fig.trunk_deg + float(jitter[0]),
                    back_thigh_deg=fig.back_thigh_deg + float(jitter[1]),
                    back_shin_deg=fig.back_shin_deg + float(jitter[2]),
                    front_thigh_deg=fig.front_thigh_deg + float(jitter[3]),
                    front_shin_deg=fig.front_shin_deg + float(jitter[4]),
                    facing_x=1.0 if index % 2 == 0 else -1.0,
                    back_label="right" if index % 4 < 2 else "left",
                )
                yield name, stick_figure(varied), label


__all__ = [
    "NEGATIVE_FIGURES",
    "POSITIVE_FIGURES",
    "Figure",
    "shape_examples",
    "shape_pose",
    "stick_figure",
]
