"""The trend rule: no trend without enough days spread over enough time, and never an
interval wider than what the body can do."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hipflex.insights.evidence import (
    HIP_EXTENSION_TREND,
    PAIN_TREND,
    TrendRule,
    Verdict,
    daily_trend,
)

DAY0 = date(2026, 3, 2)


def values(*pairs: tuple[int, float]) -> dict[date, float]:
    return {DAY0 + timedelta(days=offset): value for offset, value in pairs}


@pytest.mark.parametrize(
    ("history", "verdict"),
    [
        ({}, Verdict.NO_DATA),
        (values((0, 41.0)), Verdict.TOO_FEW_DAYS),  # one day (sessions minutes apart)
        (values((0, 41.0), (1, 43.0)), Verdict.TOO_FEW_DAYS),  # two days
        (values((0, 41.0), (5, 42.0), (20, 43.0)), Verdict.TOO_FEW_DAYS),  # three days
        (values((0, 1.0), (3, 2.0), (6, 3.0), (12, 4.0)), Verdict.TOO_SHORT),  # 13 days
        (values((0, 1.0), (4, 2.0), (9, 3.0), (13, 4.0)), Verdict.ENOUGH),  # 14 days
        (values((0, 0.0), (5, 40.0), (9, 0.0), (13, 40.0)), Verdict.TOO_UNCERTAIN),
    ],
)
def test_verdicts(history: dict[date, float], verdict: Verdict) -> None:
    trend = daily_trend(history, HIP_EXTENSION_TREND)
    assert trend.verdict is verdict
    assert (trend.slope is not None) is (verdict is Verdict.ENOUGH)
    if verdict is not Verdict.ENOUGH:
        assert trend.shortfall()


def test_the_rule_is_stated_in_one_place() -> None:
    assert (HIP_EXTENSION_TREND.min_days, HIP_EXTENSION_TREND.min_span_days) == (4, 14)
    assert (PAIN_TREND.min_days, PAIN_TREND.min_span_days) == (4, 14)
    assert HIP_EXTENSION_TREND.requirement("camera sessions") == (
        "camera sessions on at least 4 days spread over 14 days or more"
    )


def test_an_exact_line_and_its_fitted_ends() -> None:
    trend = daily_trend(values((0, 6.0), (7, 8.0), (14, 10.0), (21, 12.0)), HIP_EXTENSION_TREND)
    assert trend.slope is not None
    assert (trend.slope.low, trend.slope.estimate, trend.slope.high) == pytest.approx((2, 2, 2))
    assert (trend.first_value, trend.last_value) == pytest.approx((6.0, 12.0))
    assert (trend.days, trend.span_days) == (4, 22)


@pytest.mark.parametrize("limit", [0.5, 5.0])
def test_an_interval_reaching_past_the_limit_is_not_quoted(limit: float) -> None:
    # slope 1.1 a week, half-width 2.236: inside ±5, outside ±0.5
    history = values((0, 5.0), (7, 7.0), (14, 6.0), (21, 9.0))
    trend = daily_trend(history, TrendRule(min_days=4, min_span_days=14, max_rate_per_week=limit))
    assert trend.enough is (limit == 5.0)
    if not trend.enough:
        assert trend.slope is None and "vary too much" in trend.shortfall()
    else:
        assert trend.slope is not None
        assert max(abs(trend.slope.low), abs(trend.slope.high)) <= limit


def test_non_finite_values_are_ignored() -> None:
    trend = daily_trend(values((0, float("nan")), (1, 3.0)), PAIN_TREND)
    assert trend.days == 1
