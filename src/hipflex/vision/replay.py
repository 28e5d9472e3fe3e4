"""Recorded landmarks (JSON) as a pose source: tests and demos with no model and no camera.

Format ``hipflex-landmarks/1``::

    {"format": "hipflex-landmarks/1", "source": "clip.mp4", "fps": 10.0,
     "image_width_px": 640, "image_height_px": 480,
     "frames": [{"t": 0.0, "pose": null},
                {"t": 0.1, "pose": {"xy": [[x, y], ...33], "z": [...33], "vis": [...33],
                                     "world": [[x, y, z], ...33] or null}}]}

Image coordinates are pixels, as in :class:`~hipflex.vision.pose.Pose`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from hipflex.errors import MediaError
from hipflex.vision.pose import Frame, Pose

FORMAT = "hipflex-landmarks/1"


def pose_to_dict(pose: Pose) -> dict[str, Any]:
    """A compact JSON-ready form of ``pose`` (0.1 px, 3-decimal metres and visibility)."""
    return {
        "xy": np.round(pose.image_xy_px, 1).tolist(),
        "z": np.round(pose.depth_z_px, 1).tolist(),
        "vis": np.round(pose.visibility, 3).tolist(),
        "world": None if pose.world_xyz_m is None else np.round(pose.world_xyz_m, 3).tolist(),
    }


def pose_from_dict(data: dict[str, Any], timestamp_s: float, width_px: int, height_px: int) -> Pose:
    """The inverse of :func:`pose_to_dict`."""
    world = data.get("world")
    return Pose(
        image_xy_px=np.asarray(data["xy"], dtype=np.float64),
        depth_z_px=np.asarray(data["z"], dtype=np.float64),
        visibility=np.asarray(data["vis"], dtype=np.float64),
        world_xyz_m=None if world is None else np.asarray(world, dtype=np.float64),
        timestamp_s=timestamp_s,
        image_width_px=width_px,
        image_height_px=height_px,
    )


def recording_to_dict(
    frames: Iterable[Frame], *, source: str, fps: float, width_px: int, height_px: int
) -> dict[str, Any]:
    """Serialise frames (their poses and times, never their pixels)."""
    return {
        "format": FORMAT,
        "source": source,
        "fps": fps,
        "image_width_px": width_px,
        "image_height_px": height_px,
        "frames": [
            {
                "t": round(frame.timestamp_s, 4),
                "pose": None if frame.pose is None else pose_to_dict(frame.pose),
            }
            for frame in frames
        ],
    }


class ReplaySource:
    """Replays a recording; frames carry no image. Iterating twice replays twice."""

    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("format") != FORMAT:
            raise MediaError(f"not a {FORMAT} recording (format={data.get('format')!r})")
        self.source = str(data.get("source", ""))
        self.fps = float(data.get("fps", 0.0))
        self.width_px = int(data["image_width_px"])
        self.height_px = int(data["image_height_px"])
        self._frames: list[dict[str, Any]] = list(data["frames"])

    @classmethod
    def from_file(cls, path: Path) -> ReplaySource:
        """Load a recording; :class:`MediaError` if it is missing or malformed."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise MediaError(f"{path}: cannot read landmark recording ({exc})") from exc
        if not isinstance(data, dict):
            raise MediaError(f"{path}: not a landmark recording")
        return cls(data)

    def __len__(self) -> int:
        return len(self._frames)

    def __iter__(self) -> Iterator[Frame]:
        for index, item in enumerate(self._frames):
            t = float(item["t"])
            raw = item.get("pose")
            pose = None if raw is None else pose_from_dict(raw, t, self.width_px, self.height_px)
            yield Frame(t, pose, None, index)
