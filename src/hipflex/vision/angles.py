"""Plane geometry on image points (pixels, y downwards). Every angle is in degrees."""

from __future__ import annotations

import math

import numpy as np

from hipflex.vision.pose import FloatArray

# "Up" in image coordinates: y grows downwards.
IMAGE_UP = np.array([0.0, -1.0])


def angle_between_deg(a: FloatArray, b: FloatArray) -> float:
    """Unsigned angle between vectors ``a`` and ``b`` in [0, 180]; NaN if either is zero."""
    if float(np.linalg.norm(a)) == 0.0 or float(np.linalg.norm(b)) == 0.0:
        return math.nan
    # atan2 of |cross| and dot stays exact near 0 and 180 degrees, unlike acos.
    cross = float(a[0] * b[1] - a[1] * b[0])
    return math.degrees(math.atan2(abs(cross), float(np.dot(a, b))))


def signed_angle_deg(a: FloatArray, b: FloatArray) -> float:
    """Angle turning ``a`` onto ``b`` in (-180, 180], positive counter-clockwise on screen.

    On screen (y down) counter-clockwise means the mathematical orientation is mirrored,
    so the sign is taken from ``-cross(a, b)``.
    """
    cross = float(a[0] * b[1] - a[1] * b[0])
    dot = float(np.dot(a, b))
    if cross == 0.0 and dot == 0.0:
        return math.nan
    return math.degrees(math.atan2(0.0 - cross, dot))  # 0.0 - x: never -0.0


def joint_angle_deg(a: FloatArray, joint: FloatArray, c: FloatArray) -> float:
    """Angle at ``joint`` between the segments to ``a`` and ``c`` (180 = straight)."""
    return angle_between_deg(a - joint, c - joint)


def inclination_from_vertical_deg(lower: FloatArray, upper: FloatArray) -> float:
    """Unsigned angle of the segment ``lower`` -> ``upper`` from straight up, in [0, 180]."""
    return angle_between_deg(upper - lower, IMAGE_UP)


def forward_inclination_deg(lower: FloatArray, upper: FloatArray, forward_x: float) -> float:
    """Signed lean of ``lower`` -> ``upper`` from vertical; positive when the upper end is
    ahead (towards ``forward_x``, +1 or -1 along the image x axis), negative when behind."""
    v = upper - lower
    return math.degrees(math.atan2(float(v[0]) * forward_x, float(-v[1])))


def signed_angle_towards_deg(reference: FloatArray, segment: FloatArray, towards_x: float) -> float:
    """Angle of ``segment`` from ``reference``, positive when it turns towards ``towards_x``.

    ``towards_x`` is +1 (image right) or -1 (image left). Used for hip extension: the
    reference is the trunk line continued below the hip, the segment is the thigh, and
    ``towards_x`` points backwards.
    """
    ref_norm = float(np.linalg.norm(reference))
    if ref_norm == 0.0 or float(np.linalg.norm(segment)) == 0.0:
        return math.nan
    along = reference / ref_norm
    perpendicular = np.array([-along[1], along[0]])
    if float(perpendicular[0]) * towards_x < 0 or (
        perpendicular[0] == 0.0 and float(perpendicular[1]) < 0
    ):
        perpendicular = -perpendicular
    return math.degrees(
        math.atan2(float(np.dot(segment, perpendicular)), float(np.dot(segment, along)))
    )


def distance_px(a: FloatArray, b: FloatArray) -> float:
    """Euclidean distance between two points."""
    return float(np.linalg.norm(a - b))
