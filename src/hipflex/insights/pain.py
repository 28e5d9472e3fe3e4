""" "See how you feel": pain before vs after a session, on days with vs without one, and
whether it is falling over the weeks.

Pure. Pain is a 0–10 rating, given before and/or after a session, or as a check-in on any day
(``hipflex pain N``; one per day).

* **Before vs after**: for each session with both ratings, after minus before; the mean change
  with a 95 % t interval (negative = less pain after stretching).
* **Days with vs without a session**: each local day with any rating (session ratings and the
  check-in) gets the mean of its ratings; days with a completed session are compared with
  rated days without one by the difference of means with a seeded percentile bootstrap
  interval. Check-ins on rest days are what make this comparison possible.
* **Over the weeks**: the daily values above, per week (:mod:`hipflex.insights.weeks`) and as
  a trend in points per week under the rule of :mod:`hipflex.insights.evidence`.

Each comparison carries ``enough``: False below ``MIN_PAIRS`` / ``MIN_DAYS_PER_GROUP`` or when
the interval reaches beyond what the 0–10 scale allows, where the summary says the data are
too few rather than quoting a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from statistics import fmean

from hipflex.domain.events import SessionStatus
from hipflex.domain.records import PAIN_MAX, PAIN_MIN, PainCheckInRecord, SessionRecord
from hipflex.insights.evidence import PAIN_TREND, DailyTrend, daily_trend, within
from hipflex.insights.intervals import Interval, bootstrap_mean_difference, mean_interval
from hipflex.insights.scope import local_day
from hipflex.insights.weeks import Week

MIN_PAIRS = 5  # sessions with both ratings before a before/after change is worth quoting
MIN_DAYS_PER_GROUP = 5  # rated days in each group before the day comparison is quoted
# A change or difference of two 0–10 ratings lies in this range; an interval beyond it says
# the data are too few or too spread, not something about the person.
CHANGE_RANGE = (float(PAIN_MIN - PAIN_MAX), float(PAIN_MAX - PAIN_MIN))


@dataclass(frozen=True)
class PainPair:
    day: date
    before: int
    after: int

    @property
    def change(self) -> int:
        return self.after - self.before


@dataclass(frozen=True)
class BeforeAfter:
    """Pain after minus before, over sessions with both ratings."""

    pairs: tuple[PainPair, ...]
    change: Interval | None  # mean change with 95 % interval (None below 2 pairs)
    before_mean: float | None
    after_mean: float | None

    @property
    def enough(self) -> bool:
        return (
            self.change is not None
            and len(self.pairs) >= MIN_PAIRS
            and within(self.change, *CHANGE_RANGE)
        )


@dataclass(frozen=True)
class DayComparison:
    """Mean daily pain on days with a completed session minus days without one."""

    with_session: dict[date, float]
    without_session: dict[date, float]
    difference: Interval | None  # with minus without, bootstrap 95 % interval

    @property
    def enough(self) -> bool:
        return (
            self.difference is not None
            and len(self.with_session) >= MIN_DAYS_PER_GROUP
            and len(self.without_session) >= MIN_DAYS_PER_GROUP
            and within(self.difference, *CHANGE_RANGE)
        )


@dataclass(frozen=True)
class WeekPain:
    """Mean daily pain in one week, over ``rated_days`` days with a rating."""

    week: Week
    mean: float | None
    rated_days: int


@dataclass(frozen=True)
class PainAnalysis:
    before_after: BeforeAfter
    days: DayComparison
    rated_sessions: int  # sessions with at least one rating
    checkins: int  # pain check-ins
    weekly: tuple[WeekPain, ...]
    trend: DailyTrend  # daily pain, points per week

    @property
    def any_ratings(self) -> bool:
        return self.rated_sessions > 0 or self.checkins > 0


def before_after(sessions: Sequence[SessionRecord], tz: tzinfo) -> BeforeAfter:
    """The before/after change over sessions that have both ratings."""
    pairs = tuple(
        PainPair(local_day(s.started_at, tz), s.pain_before, s.pain_after)
        for s in sorted(sessions, key=lambda s: s.started_at)
        if s.pain_before is not None and s.pain_after is not None
    )
    return BeforeAfter(
        pairs=pairs,
        change=mean_interval([float(p.change) for p in pairs]),
        before_mean=fmean(p.before for p in pairs) if pairs else None,
        after_mean=fmean(p.after for p in pairs) if pairs else None,
    )


def daily_pain(
    sessions: Sequence[SessionRecord], checkins: Sequence[PainCheckInRecord], tz: tzinfo
) -> dict[date, float]:
    """Each local day with any rating → the mean of its ratings (sessions and check-in)."""
    ratings: dict[date, list[int]] = {}
    for session in sessions:
        day = local_day(session.started_at, tz)
        for value in (session.pain_before, session.pain_after):
            if value is not None:
                ratings.setdefault(day, []).append(value)
    for checkin in checkins:
        ratings.setdefault(checkin.day, []).append(checkin.value)
    return {day: fmean(values) for day, values in sorted(ratings.items())}


def day_comparison(
    sessions: Sequence[SessionRecord],
    tz: tzinfo,
    checkins: Sequence[PainCheckInRecord] = (),
) -> DayComparison:
    """Days with any pain rating, split by whether the day had a completed session."""
    done = {local_day(s.started_at, tz) for s in sessions if s.status is SessionStatus.COMPLETED}
    daily = daily_pain(sessions, checkins, tz)
    with_session = {day: value for day, value in daily.items() if day in done}
    without_session = {day: value for day, value in daily.items() if day not in done}
    return DayComparison(
        with_session=with_session,
        without_session=without_session,
        difference=bootstrap_mean_difference(
            list(with_session.values()), list(without_session.values())
        ),
    )


def weekly_pain(daily: dict[date, float], weeks: Sequence[Week]) -> tuple[WeekPain, ...]:
    """Mean daily pain per week (None for a week without ratings)."""
    result = []
    for week in weeks:
        values = [value for day, value in daily.items() if day in week]
        result.append(WeekPain(week, fmean(values) if values else None, len(values)))
    return tuple(result)


def analyse_pain(
    sessions: Sequence[SessionRecord],
    tz: tzinfo,
    checkins: Sequence[PainCheckInRecord] = (),
    weeks: Sequence[Week] = (),
) -> PainAnalysis:
    """Every comparison, over ``sessions`` and ``checkins`` (already cut to the window)."""
    rated = sum(1 for s in sessions if s.pain_before is not None or s.pain_after is not None)
    daily = daily_pain(sessions, checkins, tz)
    return PainAnalysis(
        before_after=before_after(sessions, tz),
        days=day_comparison(sessions, tz, checkins),
        rated_sessions=rated,
        checkins=len(checkins),
        weekly=weekly_pain(daily, weeks),
        trend=daily_trend(daily, PAIN_TREND),
    )
