"""Is the person doing it? Streaks, adherence, this week's dose and pain, from the records.

Pure: records, a protocol, today's date and the person's timezone go in; numbers come out.
Days are the person's local calendar days (a session at 00:30 local time belongs to that day,
whatever its UTC date). A day counts when it has a *completed* session, of any protocol.
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
    """Share of the last 7 and 30 days (today included) with a completed session, 0–1."""

    days_done_7: int
    days_done_30: int

    @property
    def last_7_days(self) -> float:
        return self.days_done_7 / 7

    @property
    def last_30_days(self) -> float:
        return self.days_done_30 / 30


@dataclass(frozen=True)
class SideDose:
    """Counted hold seconds on one side this week, against the protocol's weekly dose."""

    counted_s: float
    dose_s: int

    @property
    def fraction(self) -> float | None:
        """counted / dose (may exceed 1); None when the protocol plans nothing on this side."""
        return self.counted_s / self.dose_s if self.dose_s else None


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
    week_start: date
    week: dict[Side, SideDose]
    pain: PainSummary

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
                "last_7_days": round(self.adherence.last_7_days, 3),
                "last_30_days": round(self.adherence.last_30_days, 3),
                "days_done_7": self.adherence.days_done_7,
                "days_done_30": self.adherence.days_done_30,
            },
            "week_start": self.week_start.isoformat(),
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
    sessions: Sequence[SessionRecord], protocol: Protocol, today: date, tz: tzinfo
) -> HistoryStats:
    """Stats over ``sessions`` as of local day ``today`` in ``tz``; doses from ``protocol``."""
    done = completed_days(sessions, tz)
    week_start = today - timedelta(days=today.weekday())  # ISO week: Monday first
    return HistoryStats(
        protocol_name=protocol.name,
        today=day_totals(sessions, today, tz),
        streak=streaks(done, today),
        adherence=Adherence(
            days_done_7=_days_done(done, today, 7), days_done_30=_days_done(done, today, 30)
        ),
        week_start=week_start,
        week=week_doses(sessions, protocol, week_start, today, tz),
        pain=pain_summary(sessions),
    )


def local_day(moment: datetime, tz: tzinfo) -> date:
    """The person's calendar day of an aware ``moment``."""
    return moment.astimezone(tz).date()


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


def week_doses(
    sessions: Iterable[SessionRecord],
    protocol: Protocol,
    week_start: date,
    today: date,
    tz: tzinfo,
) -> dict[Side, SideDose]:
    """Counted seconds per side from ``week_start`` to ``today`` against the weekly dose.

    Every side the protocol stretches appears (with 0 s when not done yet); a side stretched
    only by another protocol appears with a dose of 0.
    """
    counted: dict[Side, float] = dict.fromkeys(protocol.sides, 0.0)
    for session in sessions:
        if week_start <= local_day(session.started_at, tz) <= today:
            for side, seconds in session.counted_s_by_side().items():
                counted[side] = counted.get(side, 0.0) + seconds
    dose_s = protocol.weekly_dose_s()
    return {
        side: SideDose(counted_s=seconds, dose_s=dose_s if side in protocol.sides else 0)
        for side, seconds in counted.items()
    }


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


def _days_done(done: set[date], today: date, window_days: int) -> int:
    first = today - timedelta(days=window_days - 1)
    return sum(1 for day in done if first <= day <= today)


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
