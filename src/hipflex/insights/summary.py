"""Everything ``hipflex insights``, the History page and the report show.

Pure: records, the protocol, today's date and the time zone go in. The window is the last
``weeks`` weeks ending today (:mod:`hipflex.insights.weeks`: the one week definition);
days before the first session are not counted against the person, demos are left out unless
asked, and a day counts at most one session's dose (:mod:`hipflex.insights.dose`). The words
are in :mod:`hipflex.insights.sentences`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from hipflex.domain.events import SessionStatus
from hipflex.domain.protocol import Protocol, Side
from hipflex.domain.records import PainCheckInRecord, SessionRecord
from hipflex.insights.dose import WeekDose, daily_seconds, week_dose
from hipflex.insights.evidence import DailyTrend
from hipflex.insights.history_view import PainPoint, pain_series
from hipflex.insights.intervals import Interval
from hipflex.insights.pain import PainAnalysis, analyse_pain
from hipflex.insights.scope import counted_sessions, first_use_day, local_day
from hipflex.insights.sentences import summary_sentences
from hipflex.insights.trends import DEFAULT_MARGIN_DEG, RangeOfMotion, SideTrend, range_of_motion
from hipflex.insights.weeks import WEEK_DAYS, Week, days_from, weeks_ending

__all__ = ["Insights", "PainPoint", "build_insights"]


@dataclass(frozen=True)
class DayStatus:
    day: date
    done: bool  # a completed session
    started: bool  # any session, completed or not
    counted_s: float
    before_start: bool = False  # before the first session: not counted against the person


@dataclass(frozen=True)
class SessionNote:
    day: date  # the day of the session the note belongs to
    text: str


@dataclass(frozen=True)
class Insights:
    protocol: Protocol
    today: date
    tz: tzinfo  # the person's time zone: local days and times
    first_day: date  # the window's first day
    weeks: int
    week_list: tuple[Week, ...]
    first_use: date | None  # the person's first session (any time, not only in the window)
    sessions: int  # sessions started in the window
    demo_sessions: int  # demo sessions in the window left out (0 with include_demo)
    days: tuple[DayStatus, ...]
    week_doses: tuple[WeekDose, ...]
    range_of_motion: RangeOfMotion
    pain: PainAnalysis
    pain_points: tuple[PainPoint, ...]
    notes: tuple[SessionNote, ...]
    sentences: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self.sessions == 0 and not self.pain.checkins

    @property
    def days_done(self) -> int:
        return sum(1 for day in self.days if day.done)

    @property
    def active_days(self) -> int:
        """Days of the window on or after the first session."""
        return days_from(self.first_day, self.today, self.first_use)

    @property
    def started_in_window(self) -> bool:
        """True when the first session ever falls inside the window (a new user)."""
        return self.first_use is not None and self.first_use > self.first_day

    @property
    def days_planned(self) -> int:
        """Days the protocol plans over the active days (7 a week for a daily protocol)."""
        return round(self.protocol.days_per_week * self.active_days / WEEK_DAYS)

    def counted_s(self, side: Side) -> float:
        return sum(w.counted_s(side) for w in self.week_doses)

    def dose_s(self, side: Side) -> int:
        return sum(w.sides[side].dose_s for w in self.week_doses if side in w.sides)

    def mean_weekly_s(self, side: Side) -> float:
        """Counted seconds per week of active days (days since the first session)."""
        if not self.active_days:
            return 0.0
        return self.counted_s(side) / (self.active_days / WEEK_DAYS)

    def dose_fraction(self, side: Side) -> float | None:
        dose = self.dose_s(side)
        return self.counted_s(side) / dose if dose else None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (degrees and points to 0.01, seconds to 0.1)."""
        rom = self.range_of_motion
        pain = self.pain
        sides = self.protocol.sides
        return {
            "protocol": self.protocol.name,
            "window": {
                "first_day": self.first_day.isoformat(),
                "last_day": self.today.isoformat(),
                "weeks": self.weeks,
            },
            "first_use": self.first_use.isoformat() if self.first_use else None,
            "sessions": self.sessions,
            "demo_sessions_left_out": self.demo_sessions,
            "adherence": {
                "days_done": self.days_done,
                "days_planned": self.days_planned,
                "active_days": self.active_days,
            },
            "dose": {
                "weekly_dose_s": self.protocol.weekly_dose_s(),
                "daily_cap_s": self.protocol.session_dose_s(),
                "mean_weekly_s": {s.value: round(self.mean_weekly_s(s), 1) for s in sides},
                "fraction": {s.value: _r(self.dose_fraction(s), 3) for s in sides},
                "weeks": [
                    {
                        "first_day": w.week.first_day.isoformat(),
                        "last_day": w.week.last_day.isoformat(),
                        "active_days": w.active_days,
                        "counted_s": {s.value: round(d.counted_s, 1) for s, d in w.sides.items()},
                        "dose_s": {s.value: d.dose_s for s, d in w.sides.items()},
                    }
                    for w in self.week_doses
                ],
            },
            "hip_extension": {
                "margin_deg": rom.margin_deg,
                "difference_deg": _r(rom.difference_deg),
                "asymmetric": rom.asymmetric,
                "sides": {side.value: _side_json(trend) for side, trend in rom.trends.items()},
            },
            "pain": {
                "rated_sessions": pain.rated_sessions,
                "checkins": pain.checkins,
                "before_after": {
                    "pairs": len(pain.before_after.pairs),
                    "before_mean": _r(pain.before_after.before_mean),
                    "after_mean": _r(pain.before_after.after_mean),
                    "change": _interval_json(pain.before_after.change),
                    "enough": pain.before_after.enough,
                },
                "days": {
                    "with_session": len(pain.days.with_session),
                    "without_session": len(pain.days.without_session),
                    "difference": _interval_json(pain.days.difference),
                    "enough": pain.days.enough,
                },
                "weekly": [
                    {
                        "first_day": w.week.first_day.isoformat(),
                        "last_day": w.week.last_day.isoformat(),
                        "mean": _r(w.mean),
                        "rated_days": w.rated_days,
                    }
                    for w in pain.weekly
                ],
                "trend": _trend_json(pain.trend, "points_per_week"),
            },
            "notes": [{"day": n.day.isoformat(), "text": n.text} for n in self.notes],
            "summary": list(self.sentences),
        }


