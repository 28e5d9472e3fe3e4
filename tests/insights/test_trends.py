"""Hip extension per side: per-session values, one value per day, the trend and left/right."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hipflex.domain.protocol import Side
from hipflex.domain.records import SessionRecord
from hipflex.insights.evidence import Verdict
from hipflex.insights.intervals import t_quantile_975
from hipflex.insights.synthetic import synthetic_session
from hipflex.insights.trends import extension_points, range_of_motion

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def weekly(
    values_right: list[float], values_left: list[float] | None = None
) -> list[SessionRecord]:
    sessions = []
    for week, right in enumerate(values_right):
        extension = {Side.RIGHT: right}
        if values_left is not None:
            extension[Side.LEFT] = values_left[week]
        sessions.append(synthetic_session(START + timedelta(weeks=week), extension_deg=extension))
    return sessions


def test_exact_line_gives_its_slope_with_a_zero_width_interval() -> None:
    rom = range_of_motion(weekly([6, 8, 10, 12]), UTC)
    right = rom.trends[Side.RIGHT]
    assert right.trend.verdict is Verdict.ENOUGH
    assert right.slope is not None
    assert right.slope.estimate == pytest.approx(2.0)
    assert right.slope.low == pytest.approx(2.0) and right.slope.high == pytest.approx(2.0)
    assert (right.first_deg, right.last_deg) == (pytest.approx(6), pytest.approx(12))


def test_noisy_slope_interval_matches_a_hand_computation() -> None:
    # x = 0, 1, 2, 3 weeks; y = 5, 7, 6, 9: slope 1.1, residual SS 2.7, Sxx 5, df 2.
    right = range_of_motion(weekly([5, 7, 6, 9]), UTC).trends[Side.RIGHT]
    assert right.slope is not None
    half = 4.303 * (2.7 / 2 / 5) ** 0.5
    assert right.slope.estimate == pytest.approx(1.1)
    assert right.slope.low == pytest.approx(1.1 - half)
    assert right.slope.high == pytest.approx(1.1 + half)
    assert not right.slope.excludes_zero()


def test_session_value_is_the_best_hold_of_that_side() -> None:
    points = extension_points([synthetic_session(START, extension_deg={Side.LEFT: 14.0})])
    assert [(p.side, p.hip_extension_deg) for p in points] == [(Side.LEFT, 14.0)]


def test_sessions_minutes_apart_are_one_day_and_no_trend() -> None:
    # The example: three camera sessions minutes apart gave "+2280.5° a week".
    sessions = [
        synthetic_session(START + timedelta(minutes=m), extension_deg={Side.RIGHT: value})
        for m, value in ((0, 40.0), (6, 41.5), (12, 41.0))
    ]
    right = range_of_motion(sessions, UTC).trends[Side.RIGHT]
    assert right.sessions == 3 and right.days == 1
    assert right.trend.verdict is Verdict.TOO_FEW_DAYS
    assert right.slope is None
    assert right.trend.values[0][1] == pytest.approx(40.833, abs=1e-3)  # the day's mean


def test_one_session_has_values_but_no_slope() -> None:
    right = range_of_motion(weekly([9]), UTC).trends[Side.RIGHT]
    assert right.slope is None
    assert (right.first_deg, right.last_deg, right.sessions) == (9, 9, 1)


def test_only_one_side_measured() -> None:
    rom = range_of_motion(weekly([6, 8, 10]), UTC)
    assert rom.trends[Side.LEFT].points == ()
    assert rom.trends[Side.LEFT].trend.verdict is Verdict.NO_DATA
    assert rom.difference_deg is None
    assert not rom.asymmetric


def test_no_camera_sessions() -> None:
    rom = range_of_motion([synthetic_session(START)], UTC)
    assert not rom.measured
    assert rom.difference_deg is None


@pytest.mark.parametrize(
    ("right", "left", "difference", "flag"),
    [
        ([12, 12, 12], [5, 5, 5], 7.0, True),
        ([10, 10, 10], [6, 6, 6], 4.0, False),
        ([10, 10, 10], [5, 5, 5], 5.0, False),  # exactly the margin is not "more than"
        ([4, 5, 6], [13, 13, 13], -8.0, True),
        ([30, 30, 10, 10, 10], [10, 10, 10, 10, 10], 0.0, False),  # only the last 3 count
    ],
)
def test_left_right_difference_flag(
    right: list[float], left: list[float], difference: float, flag: bool
) -> None:
    rom = range_of_motion(weekly(right, left), UTC)
    assert rom.difference_deg == pytest.approx(difference)
    assert rom.asymmetric is flag


def test_margin_can_be_changed() -> None:
    assert range_of_motion(weekly([10, 10, 10], [6, 6, 6]), UTC, margin_deg=3).asymmetric


@pytest.mark.parametrize(
    ("df", "t"), [(1, 12.706), (2, 4.303), (30, 2.042), (35, 2.042), (1000, 1.96)]
)
def test_t_quantiles(df: int, t: float) -> None:
    assert t_quantile_975(df) == t
