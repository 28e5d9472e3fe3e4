"""Per-frame measurement of the half-kneeling hip flexor stretch (pure geometry on a Pose).

All angles are measured in the image plane, in degrees, from a side or three-quarter view.
The camera sees the trunk line (shoulders to hips), not the lumbar curve itself: "arching"
is inferred from the trunk leaning back behind the hips.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hipflex.domain.protocol import Side
from hipflex.vision.angles import (
    distance_px,
    forward_inclination_deg,
    joint_angle_deg,
    signed_angle_towards_deg,
)
from hipflex.vision.pose import FloatArray, Landmark, Pose

L = Landmark

# Measurement constants (how to read the landmarks, not limits a person is held to; those
# are in FormThresholds, the protocol's [form] table).
# tan(30 deg): the steepest floor a camera a little above the person produces.
MAX_FLOOR_SLOPE = 0.577
# Knees are paired with the other side's ankles when that is this much shorter.
CROSSED_LEGS_RATIO = 0.7
# Knee depths closer than this (in leg lengths) cannot tell near from far.
SIDE_DEPTH_GAP = 0.1
# Confidence in the kneeling side: label and depth agree, depth cannot tell, they disagree.
SIDE_CONFIDENCE_AGREE = 0.85
SIDE_CONFIDENCE_UNSURE = 0.5
SIDE_CONFIDENCE_DISAGREE = 0.3

# Landmarks that must be seen to measure the stretch at all.
REQUIRED_LANDMARKS: tuple[Landmark, ...] = (
    L.LEFT_SHOULDER,
    L.RIGHT_SHOULDER,
    L.LEFT_HIP,
    L.RIGHT_HIP,
    L.LEFT_KNEE,
    L.RIGHT_KNEE,
    L.LEFT_ANKLE,
    L.RIGHT_ANKLE,
)


@dataclass(frozen=True)
class LegPoints:
    """One leg as the geometry sees it (MediaPipe's labels may be swapped or mixed)."""

    label: Side  # the model's label of the knee (not necessarily anatomical)
    knee: Landmark
    ankle: Landmark
    heel: Landmark
    foot_index: Landmark


_LEFT_LEG = LegPoints(Side.LEFT, L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX)
_RIGHT_LEG = LegPoints(Side.RIGHT, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX)


@dataclass(frozen=True)
class FormMeasurement:
    """What one frame shows. Angles in degrees, heights as a fraction of leg length.

    Signs: ``hip_extension_deg`` > 0 when the kneeling thigh is behind the trunk line;
    ``trunk_forward_deg`` > 0 leaning forward, < 0 leaning back; ``front_shin_deg`` > 0 when
    the front knee is ahead of the ankle. ``facing_x`` is +1 when the person faces image
    right, -1 image left.

    The ``*_3d`` figures come from the model's metric (world) landmarks, which see depth: a
    back foot farther from the camera looks raised in the image but not in 3D. Their heights
    are above the front foot's lowest point along the world's vertical axis (as the camera
    holds it), in leg lengths. ``back_shin_rise_3d_deg`` is the back shin's angle above the
    horizontal from knee to ankle (> 0: foot higher than the knee, as on a bench; < 0: knee
    above the foot, as when standing); ``front_shin_tilt_3d_deg`` is the front shin from
    vertical, unsigned (about 90 when that shin lies on the floor).
    """

    visibility_ok: bool
    min_visibility: float
    frontal_ratio: float  # shoulder+hip width over trunk length: ~0 side view, ~0.8 frontal
    leg_length_px: float
    facing_x: float
    back_leg: LegPoints
    front_leg: LegPoints
    back_knee_height: float
    front_knee_height: float
    hip_height: float
    hip_extension_deg: float
    front_knee_deg: float
    front_shin_deg: float
    trunk_forward_deg: float
    kneeling_side: Side  # the best guess; see side_confidence
    side_confidence: float
    back_knee_deg: float  # hip - back knee - back ankle, image plane
    back_knee_height_3d: float
    back_toe_height_3d: float
    back_shin_rise_3d_deg: float
    front_shin_tilt_3d_deg: float
    back_foot_reach: float  # nearest wrist to the back ankle or toes, in leg lengths


def _mid(pose: Pose, a: Landmark, b: Landmark) -> FloatArray:
    return (pose.xy(a) + pose.xy(b)) / 2.0


def _pair_legs(pose: Pose) -> tuple[LegPoints, LegPoints]:
    """Pair knees with ankles by distance: side views often cross MediaPipe's labels."""
    straight = distance_px(pose.xy(L.LEFT_KNEE), pose.xy(L.LEFT_ANKLE)) + distance_px(
        pose.xy(L.RIGHT_KNEE), pose.xy(L.RIGHT_ANKLE)
    )
    crossed = distance_px(pose.xy(L.LEFT_KNEE), pose.xy(L.RIGHT_ANKLE)) + distance_px(
        pose.xy(L.RIGHT_KNEE), pose.xy(L.LEFT_ANKLE)
    )
    if crossed < CROSSED_LEGS_RATIO * straight:
        return (
            LegPoints(Side.LEFT, L.LEFT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX),
            LegPoints(Side.RIGHT, L.RIGHT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX),
        )
    return _LEFT_LEG, _RIGHT_LEG


def _anatomical_side(
    pose: Pose, back: LegPoints, front: LegPoints, facing_x: float, leg_length_px: float
) -> tuple[Side, float]:
    """Combine the model's label with depth and facing; confidence in [0, 1].

    Facing image right, a person shows the camera their right side; so the near leg (smaller
    z) is the right leg, and the far leg the left one (mirror for facing left).
    """
    label_side = back.label
    depth_gap = (pose.z(front.knee) - pose.z(back.knee)) / max(leg_length_px, 1e-6)
    if abs(depth_gap) < SIDE_DEPTH_GAP:
        return label_side, SIDE_CONFIDENCE_UNSURE
    back_is_near = depth_gap > 0
    near_side = Side.RIGHT if facing_x > 0 else Side.LEFT
    depth_side = near_side if back_is_near else near_side.other
    if depth_side is label_side:
        return label_side, SIDE_CONFIDENCE_AGREE
    return label_side, SIDE_CONFIDENCE_DISAGREE


@dataclass(frozen=True)
class FloorLine:
    """The floor as a line in the image: ``y = anchor_y + slope * (x - anchor_x)``."""

    anchor_x_px: float
    anchor_y_px: float
    slope: float

    def height_px(self, point: FloatArray) -> float:
        """How far ``point`` is above the floor line, in pixels (negative below it)."""
        floor_y = self.anchor_y_px + self.slope * (float(point[0]) - self.anchor_x_px)
        return floor_y - float(point[1])


def _floor_line(pose: Pose, back: LegPoints, front: LegPoints) -> FloorLine:
    """The line through the back leg's lowest point and the front foot's lowest point.

    The back leg's lowest point is its toes, or its knee when the foot is up (held in the
    hand, or the shin folded). In a three-quarter view seen from above, the back of the body
    is farther from the camera and so higher in the image: a horizontal floor line would
    lift the back knee off the floor. The slope is capped because a misplaced landmark must
    not tilt the floor.
    """
    front_points = [pose.xy(lm) for lm in (front.ankle, front.heel, front.foot_index)]
    front_low = max(front_points, key=lambda p: float(p[1]))
    back_low = max((pose.xy(back.foot_index), pose.xy(back.knee)), key=lambda p: float(p[1]))
    dx = float(front_low[0] - back_low[0])
    slope = 0.0
    if abs(dx) > 1e-6:
        slope = float(front_low[1] - back_low[1]) / dx
    slope = max(-MAX_FLOOR_SLOPE, min(MAX_FLOOR_SLOPE, slope))
    return FloorLine(float(front_low[0]), float(front_low[1]), slope)


@dataclass(frozen=True)
class _Depth:
    back_knee_height: float
    back_toe_height: float
    back_shin_rise_deg: float
    front_shin_tilt_deg: float


def _world(pose: Pose) -> FloatArray:
    """Metric landmarks, or image x/y with the relative depth when the source has none."""
    if pose.world_xyz_m is not None:
        return pose.world_xyz_m
    return np.column_stack([pose.image_xy_px, pose.depth_z_px])


def _depth_figures(pose: Pose, back: LegPoints, front: LegPoints) -> _Depth:
    world = _world(pose)

    def leg(hip: Landmark, knee: Landmark, ankle: Landmark) -> float:
        return float(
            np.linalg.norm(world[hip] - world[knee]) + np.linalg.norm(world[knee] - world[ankle])
        )

    leg_length = max(
        leg(L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE), leg(L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE)
    )
    leg_length = max(leg_length, 1e-6)
    floor_y = max(float(world[lm][1]) for lm in (front.ankle, front.heel, front.foot_index))
    back_knee, back_ankle = world[back.knee], world[back.ankle]
    front_knee, front_ankle = world[front.knee], world[front.ankle]
    back_run = math.hypot(float(back_knee[0] - back_ankle[0]), float(back_knee[2] - back_ankle[2]))
    front_run = math.hypot(
        float(front_knee[0] - front_ankle[0]), float(front_knee[2] - front_ankle[2])
    )
    return _Depth(
        back_knee_height=(floor_y - float(back_knee[1])) / leg_length,
        back_toe_height=(floor_y - float(world[back.foot_index][1])) / leg_length,
        back_shin_rise_deg=math.degrees(math.atan2(float(back_knee[1] - back_ankle[1]), back_run)),
        front_shin_tilt_deg=math.degrees(
            math.atan2(front_run, float(front_ankle[1] - front_knee[1]))
        ),
    )


def _back_foot_reach(pose: Pose, back: LegPoints, leg_length_px: float) -> float:
    """How far the nearest wrist is from the back ankle or toes, in leg lengths."""
    reach_px = min(
        distance_px(pose.xy(wrist), pose.xy(foot))
        for wrist in (L.LEFT_WRIST, L.RIGHT_WRIST)
        for foot in (back.ankle, back.foot_index)
    )
    return reach_px / leg_length_px


def measure_form(pose: Pose, min_visibility: float = 0.5) -> FormMeasurement:
    """Measure the kneeling stretch in ``pose``.

    The kneeling leg is the one whose knee is lower in the image (nearer the floor line
    through the lowest foot point); the facing direction is from the back knee towards the
    front knee, so it does not depend on MediaPipe's left/right labels.
    """
    visibilities = [pose.vis(lm) for lm in REQUIRED_LANDMARKS]
    lowest_visibility = float(min(visibilities))
    leg_a, leg_b = _pair_legs(pose)
    if pose.xy(leg_a.knee)[1] >= pose.xy(leg_b.knee)[1]:
        back, front = leg_a, leg_b
    else:
        back, front = leg_b, leg_a

    hip = _mid(pose, L.LEFT_HIP, L.RIGHT_HIP)
    shoulder = _mid(pose, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    back_knee, front_knee = pose.xy(back.knee), pose.xy(front.knee)
    front_ankle = pose.xy(front.ankle)

    leg_length_px = max(
        distance_px(pose.xy(L.LEFT_HIP), pose.xy(L.LEFT_KNEE))
        + distance_px(pose.xy(L.LEFT_KNEE), pose.xy(L.LEFT_ANKLE)),
        distance_px(pose.xy(L.RIGHT_HIP), pose.xy(L.RIGHT_KNEE))
        + distance_px(pose.xy(L.RIGHT_KNEE), pose.xy(L.RIGHT_ANKLE)),
        1e-6,
    )
    trunk_length_px = max(distance_px(shoulder, hip), 1e-6)
    shoulder_width_px = abs(float(pose.xy(L.LEFT_SHOULDER)[0] - pose.xy(L.RIGHT_SHOULDER)[0]))
    hip_width_px = abs(float(pose.xy(L.LEFT_HIP)[0] - pose.xy(L.RIGHT_HIP)[0]))
    frontal_ratio = (shoulder_width_px + hip_width_px) / 2.0 / trunk_length_px

    floor = _floor_line(pose, back, front)
    dx = float(front_knee[0] - back_knee[0])
    if abs(dx) > 1e-6:
        facing_x = 1.0 if dx > 0 else -1.0
    else:
        nose_dx = float(pose.xy(L.NOSE)[0] - hip[0])
        facing_x = 1.0 if nose_dx >= 0 else -1.0

    hip_extension_deg = signed_angle_towards_deg(hip - shoulder, back_knee - hip, -facing_x)
    side, confidence = _anatomical_side(pose, back, front, facing_x, leg_length_px)
    back_knee_deg = joint_angle_deg(hip, back_knee, pose.xy(back.ankle))
    depth = _depth_figures(pose, back, front)
    return FormMeasurement(
        visibility_ok=lowest_visibility >= min_visibility,
        min_visibility=lowest_visibility,
        frontal_ratio=frontal_ratio,
        leg_length_px=leg_length_px,
        facing_x=facing_x,
        back_leg=back,
        front_leg=front,
        back_knee_height=floor.height_px(back_knee) / leg_length_px,
        front_knee_height=floor.height_px(front_knee) / leg_length_px,
        hip_height=floor.height_px(hip) / leg_length_px,
        hip_extension_deg=hip_extension_deg,
        front_knee_deg=joint_angle_deg(hip, front_knee, front_ankle),
        front_shin_deg=forward_inclination_deg(front_ankle, front_knee, facing_x),
        trunk_forward_deg=forward_inclination_deg(hip, shoulder, facing_x),
        kneeling_side=side,
        side_confidence=confidence,
        back_knee_deg=back_knee_deg,
        back_knee_height_3d=depth.back_knee_height,
        back_toe_height_3d=depth.back_toe_height,
        back_shin_rise_3d_deg=depth.back_shin_rise_deg,
        front_shin_tilt_3d_deg=depth.front_shin_tilt_deg,
        back_foot_reach=_back_foot_reach(pose, back, leg_length_px),
    )


__all__ = ["FloorLine", "FormMeasurement", "LegPoints", "measure_form"]
