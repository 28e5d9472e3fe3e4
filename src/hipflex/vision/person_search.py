"""Finding the person in a photo: retries at other scales, and a choice among several people.

MediaPipe's legacy Pose finds **one** person per image, and sometimes none in a photo where a
person is plainly visible (a bright outdoor shot found at 1000 or 1600 px but not at 1280). So
a photo is searched in steps:

1. **Attempts.** The photo as it is (scaled down to at most 1280 px, never up); if nobody
   is found, padded to a square; then scaled to 1000, 1600 and 640 px, plain and padded. The first attempt
   that finds a person wins and is reported by name.
2. **Several people.** The person found is covered with a flat grey box and the search runs
   again on the same attempt, up to ``MAX_PEOPLE`` people. Of everyone found, hipflex follows
   the one with the highest :func:`prominence`: the area of the landmarks' box (largest)
   weighted by how close its centre is to the image centre (most central).

Limits: a person mostly hidden behind another, or touching them, may be covered along with
them and not found; the box is the landmarks' extent, so outstretched limbs of a neighbour can
be covered too. Videos and the live camera follow MediaPipe's tracked person (the search would
cost one extra model run per frame); ask others to step out of the frame.

This module is pure apart from image resizing: the model comes in as an ``estimate`` callable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hipflex.vision.pose import FloatArray, ImageArray, Pose

# One pose estimate: (image, longest side to run the model at in px, or None for the default
# of scaling down only) -> pose in that image's pixels.
EstimateFn = Callable[[ImageArray, int | None], Pose | None]

MAX_PEOPLE = 3
# A box this much covered by an earlier person's box is the same person found again.
SAME_PERSON_OVERLAP = 0.5
# Grey used to cover a person already found (mid-grey: neither a shadow nor a highlight).
COVER_GREY = 128
# The covering box is the landmarks' box grown by this fraction of its size on each side.
COVER_MARGIN = 0.1


@dataclass(frozen=True)
class Attempt:
    """One way of showing the photo to the model."""

    name: str
    side_px: int | None  # longest side the model sees; None: as is (scaled down only)
    pad_to_square: bool


ATTEMPTS: tuple[Attempt, ...] = (
    Attempt("as is", None, False),
    Attempt("padded to a square", None, True),
    Attempt("at 1000 px", 1000, False),
    Attempt("at 1600 px", 1600, False),
    Attempt("padded to a square at 1000 px", 1000, True),
    Attempt("at 640 px", 640, False),
    Attempt("padded to a square at 640 px", 640, True),
)


@dataclass(frozen=True)
class PersonSearch:
    """What the search found. ``pose`` is the person followed (``None``: nobody at all)."""

    pose: Pose | None
    attempt: str | None  # the name of the attempt that found someone
    attempts_tried: int
    people: tuple[Pose, ...] = ()

    @property
    def people_found(self) -> int:
        return len(self.people)


def landmark_box_px(pose: Pose) -> tuple[float, float, float, float]:
    """``(x0, y0, x1, y1)`` of all the landmarks, clipped to the image, in pixels."""
    xy = pose.image_xy_px
    x0 = float(np.clip(xy[:, 0].min(), 0, pose.image_width_px))
    x1 = float(np.clip(xy[:, 0].max(), 0, pose.image_width_px))
    y0 = float(np.clip(xy[:, 1].min(), 0, pose.image_height_px))
    y1 = float(np.clip(xy[:, 1].max(), 0, pose.image_height_px))
    return x0, y0, x1, y1


def prominence(pose: Pose) -> float:
    """Largest and most central: box area over image area, times a centrality in [0.5, 1].

    Centrality falls linearly from 1 at the image centre to 0.5 at a corner, so size matters
    more than position: a person twice as large wins from anywhere in the frame.
    """
    x0, y0, x1, y1 = landmark_box_px(pose)
    width, height = float(pose.image_width_px), float(pose.image_height_px)
    area = (x1 - x0) * (y1 - y0) / max(width * height, 1.0)
    centre = np.array([(x0 + x1) / 2 - width / 2, (y0 + y1) / 2 - height / 2])
    off_centre = float(np.linalg.norm(centre)) / max(float(np.hypot(width, height)) / 2, 1.0)
    return area * (1.0 - 0.5 * min(off_centre, 1.0))


def _covered_fraction(
    box: tuple[float, float, float, float], cover: tuple[float, float, float, float]
) -> float:
    x0, y0 = max(box[0], cover[0]), max(box[1], cover[1])
    x1, y1 = min(box[2], cover[2]), min(box[3], cover[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    area = max((box[2] - box[0]) * (box[3] - box[1]), 1e-6)
    return inter / area


def _pad_to_square(image: ImageArray) -> tuple[ImageArray, int, int]:
    height, width = image.shape[:2]
    side = max(height, width)
    top, left = (side - height) // 2, (side - width) // 2
    canvas = np.full((side, side, 3), COVER_GREY, dtype=np.uint8)
    canvas[top : top + height, left : left + width] = image
    return canvas, left, top


def _shift(pose: Pose, dx_px: float, dy_px: float, width_px: int, height_px: int) -> Pose:
    offset: FloatArray = np.array([dx_px, dy_px], dtype=np.float64)
    return Pose(
        pose.image_xy_px - offset,
        pose.depth_z_px,
        pose.visibility,
        pose.world_xyz_m,
        pose.timestamp_s,
        width_px,
        height_px,
    )


def _run(image: ImageArray, attempt: Attempt, estimate: EstimateFn) -> Pose | None:
    if not attempt.pad_to_square:
        return estimate(image, attempt.side_px)
    square, left, top = _pad_to_square(image)
    pose = estimate(square, attempt.side_px)
    if pose is None:
        return None
    return _shift(pose, left, top, int(image.shape[1]), int(image.shape[0]))


def _cover(image: ImageArray, pose: Pose) -> tuple[ImageArray, tuple[float, float, float, float]]:
    x0, y0, x1, y1 = landmark_box_px(pose)
    mx, my = (x1 - x0) * COVER_MARGIN, (y1 - y0) * COVER_MARGIN
    box = (max(0.0, x0 - mx), max(0.0, y0 - my), x1 + mx, y1 + my)
    covered = image.copy()
    covered[int(box[1]) : int(np.ceil(box[3])), int(box[0]) : int(np.ceil(box[2]))] = COVER_GREY
    return covered, box


def find_person(
    image: ImageArray,
    estimate: EstimateFn,
    *,
    attempts: tuple[Attempt, ...] = ATTEMPTS,
    max_people: int = MAX_PEOPLE,
) -> PersonSearch:
    """Search ``image`` (BGR) as the module describes; the model runs through ``estimate``."""
    for tried, attempt in enumerate(attempts, start=1):
        first = _run(image, attempt, estimate)
        if first is None:
            continue
        people = [first]
        covers: list[tuple[float, float, float, float]] = []
        remaining = image
        while len(people) < max_people:
            remaining, box = _cover(remaining, people[-1])
            covers.append(box)
            other = _run(remaining, attempt, estimate)
            if other is None or any(
                _covered_fraction(landmark_box_px(other), cover) > SAME_PERSON_OVERLAP
                for cover in covers
            ):
                break
            people.append(other)
        chosen = max(people, key=prominence)
        return PersonSearch(chosen, attempt.name, tried, tuple(people))
    return PersonSearch(None, None, len(attempts))


__all__ = [
    "ATTEMPTS",
    "Attempt",
    "EstimateFn",
    "PersonSearch",
    "find_person",
    "landmark_box_px",
    "prominence",
]
