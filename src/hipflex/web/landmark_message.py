"""Landmark messages from the page's in-browser pose model: validated, limited, made a ``Pose``.

When the page runs MediaPipe Pose itself, it sends landmarks instead of camera frames::

    {"type": "landmarks", "timestamp_ms": 1234.5, "width_px": 640, "height_px": 480,
     "landmarks": [[x, y, z, visibility], ... 33 rows],     (or null: nobody seen)
     "world_landmarks": [[x, y, z], ... 33 rows]}            (optional; null with landmarks)

x and y are normalised to the frame (0..1 inside it), z is MediaPipe's relative depth on the
scale of x, visibility is 0..1, ``timestamp_ms`` is the page's clock (``performance.now()``)
when the frame was captured. ``world_landmarks`` are the model's metric landmarks (metres, hips
at the origin): the form check's depth figures (back knee and toe above the floor, shin
angles) read them, as on the Python path; without them it falls back to the relative z, which
the two models estimate differently enough to flip verdicts. Everything here is pure: the caller passes the server's receive
time (monotonic seconds), so tests need no clock.

The server decides form from the landmarks; a message carrying anything else (a form status,
an ``in_position`` flag) is refused, never believed.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from hipflex.vision.pose import LANDMARK_COUNT, FloatArray, Pose

MESSAGE_TYPE = "landmarks"
# 33 × 4 + 33 × 3 numbers at full float precision are about 6 kB; twice that is plenty.
MAX_MESSAGE_BYTES = 12 * 1024
# Landmarks of limbs outside the frame are extrapolated past its edges; one frame size beyond
# each edge is still a body part, further is garbage.
MIN_NORMALISED_XY = -1.0
MAX_NORMALISED_XY = 2.0
# MediaPipe's z is on the scale of x with the hips at 0: a body is well within ±3 frame widths.
MAX_ABS_DEPTH = 3.0
# World landmarks are metres from the hips' midpoint: a body lies well within ±3 m.
MAX_ABS_WORLD_M = 3.0
MIN_FRAME_SIDE_PX = 32
MAX_FRAME_SIDE_PX = 8192
# The page's clock may run ahead of the server's by this much since the first message (network
# jitter on that first message); more is a clock that lies.
MAX_AHEAD_S = 2.0
# A frame that arrives this much later than the first message's timing implies is out of date.
MAX_LAG_S = 5.0
# A camera gives at most 30 or 60 frames a second; a burst allows for a network hiccup.
RATE_PER_S = 40.0
BURST = 40

# The type key anywhere in the text: the live socket's cheap check for which parser to use
# (the full check is parse_landmark_message's).
_LANDMARK_TYPE = re.compile(r'"type"\s*:\s*"landmarks"')

_FIELDS = frozenset({"type", "timestamp_ms", "width_px", "height_px", "landmarks"})
_OPTIONAL_FIELDS = frozenset({"world_landmarks"})


class LandmarkRefused(ValueError):
    """A landmark message the server will not use; ``reason`` is safe to show the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LandmarkMessage:
    """A well-formed message: the page's timestamp, the frame size, normalised landmarks."""

    timestamp_ms: float
    width_px: int
    height_px: int
    landmarks: FloatArray | None  # (33, 4): x, y, z, visibility; None when nobody was seen
    world_landmarks: FloatArray | None = None  # (33, 3) metres; None when not sent


def _refuse_constant(name: str) -> float:
    raise LandmarkRefused(f"numbers must be finite ({name} is not)")


def _number(value: Any, what: str) -> float:
    # bool is an int in Python, but true is not a coordinate.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LandmarkRefused(f"{what} must be a number")
    number = float(value)
    if not math.isfinite(number):
        raise LandmarkRefused(f"{what} must be finite")
    return number