def build_insights(
    sessions: Sequence[SessionRecord],
    protocol: Protocol,
    today: date,
    tz: tzinfo,
    *,
    weeks: int = 4,
    checkins: Sequence[PainCheckInRecord] = (),
    first_use: datetime | None = None,
    include_demo: bool = False,
    margin_deg: float = DEFAULT_MARGIN_DEG,
) -> Insights:
    """Insights over the ``weeks`` weeks ending ``today`` (records outside are ignored).

    ``first_use`` is the first stored session's start (pass it when ``sessions`` is not the
    whole history); demo sessions count only with ``include_demo``.
    """
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    week_list = weeks_ending(today, weeks)
    first_day = week_list[0].first_day
    in_window = [s for s in sessions if first_day <= local_day(s.started_at, tz) <= today]
    window = counted_sessions(in_window, include_demo)
    first = first_use_day(first_use, counted_sessions(sessions, include_demo), tz)
    window_checkins = [c for c in checkins if first_day <= c.day <= today]
    daily = daily_seconds(window, protocol, tz)
    insights = Insights(
        protocol=protocol,
        today=today,
        tz=tz,
        first_day=first_day,
        weeks=weeks,
        week_list=week_list,
        first_use=first,
        sessions=len(window),
        demo_sessions=len(in_window) - len(window),
        days=_days(window, first_day, today, tz, first),
        week_doses=tuple(week_dose(daily, protocol, week, first) for week in week_list),
        range_of_motion=range_of_motion(window, tz, protocol.sides, margin_deg=margin_deg),
        pain=analyse_pain(window, tz, window_checkins, week_list),
        pain_points=tuple(pain_series(window, tz, window_checkins)),
        notes=tuple(
            SessionNote(local_day(s.started_at, tz), note.text)
            for s in window
            for note in s.notes
            if note.text.strip()
        ),
    )
    return replace(insights, sentences=tuple(summary_sentences(insights)))


def _days(
    sessions: Sequence[SessionRecord],
    first_day: date,
    today: date,
    tz: tzinfo,
    first_use: date | None,
) -> tuple[DayStatus, ...]:
    done: set[date] = set()
    started: set[date] = set()
    counted: dict[date, float] = {}
    for session in sessions:
        day = local_day(session.started_at, tz)
        started.add(day)
        if session.status is SessionStatus.COMPLETED:
            done.add(day)
        counted[day] = counted.get(day, 0.0) + sum(h.counted_s for h in session.holds)
    span = (today - first_day).days + 1
    days = (first_day + timedelta(days=offset) for offset in range(span))
    return tuple(
        DayStatus(
            d,
            d in done,
            d in started,
            counted.get(d, 0.0),
            before_start=first_use is None or d < first_use,
        )
        for d in days
    )


def _side_json(trend: SideTrend) -> dict[str, Any]:
    return {
        "sessions": trend.sessions,
        "points": [
            {
                "at": p.at.isoformat(),
                "session_id": p.session_id,
                "deg": round(p.hip_extension_deg, 2),
            }
            for p in trend.points
        ],
        **_trend_json(trend.trend, "deg_per_week"),
        "first_deg": _r(trend.first_deg),
        "last_deg": _r(trend.last_deg),
    }


def _trend_json(trend: DailyTrend, unit: str) -> dict[str, Any]:
    return {
        "days": trend.days,
        "span_days": trend.span_days,
        "verdict": trend.verdict.value,
        f"slope_{unit}": _interval_json(trend.slope),
        "first": _r(trend.first_value),
        "last": _r(trend.last_value),
    }


def _interval_json(interval: Interval | None) -> dict[str, float] | None:
    if interval is None:
        return None
    return {
        "estimate": round(interval.estimate, 3),
        "low": round(interval.low, 3),
        "high": round(interval.high, 3),
    }


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)
