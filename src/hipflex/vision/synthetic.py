"""Synthetic skeletons with exact angles, for tests and demos (no camera, no model).

:func:`kneeling_pose` builds a side-view half-kneeling skeleton on a horizontal floor whose
measured hip extension, trunk inclination, front knee angle and front shin angle are
exactly the requested ones.
"""

from __future__ import annotations

import math

import numpy as np

from hipflex.vision.pose import LANDMARK_COUNT, FloatArray, Landmark, Pose

L = Landmark


def _set(xy: FloatArray, landmark: Landmark, point: FloatArray) -> None:
    xy[int(landmark)] = point


def kneeling_pose(
    *,
    hip_extension_deg: float = 20.0,
    trunk_forward_deg: float = 0.0,
    front_knee_deg: float = 90.0,
    front_shin_deg: float = 0.0,
    back_knee_height: float = 0.05,
    facing_x: float = 1.0,
    kneeling_label: str = "right",
    body_width_px: float = 0.0,
    visibility: float = 0.95,
    back_leg_near: bool | None = None,
    timestamp_s: float = 0.0,
    thigh_px: float = 100.0,
    back_shin_px: float = 120.0,
    trunk_px: float = 140.0,
    floor_y_px: float = 420.0,
    back_knee_x_px: float | None = None,
    image_size_px: tuple[int, int] = (640, 480),
) -> Pose:
    """A half-kneeling skeleton (see module doc). Heights are fractions of leg length,
    which is ``thigh_px + back_shin_px``; the front shin is sized to reach the floor and
    must come out shorter than the back shin, else ``ValueError``.

    ``kneeling_label`` is the model label given to the back leg; ``body_width_px`` spreads
    left and right shoulders and hips apart along x (0 = pure side view). ``back_leg_near``
    puts the back leg nearer the camera (default: consistent with the label and facing).
    """
    f = 1.0 if facing_x >= 0 else -1.0
    width_px, height_px = image_size_px
    leg_px = thigh_px + back_shin_px
    if back_knee_x_px is None:
        back_knee_x_px = width_px / 2 - f * 0.3 * leg_px
    back_knee = np.array([back_knee_x_px, floor_y_px - back_knee_height * leg_px])

    trunk_rad = math.radians(trunk_forward_deg)
    thigh_rad = math.radians(trunk_forward_deg + hip_extension_deg)
    thigh_dir = np.array([-math.sin(thigh_rad) * f, math.cos(thigh_rad)])
    hip = back_knee - thigh_px * thigh_dir
    shoulder = hip + trunk_px * np.array([math.sin(trunk_rad) * f, -math.cos(trunk_rad)])

    # Back shin lies along the floor behind the knee, toes on the floor.
    back_ankle_y = floor_y_px - 0.06 * leg_px
    back_ankle_dx = math.sqrt(max(back_shin_px**2 - (back_ankle_y - float(back_knee[1])) ** 2, 0.0))
    back_ankle = np.array([back_knee[0] - f * back_ankle_dx, back_ankle_y])
    back_heel = back_ankle + np.array([0.0, -0.05 * leg_px])
    back_toe = np.array([back_ankle[0] - f * 0.08 * leg_px, floor_y_px])

    # Front leg: shin at front_shin_deg from vertical, thigh at front_knee_deg from the shin.
    shin_rad = math.radians(front_shin_deg)
    knee_to_ankle = np.array([-math.sin(shin_rad) * f, math.cos(shin_rad)])
    bend_rad = math.radians(front_knee_deg)
    # Rotate knee->ankle by the knee angle towards the back to point knee->hip.
    sign = 1.0 if f > 0 else -1.0
    cos_b, sin_b = math.cos(bend_rad), math.sin(bend_rad) * sign
    knee_to_hip = np.array(
        [
            cos_b * knee_to_ankle[0] - sin_b * knee_to_ankle[1],
            sin_b * knee_to_ankle[0] + cos_b * knee_to_ankle[1],
        ]
    )
    if float(knee_to_hip[0]) * f > 0:  # rotated the wrong way: mirror
        cos_b, sin_b = math.cos(bend_rad), -math.sin(bend_rad) * sign
        knee_to_hip = np.array(
            [
                cos_b * knee_to_ankle[0] - sin_b * knee_to_ankle[1],
                sin_b * knee_to_ankle[0] + cos_b * knee_to_ankle[1],
            ]
        )
    front_knee = hip - thigh_px * knee_to_hip
    front_ankle_y = floor_y_px - 0.06 * leg_px
    front_shin_px = (front_ankle_y - float(front_knee[1])) / math.cos(shin_rad)
    if not 0 < front_shin_px <= back_shin_px:
        raise ValueError(f"front shin would be {front_shin_px:.0f} px; change the angles")
    front_ankle = front_knee + front_shin_px * knee_to_ankle
    front_heel = np.array([front_ankle[0] - f * 0.03 * leg_px, floor_y_px])
    front_toe = np.array([front_ankle[0] + f * 0.12 * leg_px, floor_y_px])

    xy = np.zeros((LANDMARK_COUNT, 2))
    head = shoulder + (shoulder - hip) * 0.25
    xy[:] = head
    _set(xy, L.NOSE, head + np.array([f * 0.08 * leg_px, 0.0]))
    half = np.array([body_width_px / 2.0, 0.0])
    back_is_right = kneeling_label == "right"
    _set(xy, L.LEFT_SHOULDER, shoulder - half)
    _set(xy, L.RIGHT_SHOULDER, shoulder + half)
    _set(xy, L.LEFT_HIP, hip - half)
    _set(xy, L.RIGHT_HIP, hip + half)
    for name in ("ELBOW", "WRIST"):
        for side in ("LEFT", "RIGHT"):
            _set(xy, Landmark.__members__[f"{side}_{name}"], hip + np.array([0.0, -0.1 * leg_px]))
    back = "RIGHT" if back_is_right else "LEFT"
    front = "LEFT" if back_is_right else "RIGHT"
    for side, knee, ankle, heel, toe in (
        (back, back_knee, back_ankle, back_heel, back_toe),
        (front, front_knee, front_ankle, front_heel, front_toe),
    ):
        _set(xy, Landmark.__members__[f"{side}_KNEE"], knee)
        _set(xy, Landmark.__members__[f"{side}_ANKLE"], ankle)
        _set(xy, Landmark.__members__[f"{side}_HEEL"], heel)
        _set(xy, Landmark.__members__[f"{side}_FOOT_INDEX"], toe)

    z = np.zeros(LANDMARK_COUNT)
    # Facing image right, the right side is nearer the camera (smaller z).
    if back_leg_near is None:
        back_leg_near = back_is_right == (f > 0)
    depth_px = -0.3 * leg_px if back_leg_near else 0.3 * leg_px
    for lm in (f"{back}_KNEE", f"{back}_ANKLE"):
        z[int(Landmark.__members__[lm])] = depth_px
    for lm in (f"{front}_KNEE", f"{front}_ANKLE"):
        z[int(Landmark.__members__[lm])] = -depth_px
    return Pose(
        image_xy_px=xy,
        depth_z_px=z,
        visibility=np.full(LANDMARK_COUNT, visibility),
        world_xyz_m=None,
        timestamp_s=timestamp_s,
        image_width_px=width_px,
        image_height_px=height_px,
    )