def _side_px(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise LandmarkRefused(f"{what} must be a whole number of pixels")
    if not MIN_FRAME_SIDE_PX <= value <= MAX_FRAME_SIDE_PX:
        raise LandmarkRefused(
            f"{what} must be {MIN_FRAME_SIDE_PX} to {MAX_FRAME_SIDE_PX} px (got {value})"
        )
    return value


def _rows(value: Any, field: str, item: str, columns: str) -> FloatArray:
    """``value`` as a (33, n) array: 33 rows of ``columns`` (e.g. "x, y, z"), finite numbers."""
    if not isinstance(value, list) or len(value) != LANDMARK_COUNT:
        count = len(value) if isinstance(value, list) else type(value).__name__
        raise LandmarkRefused(f"{field} must be {LANDMARK_COUNT} rows (got {count})")
    width = len(columns.split(", "))
    rows: list[list[float]] = []
    for index, row in enumerate(value):
        if not isinstance(row, list) or len(row) != width:
            raise LandmarkRefused(f"{item} {index} must be [{columns}]")
        rows.append([_number(number, f"{item} {index}") for number in row])
    return np.array(rows, dtype=np.float64)


def _landmarks(value: Any) -> FloatArray | None:
    if value is None:
        return None
    values = _rows(value, "landmarks", "landmark", "x, y, z, visibility")
    xy = values[:, :2]
    if np.any(xy < MIN_NORMALISED_XY) or np.any(xy > MAX_NORMALISED_XY):
        bad = int(np.argmax(np.any((xy < MIN_NORMALISED_XY) | (xy > MAX_NORMALISED_XY), axis=1)))
        raise LandmarkRefused(
            f"landmark {bad}: x and y must be within {MIN_NORMALISED_XY:g} to "
            f"{MAX_NORMALISED_XY:g} of the frame"
        )
    if np.any(np.abs(values[:, 2]) > MAX_ABS_DEPTH):
        bad = int(np.argmax(np.abs(values[:, 2]) > MAX_ABS_DEPTH))
        raise LandmarkRefused(f"landmark {bad}: depth z must be within ±{MAX_ABS_DEPTH:g}")
    visibility = values[:, 3]
    if np.any(visibility < 0.0) or np.any(visibility > 1.0):
        bad = int(np.argmax((visibility < 0.0) | (visibility > 1.0)))
        raise LandmarkRefused(f"landmark {bad}: visibility must be 0 to 1")
    return values


def _world_landmarks(value: Any) -> FloatArray | None:
    if value is None:
        return None
    values = _rows(value, "world_landmarks", "world landmark", "x, y, z")
    if np.any(np.abs(values) > MAX_ABS_WORLD_M):
        bad = int(np.argmax(np.any(np.abs(values) > MAX_ABS_WORLD_M, axis=1)))
        raise LandmarkRefused(
            f"world landmark {bad}: x, y and z must be within ±{MAX_ABS_WORLD_M:g} m"
        )
    return values


def looks_like_landmarks(text: str) -> bool:
    """Whether ``text`` claims to be a landmark message (the live socket routes it here)."""
    return _LANDMARK_TYPE.search(text, 0, 200) is not None


def parse_landmark_message(text: str | bytes) -> LandmarkMessage:
    """Check one message's size, shape, numbers and ranges; :class:`LandmarkRefused` if bad."""
    raw = text.encode("utf-8", errors="replace") if isinstance(text, str) else text
    if len(raw) > MAX_MESSAGE_BYTES:
        raise LandmarkRefused(f"message too long (limit {MAX_MESSAGE_BYTES} bytes)")
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except LandmarkRefused:
        raise
    except (ValueError, RecursionError):
        raise LandmarkRefused("message is not JSON") from None
    if not isinstance(data, dict):
        raise LandmarkRefused("message must be a JSON object")
    if data.get("type") != MESSAGE_TYPE:
        raise LandmarkRefused(f"message type must be {MESSAGE_TYPE!r}")
    unexpected = sorted(set(data) - _FIELDS - _OPTIONAL_FIELDS)
    if unexpected:
        raise LandmarkRefused(
            f"unexpected field {unexpected[0]!r}: the server judges form from the landmarks alone"
        )
    missing = sorted(_FIELDS - set(data))
    if missing:
        raise LandmarkRefused(f"missing field {missing[0]!r}")
    timestamp_ms = _number(data["timestamp_ms"], "timestamp_ms")
    if timestamp_ms < 0:
        raise LandmarkRefused("timestamp_ms must not be negative")
    landmarks = _landmarks(data["landmarks"])
    world = _world_landmarks(data.get("world_landmarks"))
    if world is not None and landmarks is None:
        raise LandmarkRefused("world_landmarks must be null when landmarks is null")
    return LandmarkMessage(
        timestamp_ms=timestamp_ms,
        width_px=_side_px(data["width_px"], "width_px"),
        height_px=_side_px(data["height_px"], "height_px"),
        landmarks=landmarks,
        world_landmarks=world,
    )


def to_pose(message: LandmarkMessage, timestamp_s: float) -> Pose | None:
    """The message as our :class:`Pose` in pixels of the stated frame (``None``: nobody seen).

    Depth is scaled by the frame width, as the MediaPipe adapter does for the Python path.
    """
    if message.landmarks is None:
        return None
    width_px, height_px = message.width_px, message.height_px
    values = message.landmarks
    return Pose(
        image_xy_px=values[:, :2] * np.array([width_px, height_px], dtype=np.float64),
        depth_z_px=values[:, 2] * width_px,
        visibility=values[:, 3].copy(),
        world_xyz_m=None if message.world_landmarks is None else message.world_landmarks.copy(),
        timestamp_s=timestamp_s,
        image_width_px=width_px,
        image_height_px=height_px,
    )


class TokenBucket:
    """``rate_per_s`` messages a second on average, up to ``burst`` at once."""

    def __init__(self, rate_per_s: float = RATE_PER_S, burst: int = BURST) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("rate_per_s must be positive and burst at least 1")
        self.rate_per_s = rate_per_s
        self.burst = float(burst)
        self._tokens = float(burst)
        self._last_s: float | None = None

    def allow(self, now_s: float) -> bool:
        """Take one token at ``now_s`` (monotonic seconds); False when none is left."""
        if self._last_s is not None and now_s > self._last_s:
            self._tokens = min(self.burst, self._tokens + (now_s - self._last_s) * self.rate_per_s)
        if self._last_s is None or now_s > self._last_s:
            self._last_s = now_s
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


class TimestampGuard:
    """The page's timestamps must increase and keep pace with the server's clock.

    The first accepted message anchors the page's clock to the server's receive time; after
    that a timestamp may run at most ``MAX_AHEAD_S`` ahead of the server's elapsed time (from
    the future) and at most ``MAX_LAG_S`` behind it (stale).
    """

    def __init__(self, max_ahead_s: float = MAX_AHEAD_S, max_lag_s: float = MAX_LAG_S) -> None:
        self.max_ahead_s = max_ahead_s
        self.max_lag_s = max_lag_s
        self._anchor: tuple[float, float] | None = None  # (page ms, server s)
        self._last_ms: float | None = None

    def check(self, timestamp_ms: float, received_s: float) -> float:
        """The frame's time on the server's clock (seconds); :class:`LandmarkRefused` if bad."""
        if self._last_ms is not None and timestamp_ms <= self._last_ms:
            raise LandmarkRefused("timestamp went backwards (or repeated)")
        if self._anchor is None:
            self._anchor = (timestamp_ms, received_s)
            self._last_ms = timestamp_ms
            return received_s
        anchor_ms, anchor_s = self._anchor
        page_elapsed_s = (timestamp_ms - anchor_ms) / 1000.0
        server_elapsed_s = received_s - anchor_s
        if page_elapsed_s > server_elapsed_s + self.max_ahead_s:
            raise LandmarkRefused(
                f"timestamp is {page_elapsed_s - server_elapsed_s:.1f} s in the future"
            )
        if page_elapsed_s < server_elapsed_s - self.max_lag_s:
            raise LandmarkRefused(
                f"frame arrived {server_elapsed_s - page_elapsed_s:.1f} s late (out of date)"
            )
        self._last_ms = timestamp_ms
        return anchor_s + page_elapsed_s


class LandmarkGate:
    """Everything a live session needs for incoming landmark messages, in order: size and
    rate limits (cheap, before parsing), the message itself, then its timestamp."""

    def __init__(
        self, bucket: TokenBucket | None = None, timestamps: TimestampGuard | None = None
    ) -> None:
        self.bucket = bucket or TokenBucket()
        self.timestamps = timestamps or TimestampGuard()

    def accept(self, text: str | bytes, received_s: float) -> Pose | None:
        """The pose in the message, timed on the server's clock; ``None`` when nobody was seen.

        Raises :class:`LandmarkRefused` with the reason; a refused message changes nothing
        except the rate limiter's count.
        """
        return self.admit(text, received_s)[1]

    def admit(self, text: str | bytes, received_s: float) -> tuple[LandmarkMessage, Pose | None]:
        """As :meth:`accept`, with the message itself (its page timestamp, for the reply)."""
        size = len(text.encode("utf-8", errors="replace") if isinstance(text, str) else text)
        if size > MAX_MESSAGE_BYTES:
            raise LandmarkRefused(f"message too long (limit {MAX_MESSAGE_BYTES} bytes)")
        if not self.bucket.allow(received_s):
            raise LandmarkRefused(
                f"too many landmark messages (limit {self.bucket.rate_per_s:g} a second)"
            )
        message = parse_landmark_message(text)
        timestamp_s = self.timestamps.check(message.timestamp_ms, received_s)
        return message, to_pose(message, timestamp_s)


__all__ = [
    "MAX_MESSAGE_BYTES",
    "LandmarkGate",
    "LandmarkMessage",
    "LandmarkRefused",
    "TimestampGuard",
    "TokenBucket",
    "looks_like_landmarks",
    "parse_landmark_message",
    "to_pose",
]
