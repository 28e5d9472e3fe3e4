"""Range of motion: hip extension per side per camera session, its trend, left vs right.

Pure. A session's value for a side is the largest hip extension any hold on that side reached
(``hip_extension_max_deg``, measured by the camera or a video). Holds timed without the camera
have no value and are left out, so a side never measured has no trend. The trend is fitted to
one value per day (the mean of that day's sessions) under the rule of
:mod:`hipflex.insights.evidence`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from statistics import fmean

from hipflex.domain.protocol import Side
from hipflex.domain.records import SessionRecord
from hipflex.insights.evidence import HIP_EXTENSION_TREND, DailyTrend, TrendRule, daily_trend
from hipflex.insights.intervals import Interval
from hipflex.insights.scope import local_day

DEFAULT_MARGIN_DEG = 5.0  # beyond the camera's error: a real left/right difference
RECENT_SESSIONS = 3  # the left/right comparison uses each side's last few sessions


@dataclass(frozen=True)
class ExtensionPoint:
    """Hip extension reached on one side in one session, degrees."""

    at: datetime
    session_id: str
    side: Side
    hip_extension_deg: float


@dataclass(frozen=True)
class SideTrend:
    """One side's measurements (per session, oldest first) and the trend over days."""

    side: Side
    points: tuple[ExtensionPoint, ...]
    trend: DailyTrend

    @property
    def sessions(self) -> int:
        return len(self.points)

    @property
    def days(self) -> int:
        return self.trend.days

    @property
    def slope(self) -> Interval | None:
        """Degrees per week with a 95 % interval; None unless the trend rule is met."""
        return self.trend.slope

    @property
    def first_deg(self) -> float | None:
        return self.trend.first_value

    @property
    def last_deg(self) -> float | None:
        return self.trend.last_value


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


def side_trend(
    side: Side,
    points: Sequence[ExtensionPoint],
    tz: tzinfo,
    rule: TrendRule = HIP_EXTENSION_TREND,
) -> SideTrend:
    """The trend of one side's points (already filtered to that side, oldest first)."""
    by_day: dict[date, list[float]] = {}
    for point in points:
        by_day.setdefault(local_day(point.at, tz), []).append(point.hip_extension_deg)
    daily = {day: fmean(values) for day, values in by_day.items()}
    return SideTrend(side, tuple(points), daily_trend(daily, rule))


def range_of_motion(
    sessions: Sequence[SessionRecord],
    tz: tzinfo,
    sides: Sequence[Side] = (Side.RIGHT, Side.LEFT),
    *,
    margin_deg: float = DEFAULT_MARGIN_DEG,
) -> RangeOfMotion:
    """Trends per side and the left/right difference (mean of each side's last 3 sessions)."""
    points = extension_points(sessions)
    every_side = list(dict.fromkeys([*sides, *(p.side for p in points)]))
    trends = {
        side: side_trend(side, [p for p in points if p.side is side], tz) for side in every_side
    }
    difference: float | None = None
    right, left = trends.get(Side.RIGHT), trends.get(Side.LEFT)
    if right is not None and left is not None and right.points and left.points:
        difference = recent_mean(right) - recent_mean(left)
    return RangeOfMotion(trends=trends, difference_deg=difference, margin_deg=margin_deg)


def recent_mean(trend: SideTrend) -> float:
    """The mean of the side's last few sessions, degrees."""
    recent = trend.points[-RECENT_SESSIONS:]
    return sum(p.hip_extension_deg for p in recent) / len(recent)
