"""One week definition (seven days ending today) and the dose counted at most once a day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hipflex.domain.protocol import Side
from hipflex.insights.dose import daily_seconds, week_dose
from hipflex.insights.synthetic import synthetic_session
from hipflex.insights.weeks import Week, days_from, week_ending, weeks_ending
from hipflex.protocols.loader import load_protocol

PROTOCOL = load_protocol("kneeling-hip-flexor")  # 4 × 30 s per side, 7 days: 840 s a week
TODAY = date(2026, 3, 16)  # a Monday: a calendar week would hold this one day only


def test_weeks_end_today_and_are_always_seven_days() -> None:
    weeks = weeks_ending(TODAY, 3)
    assert [(w.first_day, w.last_day) for w in weeks] == [
        (date(2026, 2, 24), date(2026, 3, 2)),
        (date(2026, 3, 3), date(2026, 3, 9)),
        (date(2026, 3, 10), date(2026, 3, 16)),
    ]
    assert all(len(list(w.days())) == 7 for w in weeks)
    assert week_ending(TODAY) == weeks[-1]
    assert TODAY in weeks[-1] and TODAY not in weeks[0]
    with pytest.raises(ValueError):
        weeks_ending(TODAY, 0)


@pytest.mark.parametrize(
    ("week", "label"),
    [
        (Week(date(2026, 3, 3), date(2026, 3, 9)), "03–09 Mar"),
        (Week(date(2026, 2, 27), date(2026, 3, 5)), "27 Feb–05 Mar"),
    ],
)
def test_week_labels(week: Week, label: str) -> None:
    assert week.label() == label


@pytest.mark.parametrize(
    ("first_use", "expected"),
    [(None, 0), (date(2026, 3, 1), 7), (date(2026, 3, 10), 7), (date(2026, 3, 14), 3),
     (date(2026, 3, 16), 1), (date(2026, 3, 17), 0)],
)  # fmt: skip
def test_days_from_the_first_use(first_use: date | None, expected: int) -> None:
    assert days_from(date(2026, 3, 10), TODAY, first_use) == expected


def at(day: date, hour: int = 8) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_extra_sessions_on_one_day_count_one_dose() -> None:
    # Three full sessions on Monday, one on Tuesday: 2 × 120 s per side, not 4 × 120 s.
    sessions = [synthetic_session(at(TODAY - timedelta(days=1), h)) for h in (7, 12, 18)]
    sessions.append(synthetic_session(at(TODAY)))
    daily = daily_seconds(sessions, PROTOCOL, UTC)
    assert daily[TODAY - timedelta(days=1)] == {Side.RIGHT: 120.0, Side.LEFT: 120.0}
    dose = week_dose(daily, PROTOCOL, week_ending(TODAY), first_use=date(2026, 1, 1))
    assert dose.sides[Side.RIGHT].counted_s == 240.0
    assert dose.sides[Side.RIGHT].dose_s == 840
    assert dose.sides[Side.RIGHT].fraction == pytest.approx(240 / 840)


def test_two_half_sessions_on_one_day_add_up_to_the_cap() -> None:
    sessions = [
        synthetic_session(at(TODAY, 7), counted_s=20.0),  # 80 s per side
        synthetic_session(at(TODAY, 18), counted_s=20.0),  # 80 more, capped at 120
    ]
    assert daily_seconds(sessions, PROTOCOL, UTC)[TODAY] == {Side.RIGHT: 120.0, Side.LEFT: 120.0}


def test_a_new_users_first_week_is_prorated() -> None:
    # First session on Saturday: Sat, Sun, Mon are the days they could have stretched.
    first = TODAY - timedelta(days=2)
    sessions = [synthetic_session(at(first + timedelta(days=n))) for n in range(3)]
    dose = week_dose(daily_seconds(sessions, PROTOCOL, UTC), PROTOCOL, week_ending(TODAY), first)
    assert dose.active_days == 3
    assert dose.sides[Side.LEFT].dose_s == 360  # 3 days × 120 s
    assert dose.sides[Side.LEFT].fraction == pytest.approx(1.0)


def test_a_side_of_another_protocol_has_no_dose_and_no_cap() -> None:
    right_only = PROTOCOL.model_copy(update={"sides": (Side.RIGHT,)})
    sessions = [synthetic_session(at(TODAY, h)) for h in (7, 18)]
    daily = daily_seconds(sessions, right_only, UTC)
    assert daily[TODAY] == {Side.RIGHT: 120.0, Side.LEFT: 240.0}
    dose = week_dose(daily, right_only, week_ending(TODAY), TODAY)
    assert dose.sides[Side.LEFT].dose_s == 0 and dose.sides[Side.LEFT].fraction is None
