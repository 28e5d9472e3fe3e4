"""Is the person doing it? Streaks, adherence, this week's dose and pain, from the records.

Pure: records, a protocol, today's date and the person's timezone go in; numbers come out.
Days are the person's local calendar days (a session at 00:30 local time belongs to that day,
whatever its UTC date). A day counts when it has a *completed* session, of any protocol.
Demo sessions are left out unless asked; days before the first session are not counted
against the person; "this week" is the seven days ending today (:mod:`.weeks`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from itertools import pairwise
from statistics import fmean
from typing import Any

from hipflex.domain.events import SessionStatus
from hipflex.domain.protocol import Protocol, Side
from hipflex.domain.records import SessionRecord
from hipflex.insights.dose import SideDose, daily_seconds, week_dose
from hipflex.insights.scope import counted_sessions, first_use_day
from hipflex.insights.scope import local_day as local_day  # re-exported: callers import it here
from hipflex.insights.weeks import days_from, week_ending


@dataclass(frozen=True)
class DayTotals:
    """What happened on one local day: sessions started, reps done, seconds that counted."""

    day: date
    sessions: int
    completed_sessions: int
    holds: int  # holds that count as a rep (completed or timed out)
    counted_s: float


@dataclass(frozen=True)
class Streak:
    """Runs of consecutive days with a completed session.

    The current streak is still alive today when yesterday was done and today not yet: the
    day is not over.
    """

    current_days: int
    longest_days: int
    last_day: date | None


@dataclass(frozen=True)
class Adherence:
    """Days with a completed session among the last 7 and 30 days (today included), counting
    only days since the first session (``days_7``, ``days_30``)."""

    days_done_7: int
    days_done_30: int
    days_7: int = 7
    days_30: int = 30

    @property
    def last_7_days(self) -> float | None:
        """Share 0–1; None before the first session."""
        return self.days_done_7 / self.days_7 if self.days_7 else None

    @property
    def last_30_days(self) -> float | None:
        return self.days_done_30 / self.days_30 if self.days_30 else None


@dataclass(frozen=True)
class PainSummary:
    """Mean 0–10 pain before and after sessions (None without ratings)."""

    before_mean: float | None
    after_mean: float | None
    before_count: int
    after_count: int


@dataclass(frozen=True)
class HistoryStats:
    """Everything ``hipflex stats`` shows."""

    protocol_name: str
    today: DayTotals
    streak: Streak
    adherence: Adherence
    week_start: date  # the first of the seven days ending today
    week: dict[Side, SideDose]
    pain: PainSummary
    week_end: date | None = None  # today

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (seconds rounded to 0.1 s, shares to 0.001)."""
        return {
            "protocol": self.protocol_name,
            "today": {
                "date": self.today.day.isoformat(),
                "sessions": self.today.sessions,
                "completed_sessions": self.today.completed_sessions,
                "holds": self.today.holds,
                "counted_s": round(self.today.counted_s, 1),
            },
            "streak": {
                "current_days": self.streak.current_days,
                "longest_days": self.streak.longest_days,
                "last_day": self.streak.last_day.isoformat() if self.streak.last_day else None,
            },
            "adherence": {
                "last_7_days": _round(self.adherence.last_7_days, 3),
                "last_30_days": _round(self.adherence.last_30_days, 3),
                "days_done_7": self.adherence.days_done_7,
                "days_done_30": self.adherence.days_done_30,
                "days_7": self.adherence.days_7,
                "days_30": self.adherence.days_30,
            },
            "week_start": self.week_start.isoformat(),
            "week_end": (self.week_end or self.today.day).isoformat(),
            "week": {
                side.value: {
                    "counted_s": round(dose.counted_s, 1),
                    "dose_s": dose.dose_s,
                    "fraction": None if dose.fraction is None else round(dose.fraction, 3),
                }
                for side, dose in self.week.items()
            },
            "pain": {
                "before_mean": _round(self.pain.before_mean, 2),
                "after_mean": _round(self.pain.after_mean, 2),
                "before_count": self.pain.before_count,
                "after_count": self.pain.after_count,
            },
        }


def compute_stats(
    sessions: Sequence[SessionRecord],
    protocol: Protocol,
    today: date,
    tz: tzinfo,
    *,
    first_use: datetime | None = None,
    include_demo: bool = False,
) -> HistoryStats:
    """Stats over ``sessions`` as of local day ``today`` in ``tz``; doses from ``protocol``.

    ``first_use`` is the first stored session's start (pass it when ``sessions`` is not the
    whole history); demo sessions count only with ``include_demo``.
    """
    counted = counted_sessions(sessions, include_demo)
    first_day = first_use_day(first_use, counted, tz)
    done = completed_days(counted, tz)
    week = week_ending(today)
    return HistoryStats(
        protocol_name=protocol.name,
        today=day_totals(counted, today, tz),
        streak=streaks(done, today),
        adherence=Adherence(
            days_done_7=_days_done(done, today, 7),
            days_done_30=_days_done(done, today, 30),
            days_7=_days_since(first_day, today, 7),
            days_30=_days_since(first_day, today, 30),
        ),
        week_start=week.first_day,
        week=week_dose(daily_seconds(counted, protocol, tz), protocol, week, first_day).sides,
        pain=pain_summary(counted),
        week_end=week.last_day,
    )


def completed_days(sessions: Iterable[SessionRecord], tz: tzinfo) -> set[date]:
    """Local days with at least one completed session."""
    return {local_day(s.started_at, tz) for s in sessions if s.status is SessionStatus.COMPLETED}


def streaks(days: set[date], today: date) -> Streak:
    """Current and longest run of consecutive ``days``; days after ``today`` are ignored."""
    past = sorted(d for d in days if d <= today)
    if not past:
        return Streak(current_days=0, longest_days=0, last_day=None)
    longest = run = 1
    for previous, day in pairwise(past):
        run = run + 1 if day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
    current = 0
    cursor = today if today in days else today - timedelta(days=1)
    while cursor in days:
        current += 1
        cursor -= timedelta(days=1)
    return Streak(current_days=current, longest_days=longest, last_day=past[-1])


def day_totals(sessions: Iterable[SessionRecord], day: date, tz: tzinfo) -> DayTotals:
    """Sessions, reps and counted seconds of sessions started on local ``day``."""
    on_day = [s for s in sessions if local_day(s.started_at, tz) == day]
    return DayTotals(
        day=day,
        sessions=len(on_day),
        completed_sessions=sum(1 for s in on_day if s.status is SessionStatus.COMPLETED),
        holds=sum(s.reps_done for s in on_day),
        counted_s=sum(h.counted_s for s in on_day for h in s.holds),
    )


def pain_summary(sessions: Iterable[SessionRecord]) -> PainSummary:
    """Mean pain before and after, over the sessions that have a rating."""
    rated = list(sessions)
    before = [s.pain_before for s in rated if s.pain_before is not None]
    after = [s.pain_after for s in rated if s.pain_after is not None]
    return PainSummary(
        before_mean=fmean(before) if before else None,
        after_mean=fmean(after) if after else None,
        before_count=len(before),
        after_count=len(after),
    )


def _days_since(first_use: date | None, today: date, window_days: int) -> int:
    return days_from(today - timedelta(days=window_days - 1), today, first_use)


def _days_done(done: set[date], today: date, window_days: int) -> int:
    first = today - timedelta(days=window_days - 1)
    return sum(1 for day in done if first <= day <= today)


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
