from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hipflex.domain.events import SessionStatus
from hipflex.domain.records import PainCheckInRecord
from hipflex.insights.evidence import Verdict
from hipflex.insights.intervals import bootstrap_mean_difference
from hipflex.insights.pain import analyse_pain
from hipflex.insights.synthetic import synthetic_session
from hipflex.insights.weeks import weeks_ending

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def days(
    *ratings: tuple[int | None, int | None],
    status: SessionStatus = SessionStatus.COMPLETED,
    offset: int = 0,
) -> list:  # type: ignore[type-arg]
    return [
        synthetic_session(
            START + timedelta(days=offset + index),
            pain_before=before,
            pain_after=after,
            status=status,
        )
        for index, (before, after) in enumerate(ratings)
    ]


def test_before_after_mean_change_and_t_interval() -> None:
    # changes: -2, -1, -2, -1, -2, -1 → mean -1.5, sd 0.5477, t(5) 2.571
    sessions = days((5, 3), (4, 3), (6, 4), (5, 4), (4, 2), (3, 2))
    result = analyse_pain(sessions, UTC).before_after
    assert result.change is not None
    assert result.change.estimate == pytest.approx(-1.5)
    half = 2.571 * 0.5477225575 / 6**0.5
    assert result.change.low == pytest.approx(-1.5 - half, abs=1e-6)
    assert result.change.high == pytest.approx(-1.5 + half, abs=1e-6)
    assert result.enough
    assert (result.before_mean, result.after_mean) == (pytest.approx(4.5), pytest.approx(3.0))


def test_all_pain_missing() -> None:
    analysis = analyse_pain(days((None, None), (None, None)), UTC)
    assert not analysis.any_ratings
    assert analysis.before_after.change is None
    assert analysis.days.difference is None
    assert not analysis.before_after.enough and not analysis.days.enough


def test_one_rated_session_is_too_few() -> None:
    analysis = analyse_pain(days((5, 3)), UTC)
    assert analysis.before_after.change is None
    assert not analysis.before_after.enough


def test_sessions_with_only_one_rating_are_not_pairs() -> None:
    analysis = analyse_pain(days((5, None), (None, 3), (4, 2)), UTC)
    assert len(analysis.before_after.pairs) == 1
    assert analysis.rated_sessions == 3


def test_days_with_and_without_a_completed_session() -> None:
    done = days((3, 1), (3, 1), (2, 2), (4, 2), (3, 3))  # daily means 2, 2, 2, 3, 3
    abandoned = days(
        (5, None),
        (6, None),
        (5, None),
        (4, None),
        (5, None),
        status=SessionStatus.PARTIAL,
        offset=10,
    )
    comparison = analyse_pain(done + abandoned, UTC).days
    assert len(comparison.with_session) == 5 and len(comparison.without_session) == 5
    assert comparison.difference is not None
    assert comparison.difference.estimate == pytest.approx(2.4 - 5.0)
    assert comparison.difference.high < 0  # clearly lower on stretching days
    assert comparison.enough


def test_bootstrap_is_reproducible_and_brackets_the_estimate() -> None:
    first = [2.0, 3.0, 2.5, 4.0, 3.5, 2.0]
    second = [4.0, 5.0, 4.5, 3.5, 6.0]
    a = bootstrap_mean_difference(first, second)
    b = bootstrap_mean_difference(first, second)
    assert a == b
    assert a is not None and a.low < a.estimate < a.high
    assert bootstrap_mean_difference([1.0], second) is None


def checkin(day_offset: int, value: int) -> PainCheckInRecord:
    day = (START + timedelta(days=day_offset)).date()
    return PainCheckInRecord(f"c{day_offset}", day, value, START + timedelta(days=day_offset))


def test_checkins_on_rest_days_make_the_day_comparison_possible() -> None:
    stretched = days((3, 2), (3, 2), (2, 2), (3, 1), (2, 2))  # days 0–4, daily means ≈ 2.2
    rest = [checkin(offset, value) for offset, value in ((6, 4), (7, 5), (8, 4), (9, 5), (10, 4))]
    without = analyse_pain(stretched, UTC).days
    assert not without.without_session and not without.enough
    comparison = analyse_pain(stretched, UTC, rest).days
    assert len(comparison.without_session) == 5 and comparison.enough
    assert comparison.difference is not None
    assert comparison.difference.estimate == pytest.approx(2.2 - 4.4)
    # A check-in on a stretching day joins that day's mean.
    joined = analyse_pain(stretched, UTC, [checkin(0, 8)]).days
    assert joined.with_session[START.date()] == pytest.approx((3 + 2 + 8) / 3)


def test_weekly_pain_and_a_falling_trend() -> None:
    # Check-ins every other day for four weeks, falling 0.5 a week from 6.
    rated = [checkin(offset, round(6 - offset / 14)) for offset in range(0, 28, 2)]
    weeks = weeks_ending((START + timedelta(days=27)).date(), 4)
    analysis = analyse_pain([], UTC, rated, weeks)
    assert analysis.any_ratings and analysis.checkins == 14
    assert [w.rated_days for w in analysis.weekly] == [4, 3, 4, 3]
    means = [w.mean for w in analysis.weekly]
    assert means == sorted(means, reverse=True)
    assert analysis.trend.enough and analysis.trend.slope is not None
    assert analysis.trend.slope.high < 0  # clearly falling


def test_pain_trend_needs_two_weeks_of_ratings() -> None:
    rated = [checkin(offset, 5) for offset in range(5)]
    trend = analyse_pain([], UTC, rated).trend
    assert trend.verdict is Verdict.TOO_SHORT and trend.slope is None


def test_a_before_after_interval_beyond_the_scale_is_not_quoted() -> None:
    # Five pairs, changes −10, +10, −10, +10, −10: the t interval reaches past ±10.
    sessions = days((10, 0), (0, 10), (10, 0), (0, 10), (10, 0))
    result = analyse_pain(sessions, UTC).before_after
    assert result.change is not None and result.change.low < -10
    assert not result.enough
