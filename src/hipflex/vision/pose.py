"""Our own pose type: 33 body landmarks, independent of the model that produced them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
ImageArray = NDArray[np.uint8]

LANDMARK_COUNT = 33


class Landmark(IntEnum):
    """Landmark indices (the BlazePose / MediaPipe Pose topology)."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


# Bones drawn by the annotator (pairs of landmark indices).
SKELETON_EDGES: tuple[tuple[Landmark, Landmark], ...] = (
    (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_ELBOW),
    (Landmark.LEFT_ELBOW, Landmark.LEFT_WRIST),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_ELBOW),
    (Landmark.RIGHT_ELBOW, Landmark.RIGHT_WRIST),
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_HIP),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_HIP),
    (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
    (Landmark.LEFT_HIP, Landmark.LEFT_KNEE),
    (Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE),
    (Landmark.LEFT_ANKLE, Landmark.LEFT_HEEL),
    (Landmark.LEFT_HEEL, Landmark.LEFT_FOOT_INDEX),
    (Landmark.LEFT_ANKLE, Landmark.LEFT_FOOT_INDEX),
    (Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE),
    (Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE),
    (Landmark.RIGHT_ANKLE, Landmark.RIGHT_HEEL),
    (Landmark.RIGHT_HEEL, Landmark.RIGHT_FOOT_INDEX),
    (Landmark.RIGHT_ANKLE, Landmark.RIGHT_FOOT_INDEX),
)


@dataclass(frozen=True)
class Pose:
    """One person's landmarks in one frame.

    ``image_xy_px`` holds image coordinates in **pixels** (x to the right, y downwards,
    origin at the top-left corner), so angles measured on it are true image-plane angles
    whatever the aspect ratio. ``depth_z_px`` is the model's relative depth (smaller is
    nearer the camera, origin at the hips) on the same pixel scale as x. ``visibility`` is
    in [0, 1]. ``world_xyz_m`` are the model's metric coordinates (metres, origin between
    the hips, y downwards), or ``None`` when the source has none.
    """

    image_xy_px: FloatArray  # (33, 2)
    depth_z_px: FloatArray  # (33,)
    visibility: FloatArray  # (33,)
    world_xyz_m: FloatArray | None  # (33, 3)
    timestamp_s: float
    image_width_px: int
    image_height_px: int

    def __post_init__(self) -> None:
        if self.image_xy_px.shape != (LANDMARK_COUNT, 2):
            raise ValueError(f"image_xy_px must be (33, 2), got {self.image_xy_px.shape}")
        if self.depth_z_px.shape != (LANDMARK_COUNT,):
            raise ValueError(f"depth_z_px must be (33,), got {self.depth_z_px.shape}")
        if self.visibility.shape != (LANDMARK_COUNT,):
            raise ValueError(f"visibility must be (33,), got {self.visibility.shape}")
        if self.world_xyz_m is not None and self.world_xyz_m.shape != (LANDMARK_COUNT, 3):
            raise ValueError(f"world_xyz_m must be (33, 3), got {self.world_xyz_m.shape}")

    def xy(self, landmark: Landmark) -> FloatArray:
        """Image position of ``landmark`` in pixels, shape (2,)."""
        point: FloatArray = self.image_xy_px[int(landmark)]
        return point

    def z(self, landmark: Landmark) -> float:
        """Relative depth of ``landmark`` in pixels (smaller is nearer the camera)."""
        return float(self.depth_z_px[int(landmark)])

    def vis(self, landmark: Landmark) -> float:
        """Visibility of ``landmark`` in [0, 1]."""
        return float(self.visibility[int(landmark)])

    def scaled(self, factor: float) -> Pose:
        """The same pose on an image resized by ``factor`` (world coordinates unchanged)."""
        return Pose(
            self.image_xy_px * factor,
            self.depth_z_px * factor,
            self.visibility,
            self.world_xyz_m,
            self.timestamp_s,
            round(self.image_width_px * factor),
            round(self.image_height_px * factor),
        )

    def with_timestamp(self, timestamp_s: float) -> Pose:
        """The same landmarks stamped with another time."""
        return Pose(
            self.image_xy_px,
            self.depth_z_px,
            self.visibility,
            self.world_xyz_m,
            timestamp_s,
            self.image_width_px,
            self.image_height_px,
        )


@dataclass(frozen=True)
class Frame:
    """One frame from a pose source: its time, optionally its pixels (BGR), and the pose."""

    timestamp_s: float
    pose: Pose | None
    image: ImageArray | None = None
    index: int = 0


@runtime_checkable
class PoseSource(Protocol):
    """Anything that yields frames in time order (camera, video file, images, replay)."""

    def __iter__(self) -> Iterator[Frame]: ...
