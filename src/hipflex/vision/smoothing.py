"""One Euro filter (Casiez et al. 2012) on landmark arrays, driven by frame timestamps.

The filter smooths jitter when the body is still and follows quickly when it moves. It
reads time only from the timestamps passed in, so a video processed faster than real time
is smoothed exactly as it would be live.
"""

from __future__ import annotations

import math

import numpy as np

from hipflex.vision.pose import FloatArray, Pose


def _alpha(cutoff_hz: float, dt_s: float) -> float:
    tau_s = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau_s / dt_s)


class OneEuroFilter:
    """Element-wise One Euro filter over numpy arrays of a fixed shape.

    ``min_cutoff_hz`` sets smoothing at rest, ``beta`` how fast the cutoff rises with speed
    (speed in units of the values per second), ``d_cutoff_hz`` smooths the speed estimate.
    """

    def __init__(
        self, min_cutoff_hz: float = 1.5, beta: float = 5.0, d_cutoff_hz: float = 1.0
    ) -> None:
        self.min_cutoff_hz = min_cutoff_hz
        self.beta = beta
        self.d_cutoff_hz = d_cutoff_hz
        self._value: FloatArray | None = None
        self._speed: FloatArray | None = None
        self._timestamp_s: float | None = None

    def reset(self) -> None:
        """Forget the past: the next value passes through unchanged."""
        self._value = None
        self._speed = None
        self._timestamp_s = None

    def __call__(self, value: FloatArray, timestamp_s: float) -> FloatArray:
        """Filter ``value`` observed at ``timestamp_s``; returns the smoothed array."""
        if self._value is None or self._timestamp_s is None or self._value.shape != value.shape:
            self._value = value.astype(np.float64, copy=True)
            self._speed = np.zeros_like(self._value)
            self._timestamp_s = timestamp_s
            return self._value.copy()
        dt_s = timestamp_s - self._timestamp_s
        if dt_s <= 0.0:
            return self._value.copy()
        assert self._speed is not None
        raw_speed = (value - self._value) / dt_s
        a_d = _alpha(self.d_cutoff_hz, dt_s)
        self._speed = a_d * raw_speed + (1.0 - a_d) * self._speed
        cutoff_hz = self.min_cutoff_hz + self.beta * np.abs(self._speed)
        tau_s = 1.0 / (2.0 * math.pi * cutoff_hz)
        a = 1.0 / (1.0 + tau_s / dt_s)
        self._value = a * value + (1.0 - a) * self._value
        self._timestamp_s = timestamp_s
        return self._value.copy()


class PoseSmoother:
    """Smooths every coordinate of successive poses of one person.

    Image coordinates are filtered in units of the image height, so the same parameters
    work at any resolution. A gap longer than ``reset_after_s`` (the person left) or a
    change of image size starts afresh.
    """

    def __init__(
        self, min_cutoff_hz: float = 1.5, beta: float = 5.0, reset_after_s: float = 1.0
    ) -> None:
        self.reset_after_s = reset_after_s
        self._xy = OneEuroFilter(min_cutoff_hz, beta)
        self._z = OneEuroFilter(min_cutoff_hz, beta)
        self._world = OneEuroFilter(min_cutoff_hz, beta)
        self._last: Pose | None = None

    def reset(self) -> None:
        """Forget the past."""
        for f in (self._xy, self._z, self._world):
            f.reset()
        self._last = None

    def __call__(self, pose: Pose) -> Pose:
        """The smoothed version of ``pose`` (same timestamp, visibility unfiltered)."""
        last = self._last
        if last is not None and (
            pose.timestamp_s - last.timestamp_s > self.reset_after_s
            or (pose.image_width_px, pose.image_height_px)
            != (last.image_width_px, last.image_height_px)
            or (pose.world_xyz_m is None) != (last.world_xyz_m is None)
        ):
            self.reset()
        scale = float(max(pose.image_height_px, 1))
        t = pose.timestamp_s
        xy = self._xy(pose.image_xy_px / scale, t) * scale
        z = self._z(pose.depth_z_px / scale, t) * scale
        world = None if pose.world_xyz_m is None else self._world(pose.world_xyz_m, t)
        smoothed = Pose(xy, z, pose.visibility, world, t, pose.image_width_px, pose.image_height_px)
        self._last = smoothed
        return smoothed
