""" "See how you feel": pain before vs after a session, and on days with vs without one.

Pure. Pain is the 0–10 rating the person gives before and/or after a session.

* **Before vs after**: for each session with both ratings, after minus before; the mean change
  with a 95 % t interval (negative = less pain after stretching).
* **Days with vs without a session**: each local day with any rating gets the mean of its
  ratings; days with a completed session are compared with rated days without one (a started
  but unfinished session) by the difference of means with a seeded percentile bootstrap
  interval. Ratings are recorded with sessions, so rated days without a completed session are
  rare and this comparison is often "too few to say"; it is reported honestly as such.

Each result carries ``enough``: False below ``MIN_PAIRS`` / ``MIN_DAYS_PER_GROUP``, where the
summary says the data are too few rather than quoting a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from statistics import fmean

from hipflex.domain.events import SessionStatus
from hipflex.domain.records import SessionRecord
from hipflex.insights.intervals import Interval, bootstrap_mean_difference, mean_interval
from hipflex.insights.stats import local_day

MIN_PAIRS = 5  # sessions with both ratings before a before/after change is worth quoting
MIN_DAYS_PER_GROUP = 5  # rated days in each group before the day comparison is quoted


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
        return self.change is not None and len(self.pairs) >= MIN_PAIRS


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
        )


@dataclass(frozen=True)
class PainAnalysis:
    before_after: BeforeAfter
    days: DayComparison
    rated_sessions: int  # sessions with at least one rating

    @property
    def any_ratings(self) -> bool:
        return self.rated_sessions > 0


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


def day_comparison(sessions: Sequence[SessionRecord], tz: tzinfo) -> DayComparison:
    """Days with any pain rating, split by whether the day had a completed session."""
    ratings: dict[date, list[int]] = {}
    done: set[date] = set()
    for session in sessions:
        day = local_day(session.started_at, tz)
        if session.status is SessionStatus.COMPLETED:
            done.add(day)
        for value in (session.pain_before, session.pain_after):
            if value is not None:
                ratings.setdefault(day, []).append(value)
    daily = {day: fmean(values) for day, values in sorted(ratings.items())}
    with_session = {day: value for day, value in daily.items() if day in done}
    without_session = {day: value for day, value in daily.items() if day not in done}
    return DayComparison(
        with_session=with_session,
        without_session=without_session,
        difference=bootstrap_mean_difference(
            list(with_session.values()), list(without_session.values())
        ),
    )


def analyse_pain(sessions: Sequence[SessionRecord], tz: tzinfo) -> PainAnalysis:
    """Both comparisons."""
    rated = sum(1 for s in sessions if s.pain_before is not None or s.pain_after is not None)
    return PainAnalysis(
        before_after=before_after(sessions, tz),
        days=day_comparison(sessions, tz),
        rated_sessions=rated,
    )
