"""Per-frame measurement of the half-kneeling hip flexor stretch (pure geometry on a Pose).

All angles are measured in the image plane, in degrees, from a side or three-quarter view.
The camera sees the trunk line (shoulders to hips), not the lumbar curve itself: "arching"
is inferred from the trunk leaning back behind the hips.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from hipflex.vision.angles import (
    distance_px,
    forward_inclination_deg,
    joint_angle_deg,
    signed_angle_towards_deg,
)
from hipflex.vision.pose import FloatArray, Landmark, Pose

L = Landmark

# tan(30 deg): the steepest floor a camera a little above the person produces.
MAX_FLOOR_SLOPE = 0.577

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


class KneelingSide(Enum):
    """Anatomical side of the kneeling (back) leg."""

    LEFT = "left"
    RIGHT = "right"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class LegPoints:
    """One leg as the geometry sees it (MediaPipe's labels may be swapped or mixed)."""

    label: KneelingSide  # the model's label of the knee (not necessarily anatomical)
    knee: Landmark
    ankle: Landmark
    heel: Landmark
    foot_index: Landmark


_LEFT_LEG = LegPoints(KneelingSide.LEFT, L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX)
_RIGHT_LEG = LegPoints(
    KneelingSide.RIGHT, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX
)


@dataclass(frozen=True)
class FormMeasurement:
    """What one frame shows. Angles in degrees, heights as a fraction of leg length.

    Signs: ``hip_extension_deg`` > 0 when the kneeling thigh is behind the trunk line;
    ``trunk_forward_deg`` > 0 leaning forward, < 0 leaning back; ``front_shin_deg`` > 0 when
    the front knee is ahead of the ankle. ``facing_x`` is +1 when the person faces image
    right, -1 image left.
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
    kneeling_side: KneelingSide
    side_confidence: float


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
    if crossed < 0.7 * straight:
        return (
            LegPoints(
                KneelingSide.LEFT, L.LEFT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX
            ),
            LegPoints(
                KneelingSide.RIGHT, L.RIGHT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX
            ),
        )
    return _LEFT_LEG, _RIGHT_LEG


def _anatomical_side(
    pose: Pose, back: LegPoints, front: LegPoints, facing_x: float, leg_length_px: float
) -> tuple[KneelingSide, float]:
    """Combine the model's label with depth and facing; confidence in [0, 1].

    Facing image right, a person shows the camera their right side; so the near leg (smaller
    z) is the right leg, and the far leg the left one (mirror for facing left).
    """
    label_side = back.label
    depth_gap = (pose.z(front.knee) - pose.z(back.knee)) / max(leg_length_px, 1e-6)
    if abs(depth_gap) < 0.1:
        return label_side, 0.5
    back_is_near = depth_gap > 0
    near_side = KneelingSide.RIGHT if facing_x > 0 else KneelingSide.LEFT
    far_side = KneelingSide.LEFT if facing_x > 0 else KneelingSide.RIGHT
    depth_side = near_side if back_is_near else far_side
    if depth_side is label_side:
        return label_side, 0.85
    return label_side, 0.3


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
    """The line through the back foot's toes and the front foot's lowest point.

    In a three-quarter view seen from above, the back of the body is farther from the camera
    and so higher in the image: a horizontal floor line would lift the back knee off the
    floor. The slope is capped because a misplaced toe landmark must not tilt the floor.
    """
    front_points = [pose.xy(lm) for lm in (front.ankle, front.heel, front.foot_index)]
    front_low = max(front_points, key=lambda p: float(p[1]))
    back_toe = pose.xy(back.foot_index)
    dx = float(front_low[0] - back_toe[0])
    slope = 0.0
    if abs(dx) > 1e-6:
        slope = float(front_low[1] - back_toe[1]) / dx
    slope = max(-MAX_FLOOR_SLOPE, min(MAX_FLOOR_SLOPE, slope))
    return FloorLine(float(front_low[0]), float(front_low[1]), slope)


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
    )


__all__ = ["FloorLine", "FormMeasurement", "KneelingSide", "LegPoints", "measure_form"]
