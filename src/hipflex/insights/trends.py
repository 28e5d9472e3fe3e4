"""Range of motion: hip extension per side per camera session, its trend, left vs right.

Pure. A session's value for a side is the largest hip extension any hold on that side reached
(``hip_extension_max_deg``, measured by the camera or a video). Holds timed without the camera
have no value and are left out, so a side never measured has no trend.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from hipflex.domain.protocol import Side
from hipflex.domain.records import SessionRecord
from hipflex.insights.intervals import Interval, t_quantile_975

DEFAULT_MARGIN_DEG = 5.0  # beyond the camera's error: a real left/right difference
RECENT_SESSIONS = 3  # the left/right comparison uses each side's last few sessions
MIN_SESSIONS_FOR_SLOPE = 3  # two points always fit a line exactly: no interval


@dataclass(frozen=True)
class ExtensionPoint:
    """Hip extension reached on one side in one session, degrees."""

    at: datetime
    session_id: str
    side: Side
    hip_extension_deg: float


@dataclass(frozen=True)
class SideTrend:
    """One side's measurements, oldest first, and the straight-line trend through them.

    ``slope`` is degrees per week with a 95 % interval (None below three sessions or when all
    sessions fall on the same moment). ``first_deg``/``last_deg`` are the fitted line's values at
    the first and last session when there is a slope (less noisy than single sessions), else
    the measured values.
    """

    side: Side
    points: tuple[ExtensionPoint, ...]
    slope: Interval | None
    first_deg: float | None
    last_deg: float | None

    @property
    def sessions(self) -> int:
        return len(self.points)


@dataclass(frozen=True)
class RangeOfMotion:
    """Both sides' trends and the left/right comparison."""

    trends: dict[Side, SideTrend]
    difference_deg: float | None  # right minus left, over each side's recent sessions
    margin_deg: float

    @property
    def asymmetric(self) -> bool:
        """True when left and right differ by more than the margin."""
        return self.difference_deg is not None and abs(self.difference_deg) > self.margin_deg

    @property
    def measured(self) -> bool:
        return any(trend.points for trend in self.trends.values())


def extension_points(sessions: Sequence[SessionRecord]) -> list[ExtensionPoint]:
    """Per session and side, the largest hip extension reached; oldest first."""
    points: list[ExtensionPoint] = []
    for session in sorted(sessions, key=lambda s: (s.started_at, s.id)):
        best: dict[Side, float] = {}
        for hold in session.holds:
            value = hold.hip_extension_max_deg
            if value is not None and math.isfinite(value):
                best[hold.side] = max(value, best.get(hold.side, value))
        for side in sorted(best, key=lambda s: s.value):
            points.append(ExtensionPoint(session.started_at, session.id, side, best[side]))
    return points


def slope_per_week(points: Sequence[ExtensionPoint]) -> Interval | None:
    """Least-squares slope in degrees per week with a 95 % t interval (n - 2 df)."""
    if len(points) < MIN_SESSIONS_FOR_SLOPE:
        return None
    origin = points[0].at
    weeks = np.array([(p.at - origin).total_seconds() / (7 * 86400) for p in points])
    degrees = np.array([p.hip_extension_deg for p in points])
    centred = weeks - weeks.mean()
    sxx = float(centred @ centred)
    if sxx <= 0:
        return None
    slope = float(centred @ (degrees - degrees.mean())) / sxx
    intercept = float(degrees.mean()) - slope * float(weeks.mean())
    residuals = degrees - (intercept + slope * weeks)
    df = len(points) - 2
    standard_error = math.sqrt(float(residuals @ residuals) / df / sxx)
    half = t_quantile_975(df) * standard_error
    return Interval(slope, slope - half, slope + half)


def side_trend(side: Side, points: Sequence[ExtensionPoint]) -> SideTrend:
    """The trend of one side's points (already filtered to that side, oldest first)."""
    ordered = tuple(points)
    slope = slope_per_week(ordered)
    if not ordered:
        return SideTrend(side, ordered, None, None, None)
    if slope is None:
        return SideTrend(
            side, ordered, None, ordered[0].hip_extension_deg, ordered[-1].hip_extension_deg
        )
    origin = ordered[0].at
    weeks = [(p.at - origin).total_seconds() / (7 * 86400) for p in ordered]
    mean_weeks = sum(weeks) / len(weeks)
    mean_deg = sum(p.hip_extension_deg for p in ordered) / len(ordered)
    first = mean_deg + slope.estimate * (weeks[0] - mean_weeks)
    last = mean_deg + slope.estimate * (weeks[-1] - mean_weeks)
    return SideTrend(side, ordered, slope, first, last)


def range_of_motion(
    sessions: Sequence[SessionRecord],
    sides: Sequence[Side] = (Side.RIGHT, Side.LEFT),
    *,
    margin_deg: float = DEFAULT_MARGIN_DEG,
) -> RangeOfMotion:
    """Trends per side and the left/right difference (mean of each side's last 3 sessions)."""
    points = extension_points(sessions)
    every_side = list(dict.fromkeys([*sides, *(p.side for p in points)]))
    trends = {side: side_trend(side, [p for p in points if p.side is side]) for side in every_side}
    difference: float | None = None
    right, left = trends.get(Side.RIGHT), trends.get(Side.LEFT)
    if right is not None and left is not None and right.points and left.points:
        difference = _recent_mean(right) - _recent_mean(left)
    return RangeOfMotion(trends=trends, difference_deg=difference, margin_deg=margin_deg)


def _recent_mean(trend: SideTrend) -> float:
    recent = trend.points[-RECENT_SESSIONS:]
    return sum(p.hip_extension_deg for p in recent) / len(recent)
