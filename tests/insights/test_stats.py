"""Streaks, adherence, weekly dose and pain from plain records (no database)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest

from hipflex.domain.events import HoldOutcome, SessionStatus
from hipflex.domain.protocol import Protocol, Side
from hipflex.domain.records import HoldRecord, PainMoment, PainRecord, SessionRecord, Source
from hipflex.insights.stats import compute_stats, streaks

PROTOCOL = Protocol(
    name="kneeling-hip-flexor", title="Kneeling", steps=("Kneel.",), hold_s=30, reps=4
)
_ids = itertools.count()


def _id() -> str:
    return f"id-{next(_ids)}"


def session(
    started_at: datetime,
    status: SessionStatus = SessionStatus.COMPLETED,
    holds: list[tuple[Side, float, HoldOutcome]] | None = None,
    pain: tuple[int | None, int | None] = (None, None),
) -> SessionRecord:
    """A session at ``started_at``; by default a full 4 x 30 s per side."""
    session_id = _id()
    if holds is None:
        holds = [(side, 30.0, HoldOutcome.COMPLETED) for side in (Side.RIGHT, Side.LEFT)] * 4
    hold_records = tuple(
        HoldRecord(
            id=_id(),
            session_id=session_id,
            side=side,
            rep=1,
            target_s=30.0,
            counted_s=counted_s,
            started_at=started_at + timedelta(minutes=index),
            ended_at=started_at + timedelta(minutes=index, seconds=counted_s),
            outcome=outcome,
            source=Source.TIMER,
        )
        for index, (side, counted_s, outcome) in enumerate(holds)
    )
    ratings = tuple(
        PainRecord(_id(), session_id, moment, value, started_at)
        for moment, value in zip(PainMoment, pain, strict=True)
        if value is not None
    )
    return SessionRecord(
        id=session_id,
        protocol_name=PROTOCOL.name,
        protocol_title=PROTOCOL.title,
        hold_target_s=30.0,
        holds_planned=8,
        started_at=started_at,
        ended_at=started_at + timedelta(minutes=10),
        status=status,
        source=Source.TIMER,
        holds=hold_records,
        pain_ratings=ratings,
    )


def at(day: date, hour: int = 8, tz: tzinfo = UTC) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=tz)


TODAY = date(2026, 3, 12)  # a Thursday


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def test_empty_history() -> None:
    stats = compute_stats([], PROTOCOL, TODAY, UTC)
    assert (stats.streak.current_days, stats.streak.longest_days) == (0, 0)
    assert stats.streak.last_day is None
    # Before the first session there is nothing to be adherent to: no share, not 0 %.
    assert (stats.adherence.last_7_days, stats.adherence.last_30_days) == (None, None)
    assert (stats.adherence.days_7, stats.adherence.days_30) == (0, 0)
    assert stats.today.sessions == stats.today.holds == 0 and stats.today.counted_s == 0
    assert {side: d.counted_s for side, d in stats.week.items()} == {Side.RIGHT: 0, Side.LEFT: 0}
    assert stats.pain.before_mean is None and stats.pain.after_mean is None
    data = stats.to_json()
    assert data["pain"]["before_mean"] is None and data["streak"]["last_day"] is None


def test_a_full_default_session_today() -> None:
    data = compute_stats([session(at(TODAY))], PROTOCOL, TODAY, UTC).to_json()
    assert data["today"] == {
        "date": "2026-03-12",
        "sessions": 1,
        "completed_sessions": 1,
        "holds": 8,
        "counted_s": 240.0,
    }
    # A first session today: the dose is today's share of the week, so one full session is 100 %.
    assert data["week"]["right"] == {"counted_s": 120.0, "dose_s": 120, "fraction": 1.0}
    assert data["adherence"]["days_7"] == 1 and data["adherence"]["last_7_days"] == 1.0
    old = compute_stats([session(at(TODAY))], PROTOCOL, TODAY, UTC, first_use=at(days_ago(40)))
    assert old.week[Side.LEFT].dose_s == PROTOCOL.weekly_dose_s()
    assert data["streak"] == {"current_days": 1, "longest_days": 1, "last_day": "2026-03-12"}


@pytest.mark.parametrize(
    ("done_days_ago", "current", "longest"),
    [
        ([0], 1, 1),
        ([0, 1, 2], 3, 3),
        ([1, 2], 2, 2),  # today not done yet: yesterday's streak is still alive
        ([2, 3], 0, 2),  # yesterday missed: the streak is broken
        ([0, 1, 3, 4, 5, 6], 2, 4),  # a gap: the older run is the longest
        ([0, 2, 4, 6], 1, 1),
        ([10, 11, 12, 13, 14, 15, 16], 0, 7),
        ([], 0, 0),
    ],
)
def test_streaks_across_gaps(done_days_ago: list[int], current: int, longest: int) -> None:
    result = streaks({days_ago(n) for n in done_days_ago}, TODAY)
    assert (result.current_days, result.longest_days) == (current, longest)


def test_future_days_do_not_count() -> None:
    result = streaks({TODAY + timedelta(days=1), TODAY + timedelta(days=2), TODAY}, TODAY)
    assert (result.current_days, result.longest_days, result.last_day) == (1, 1, TODAY)


def test_only_completed_sessions_make_a_day() -> None:
    sessions = [
        session(at(days_ago(0)), status=SessionStatus.PARTIAL),
        session(at(days_ago(1)), status=SessionStatus.IN_PROGRESS),
        session(at(days_ago(2))),
        session(at(days_ago(2), hour=18)),  # two sessions on one day count once
    ]
    stats = compute_stats(sessions, PROTOCOL, TODAY, UTC)
    assert (stats.streak.current_days, stats.streak.longest_days) == (0, 1)
    assert stats.adherence.days_done_7 == 1
    assert stats.today.sessions == 1 and stats.today.completed_sessions == 0


def test_adherence_over_7_and_30_days() -> None:
    done = [0, 1, 3, 6, 7, 20, 29, 30, 45]  # 7 falls outside the week, 30 and 45 outside 30 days
    stats = compute_stats([session(at(days_ago(n))) for n in done], PROTOCOL, TODAY, UTC)
    assert stats.adherence.days_done_7 == 4
    assert stats.adherence.days_done_30 == 7
    assert stats.adherence.last_7_days == pytest.approx(4 / 7)
    assert stats.adherence.last_30_days == pytest.approx(7 / 30)


def test_a_new_user_is_not_blamed_for_days_before_the_first_session() -> None:
    # The issue: a first session today read "1 of 30 days, 3 %".
    stats = compute_stats([session(at(TODAY))], PROTOCOL, TODAY, UTC)
    assert (stats.adherence.days_done_30, stats.adherence.days_30) == (1, 1)
    assert stats.adherence.last_30_days == 1.0
    three_days = [session(at(days_ago(n))) for n in (0, 2)]
    stats = compute_stats(three_days, PROTOCOL, TODAY, UTC)
    assert (stats.adherence.days_done_7, stats.adherence.days_7) == (2, 3)
    # The first use comes from the whole history when only part of it is passed in.
    stats = compute_stats(three_days, PROTOCOL, TODAY, UTC, first_use=at(days_ago(100)))
    assert (stats.adherence.days_7, stats.adherence.days_30) == (7, 30)


def test_demo_sessions_are_left_out_unless_asked() -> None:
    real = session(at(days_ago(1)))
    demo = replace(session(at(TODAY)), demo=True)
    stats = compute_stats([real, demo], PROTOCOL, TODAY, UTC)
    assert stats.today.sessions == 0 and stats.streak.current_days == 1
    assert stats.week[Side.RIGHT].counted_s == 120
    counted = compute_stats([real, demo], PROTOCOL, TODAY, UTC, include_demo=True)
    assert counted.today.sessions == 1 and counted.streak.current_days == 2
    assert counted.week[Side.RIGHT].counted_s == 240


NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("utc_moment", "tz", "local_day"),
    [
        # 02:30 UTC on the 12th is still the evening of the 11th in New York...
        (datetime(2026, 3, 12, 2, 30, tzinfo=UTC), NEW_YORK, date(2026, 3, 11)),
        # ...and already the morning of the 12th in Tokyo.
        (datetime(2026, 3, 11, 16, 30, tzinfo=UTC), TOKYO, date(2026, 3, 12)),
        (datetime(2026, 3, 11, 14, 59, tzinfo=UTC), TOKYO, date(2026, 3, 11)),
        (
            datetime(2026, 3, 12, 23, 59, tzinfo=UTC),
            timezone(timedelta(hours=-1)),
            date(2026, 3, 12),
        ),
        (
            datetime(2026, 3, 12, 23, 59, tzinfo=UTC),
            timezone(timedelta(hours=1)),
            date(2026, 3, 13),
        ),
    ],
)
def test_days_are_the_persons_local_days(utc_moment: datetime, tz: tzinfo, local_day: date) -> None:
    stats = compute_stats([session(utc_moment)], PROTOCOL, local_day, tz)
    assert stats.today.sessions == 1 and stats.today.counted_s == 240
    assert stats.streak.last_day == local_day
    other_day = compute_stats([session(utc_moment)], PROTOCOL, local_day + timedelta(days=2), tz)
    assert other_day.today.sessions == 0


def test_the_week_is_the_seven_days_ending_today_and_sums_per_side() -> None:
    first = TODAY - timedelta(days=6)  # Friday 6 March
    sessions = [
        session(at(first - timedelta(days=1))),  # eight days ago: not in the week
        session(at(first)),
        session(
            at(first + timedelta(days=2)),
            status=SessionStatus.PARTIAL,
            holds=[
                (Side.RIGHT, 30, HoldOutcome.COMPLETED),
                (Side.RIGHT, 12.5, HoldOutcome.SKIPPED),
            ],
        ),
    ]
    stats = compute_stats(sessions, PROTOCOL, TODAY, UTC)
    assert (stats.week_start, stats.week_end) == (first, TODAY)
    assert stats.week[Side.RIGHT].counted_s == 120 + 42.5
    assert stats.week[Side.LEFT].counted_s == 120
    assert stats.week[Side.RIGHT].dose_s == 30 * 4 * 7


def test_on_a_monday_the_week_is_still_seven_days() -> None:
    monday = date(2026, 3, 16)
    sessions = [session(at(monday - timedelta(days=n))) for n in range(8)]
    stats = compute_stats(sessions, PROTOCOL, monday, UTC)
    assert stats.week_start == date(2026, 3, 10)
    assert stats.week[Side.LEFT].counted_s == 7 * 120
    assert stats.week[Side.LEFT].fraction == 1.0


def test_a_one_sided_protocol_has_no_dose_on_the_other_side() -> None:
    right_only = PROTOCOL.model_copy(update={"sides": (Side.RIGHT,), "days_per_week": 3})
    stats = compute_stats([session(at(TODAY))], right_only, TODAY, UTC, first_use=at(days_ago(30)))
    assert stats.week[Side.RIGHT].dose_s == 30 * 4 * 3
    assert stats.week[Side.LEFT].dose_s == 0 and stats.week[Side.LEFT].fraction is None
    assert stats.week[Side.LEFT].counted_s == 120


def test_today_counts_reps_not_skips() -> None:
    holds = [(Side.RIGHT, 30.0, HoldOutcome.COMPLETED), (Side.RIGHT, 45.0, HoldOutcome.TIMED_OUT)]
    holds += [(Side.LEFT, 3.0, HoldOutcome.SKIPPED), (Side.LEFT, 10.0, HoldOutcome.INTERRUPTED)]
    stats = compute_stats([session(at(TODAY), holds=holds)], PROTOCOL, TODAY, UTC)
    assert stats.today.holds == 2
    assert stats.today.counted_s == 88.0


def test_mean_pain_before_and_after() -> None:
    sessions = [
        session(at(days_ago(3)), pain=(6, 4)),
        session(at(days_ago(2)), pain=(5, None)),
        session(at(days_ago(1)), pain=(None, 1)),
        session(at(days_ago(0))),
    ]
    pain = compute_stats(sessions, PROTOCOL, TODAY, UTC).pain
    assert pain.before_mean == pytest.approx(5.5) and pain.before_count == 2
    assert pain.after_mean == pytest.approx(2.5) and pain.after_count == 2
