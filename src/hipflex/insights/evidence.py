"""When a trend is a finding: the one rule for every trend hipflex shows.

A straight line through a few values taken minutes apart is not a trend: three camera
sessions in one morning once gave "+2280.5° a week, 95% interval −383821.3 to +388382.4". So
a trend is fitted to **one value per day** and quoted only when

* there are values on at least ``min_days`` distinct days (4: with one value per day that
  leaves two degrees of freedom for the interval),
* those days span at least ``min_span_days`` (14: two weeks, the shortest time over which a
  stretching programme is expected to show), and
* the whole 95 % interval lies within ± ``max_rate_per_week``, a physically meaningful rate
  (hip extension does not change by more than 5° a week; pain on a 0–10 scale does not move
  more than 3 points a week for weeks on end). A wider interval means the values vary more
  than the time covered can resolve: "not enough data yet", never the number.

The summary, the History page and both report pages all read the verdict from here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from hipflex.insights.intervals import Interval, t_quantile_975
from hipflex.insights.wording import plural

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class TrendRule:
    """What a trend needs before it is quoted."""

    min_days: int
    min_span_days: int
    max_rate_per_week: float

    def requirement(self, what: str) -> str:
        """E.g. "camera sessions on at least 4 days spread over 14 days or more"."""
        return (
            f"{what} on at least {self.min_days} days spread over {self.min_span_days} days or more"
        )


HIP_EXTENSION_TREND = TrendRule(min_days=4, min_span_days=14, max_rate_per_week=5.0)
PAIN_TREND = TrendRule(min_days=4, min_span_days=14, max_rate_per_week=3.0)


class Verdict(StrEnum):
    """Whether a trend can be quoted, and if not, why."""

    ENOUGH = "enough"
    NO_DATA = "no_data"
    TOO_FEW_DAYS = "too_few_days"
    TOO_SHORT = "too_short"
    TOO_UNCERTAIN = "too_uncertain"


@dataclass(frozen=True)
class DailyTrend:
    """Values per day (oldest first) and, when the rule is met, the line through them.

    ``slope`` is per week with a 95 % interval, only for :attr:`Verdict.ENOUGH`.
    ``first_value``/``last_value`` are the line at the first and last day when there is a
    slope (less noisy than single days), else the first and last day's values.
    """

    rule: TrendRule
    values: tuple[tuple[date, float], ...]
    verdict: Verdict
    slope: Interval | None
    first_value: float | None
    last_value: float | None

    @property
    def enough(self) -> bool:
        return self.verdict is Verdict.ENOUGH

    @property
    def days(self) -> int:
        return len(self.values)

    @property
    def span_days(self) -> int:
        """Days from the first to the last value, both counted (0 without values)."""
        if not self.values:
            return 0
        return (self.values[-1][0] - self.values[0][0]).days + 1

    def shortfall(self) -> str:
        """Why there is no trend, in words ("" when there is one)."""
        if self.verdict is Verdict.TOO_FEW_DAYS or self.verdict is Verdict.NO_DATA:
            return f"only {plural(self.days, 'day')} so far"
        if self.verdict is Verdict.TOO_SHORT:
            return f"{plural(self.days, 'day')}, but over only {plural(self.span_days, 'day')}"
        if self.verdict is Verdict.TOO_UNCERTAIN:
            return (
                f"{plural(self.days, 'day')} over {plural(self.span_days, 'day')}, but they vary "
                "too much to tell a direction yet"
            )
        return ""


def daily_trend(values_by_day: Mapping[date, float], rule: TrendRule) -> DailyTrend:
    """Fit a least-squares line (per week) to one value per day, if ``rule`` allows."""
    values = tuple(sorted((day, float(v)) for day, v in values_by_day.items() if math.isfinite(v)))
    first = values[0][1] if values else None
    last = values[-1][1] if values else None
    if not values:
        return DailyTrend(rule, values, Verdict.NO_DATA, None, None, None)
    if len(values) < rule.min_days:
        return DailyTrend(rule, values, Verdict.TOO_FEW_DAYS, None, first, last)
    if (values[-1][0] - values[0][0]).days + 1 < rule.min_span_days:
        return DailyTrend(rule, values, Verdict.TOO_SHORT, None, first, last)
    origin = values[0][0]
    weeks = np.array([(day - origin).days / 7 for day, _ in values])
    data = np.array([v for _, v in values])
    slope, intercept = least_squares(weeks, data)
    half = slope_half_width(weeks, data, slope, intercept)
    interval = Interval(slope, slope - half, slope + half)
    if max(abs(interval.low), abs(interval.high)) > rule.max_rate_per_week:
        return DailyTrend(rule, values, Verdict.TOO_UNCERTAIN, None, first, last)
    fitted_first = intercept + slope * float(weeks[0])
    fitted_last = intercept + slope * float(weeks[-1])
    return DailyTrend(rule, values, Verdict.ENOUGH, interval, fitted_first, fitted_last)


def least_squares(x: FloatArray, y: FloatArray) -> tuple[float, float]:
    """Slope and intercept of the least-squares line (x must vary)."""
    centred = x - x.mean()
    slope = float(centred @ (y - y.mean())) / float(centred @ centred)
    return slope, float(y.mean()) - slope * float(x.mean())


def slope_half_width(x: FloatArray, y: FloatArray, slope: float, intercept: float) -> float:
    """Half-width of the slope's 95 % t interval (n − 2 degrees of freedom)."""
    centred = x - x.mean()
    residuals = y - (intercept + slope * x)
    df = len(x) - 2
    standard_error = math.sqrt(float(residuals @ residuals) / df / float(centred @ centred))
    return t_quantile_975(df) * standard_error


def within(interval: Interval, low: float, high: float) -> bool:
    """True when the whole interval lies in ``[low, high]`` (a possible range of values)."""
    return low <= interval.low and interval.high <= high
