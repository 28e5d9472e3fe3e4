"""Draw the skeleton, the state, the measured angles and a legend on a frame (OpenCV).

The angles and the legend go in one box, in the image corner that covers the least of the
skeleton, so no label sits on a limb. The legend says what the coloured shin lines are and
which knee is down.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hipflex.domain.protocol import Side
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
TEXT_BGR = (255, 255, 255)
DEGREE = "°"


def status_colour(status: FormStatus) -> tuple[int, int, int]:
    """Green for good form, orange for a fault, grey otherwise."""
    if status is FormStatus.GOOD:
        return GOOD_BGR
    if status.is_fault:
        return FAULT_BGR
    return IDLE_BGR


def _pt(xy: Any) -> tuple[int, int]:
    return round(float(xy[0])), round(float(xy[1]))


def _text_size(cv2: Any, text: str, scale: float, thickness: int) -> tuple[int, int, int]:
    """Width, height and baseline of ``text``; a degree sign is drawn as a small ring."""
    font = cv2.FONT_HERSHEY_SIMPLEX
    (w, h), base = cv2.getTextSize(text.replace(DEGREE, "o"), font, scale, thickness)
    return w, h, base


def _put_text(
    cv2: Any, image: ImageArray, text: str, origin: tuple[int, int], scale: float, thickness: int
) -> None:
    """``cv2.putText`` with "°" drawn as a ring (Hershey fonts have no degree sign)."""
    font = cv2.FONT_HERSHEY_SIMPLEX
    x, y = origin
    parts = text.split(DEGREE)
    for index, part in enumerate(parts):
        if part:
            cv2.putText(image, part, (x, y), font, scale, TEXT_BGR, thickness, cv2.LINE_AA)
            x += cv2.getTextSize(part, font, scale, thickness)[0][0]
        if index < len(parts) - 1:
            (_, h), _ = cv2.getTextSize("0", font, scale, thickness)
            radius = max(2, round(h * 0.22))
            cv2.circle(image, (x + radius + 1, y - h + radius), radius, TEXT_BGR, 1, cv2.LINE_AA)
            x += 2 * radius + 4


def _skeleton_box(pose: Pose) -> tuple[float, float, float, float]:
    xy = pose.image_xy_px
    return (
        float(xy[:, 0].min()),
        float(xy[:, 1].min()),
        float(xy[:, 0].max()),
        float(xy[:, 1].max()),
    )


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0.0) * max(h, 0.0)


def _side_text(side: Side | None) -> str:
    return f"{side.value} knee down" if side is not None else "kneeling leg"


def info_lines(
    measurement: FormMeasurement | None, kneeling_side: Side | None
) -> list[tuple[str, tuple[int, int, int] | None]]:
    """The info box's lines, each with the colour of its legend swatch (or none)."""
    if measurement is None:
        return []
    m = measurement
    lean = "forward" if m.trunk_forward_deg >= 0 else "back"
    return [
        (f"hip extension {m.hip_extension_deg:.0f}{DEGREE}", None),
        (f"trunk {abs(m.trunk_forward_deg):.0f}{DEGREE} {lean}", None),
        (f"front knee {m.front_knee_deg:.0f}{DEGREE}", None),
        (f"back shin: {_side_text(kneeling_side)}", BACK_LEG_BGR),
        ("front shin", FRONT_LEG_BGR),
    ]


def _draw_info_box(
    cv2: Any,
    canvas: ImageArray,
    lines: list[tuple[str, tuple[int, int, int] | None]],
    avoid: tuple[float, float, float, float] | None,
    top_px: int,
    scale: float,
) -> None:
    thickness = max(1, round(scale * 2))
    sizes = [_text_size(cv2, text, scale, thickness) for text, _ in lines]
    line_h = max(h + base for _, h, base in sizes) + 6
    swatch = line_h
    box_w = max(w for w, _, _ in sizes) + swatch + 16
    box_h = line_h * len(lines) + 8
    height_px, width_px = canvas.shape[:2]
    corners = [
        (4, top_px + 4),
        (width_px - box_w - 4, top_px + 4),
        (4, height_px - box_h - 4),
        (width_px - box_w - 4, height_px - box_h - 4),
    ]
    x0, y0 = min(
        corners,
        key=lambda c: (
            _overlap((c[0], c[1], c[0] + box_w, c[1] + box_h), avoid) if avoid is not None else 0.0
        ),
    )
    x0, y0 = max(0, x0), max(0, y0)
    region = canvas[y0 : y0 + box_h, x0 : x0 + box_w]
    # A translucent box: the photo stays visible under it.
    cv2.addWeighted(region, 0.35, np.full_like(region, TEXT_BG_BGR), 0.65, 0.0, dst=region)
    for index, ((text, colour), (_, h, _)) in enumerate(zip(lines, sizes, strict=True)):
        y = y0 + 4 + index * line_h
        if colour is not None:
            mid = y + line_h // 2
            cv2.line(canvas, (x0 + 6, mid), (x0 + swatch, mid), colour, max(2, thickness + 1))
        _put_text(cv2, canvas, text, (x0 + swatch + 10, y + h + 3), scale, thickness)


def draw_annotations(
    image: ImageArray,
    pose: Pose | None,
    status: FormStatus,
    measurement: FormMeasurement | None,
    *,
    good_form_s: float | None = None,
    in_place: bool = False,
    message: str | None = None,
    kneeling_side: Side | None = None,
) -> ImageArray:
    """Return ``image`` (a copy unless ``in_place``) with skeleton, state banner, clock and
    an info box with the angles and the legend. ``pose`` is in the pixels of ``image``;
    ``message`` replaces the status's own text in the banner (e.g. the part missing)."""
    import cv2

    canvas = image if in_place else image.copy()
    height_px, width_px = canvas.shape[:2]
    unit = max(height_px, width_px) / 1000.0
    line = max(1, round(3 * unit))
    radius = max(2, round(5 * unit))
    font_scale = max(0.35, 0.55 * unit)
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
        for index in range(xy.shape[0]):
            if index > int(Landmark.MOUTH_RIGHT):
                cv2.circle(canvas, _pt(xy[index]), radius, colour, -1, cv2.LINE_AA)

    banner = (message or status.message).upper()
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
    lines = info_lines(measurement, kneeling_side)
    if lines:
        avoid = _skeleton_box(pose) if pose is not None else None
        _draw_info_box(cv2, canvas, lines, avoid, banner_h, font_scale)
    return np.ascontiguousarray(canvas)
