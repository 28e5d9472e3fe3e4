"""Draw the skeleton, the measured angles, the state and the hold clock on a frame (OpenCV)."""

from __future__ import annotations

from typing import Any

import numpy as np

from hipflex.vision.form import FormMeasurement
from hipflex.vision.form_rules import FormStatus
from hipflex.vision.pose import SKELETON_EDGES, ImageArray, Landmark, Pose

# BGR colours.
GOOD_BGR = (80, 200, 60)
FAULT_BGR = (0, 140, 255)
IDLE_BGR = (180, 180, 180)
BACK_LEG_BGR = (255, 120, 0)
FRONT_LEG_BGR = (0, 215, 255)
TEXT_BG_BGR = (30, 30, 30)


def status_colour(status: FormStatus) -> tuple[int, int, int]:
    """Green for good form, orange for a fault, grey otherwise."""
    if status is FormStatus.GOOD:
        return GOOD_BGR
    if status.is_fault:
        return FAULT_BGR
    return IDLE_BGR


def _pt(xy: Any) -> tuple[int, int]:
    return round(float(xy[0])), round(float(xy[1]))


def _label(cv2: Any, image: ImageArray, text: str, origin: tuple[int, int], scale: float) -> None:
    font = cv2.FONT_HERSHEY_SIMPLEX
    thickness = max(1, round(scale * 2))
    (w, h), base = cv2.getTextSize(text, font, scale, thickness)
    x, y = origin
    x = min(max(0, x), max(0, image.shape[1] - w - 4))
    y = min(max(h + 4, y), image.shape[0] - 4)
    cv2.rectangle(image, (x - 2, y - h - 4), (x + w + 2, y + base), TEXT_BG_BGR, -1)
    cv2.putText(image, text, (x, y), font, scale, (255, 255, 255), thickness, cv2.LINE_AA)


def draw_annotations(
    image: ImageArray,
    pose: Pose | None,
    status: FormStatus,
    measurement: FormMeasurement | None,
    *,
    good_form_s: float | None = None,
    in_place: bool = False,
) -> ImageArray:
    """Return ``image`` (a copy unless ``in_place``) with skeleton, angles, state, clock.

    ``pose`` must be in the pixel coordinates of ``image``.
    """
    import cv2

    canvas = image if in_place else image.copy()
    height_px, width_px = canvas.shape[:2]
    unit = max(height_px, width_px) / 1000.0
    line = max(1, round(3 * unit))
    radius = max(2, round(5 * unit))
    font_scale = max(0.35, 0.6 * unit)
    colour = status_colour(status)

    if pose is not None:
        xy = pose.image_xy_px
        for a, b in SKELETON_EDGES:
            cv2.line(canvas, _pt(xy[a]), _pt(xy[b]), colour, line, cv2.LINE_AA)
        if measurement is not None:
            for leg, leg_colour in (
                (measurement.back_leg, BACK_LEG_BGR),
                (measurement.front_leg, FRONT_LEG_BGR),
            ):
                cv2.line(canvas, _pt(xy[leg.knee]), _pt(xy[leg.ankle]), leg_colour, line + 1)
            hip = (xy[Landmark.LEFT_HIP] + xy[Landmark.RIGHT_HIP]) / 2
            shoulder = (xy[Landmark.LEFT_SHOULDER] + xy[Landmark.RIGHT_SHOULDER]) / 2
            cv2.line(canvas, _pt(hip), _pt(shoulder), colour, line + 1, cv2.LINE_AA)
            for point in (hip, xy[measurement.back_leg.knee], xy[measurement.front_leg.knee]):
                cv2.circle(canvas, _pt(point), radius + 1, (255, 255, 255), -1)
            offset = round(12 * unit)
            _label(
                cv2,
                canvas,
                f"hip ext {measurement.hip_extension_deg:.0f} deg",
                (_pt(hip)[0] + offset, _pt(hip)[1]),
                font_scale,
            )
            _label(
                cv2,
                canvas,
                f"trunk {measurement.trunk_forward_deg:+.0f} deg",
                (_pt(shoulder)[0] + offset, _pt(shoulder)[1]),
                font_scale,
            )
            front_knee = _pt(xy[measurement.front_leg.knee])
            _label(
                cv2,
                canvas,
                f"knee {measurement.front_knee_deg:.0f} / shin {measurement.front_shin_deg:+.0f}",
                (front_knee[0] + offset, front_knee[1] - offset),
                font_scale,
            )
        for index in range(xy.shape[0]):
            if index > int(Landmark.MOUTH_RIGHT):
                cv2.circle(canvas, _pt(xy[index]), radius, colour, -1, cv2.LINE_AA)

    banner = status.message.upper()
    if good_form_s is not None:
        banner += f"   good form {good_form_s:5.1f} s"
    banner_h = max(18, round(40 * unit))
    cv2.rectangle(canvas, (0, 0), (width_px, banner_h), colour, -1)
    cv2.putText(
        canvas,
        banner,
        (round(8 * unit) + 2, banner_h - round(12 * unit) - 1),
        cv2.FONT_HERSHEY_SIMPLEX,
        font_scale * 1.1,
        (20, 20, 20),
        max(1, round(2 * unit)),
        cv2.LINE_AA,
    )
    return np.ascontiguousarray(canvas)
