"""What the History page shows, computed from the records (pure: no storage, no web).

Streaks and pain means come from :mod:`hipflex.insights.stats`; this module arranges the
record over time: a calendar of days in weeks that end today (the same weeks as every other
figure, :mod:`hipflex.insights.weeks`), counted seconds per side per week against the dose,
hip extension per side per camera session, and pain per date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from enum import StrEnum

from hipflex.domain.protocol import Protocol, Side
from hipflex.domain.records import PainCheckInRecord, SessionRecord
from hipflex.insights.dose import daily_seconds, week_dose
from hipflex.insights.scope import counted_sessions, first_use_day, local_day
from hipflex.insights.stats import completed_days
from hipflex.insights.trends import extension_points
from hipflex.insights.weeks import Week, weeks_ending


class DayMark(StrEnum):
    """How a calendar day went: a completed session, only partial ones, nothing, or it was
    before the first session (not held against the person)."""

    DONE = "done"
    PARTIAL = "partial"
    NONE = "none"
    BEFORE_START = "before-start"


@dataclass(frozen=True)
class CalendarDay:
    day: date
    mark: DayMark
    counted_s: float


@dataclass(frozen=True)
class WeekSeconds:
    """Counted hold seconds per side in one week, against that week's dose per side."""

    week: Week
    counted_s: dict[Side, float]
    dose_s: int  # the weekly dose per side, prorated to the days since the first session

    @property
    def week_start(self) -> date:
        return self.week.first_day


@dataclass(frozen=True)
class SidePoint:
    """Hip extension reached on one side in one session (the best hold), degrees."""

    at: datetime
    day: date
    side: Side
    hip_extension_max_deg: float


@dataclass(frozen=True)
class PainPoint:
    """A pain rating on a date: a session's before/after, or a check-in (``checkin``)."""

    at: datetime
    day: date
    before: int | None
    after: int | None
    checkin: int | None = None


@dataclass(frozen=True)
class HistoryView:
    calendar: list[list[CalendarDay]]  # weeks ending today, oldest first, 7 days each
    days_done: int  # days with a completed session in the calendar's span
    weeks: list[WeekSeconds]
    hip_extension: list[SidePoint]
    pain: list[PainPoint]
    sides: tuple[Side, ...]

    @property
    def weekdays(self) -> list[str]:
        """Row labels of the calendar: the weekday of each row ("Tue" … today's last)."""
        return [f"{day.day:%a}" for day in self.calendar[0]] if self.calendar else []


def calendar(
    sessions: Sequence[SessionRecord],
    today: date,
    tz: tzinfo,
    weeks: int = 12,
    first_use: date | None = None,
) -> list[list[CalendarDay]]:
    """``weeks`` rows of 7 days, the last ending ``today``."""
    done = completed_days(sessions, tz)
    started: dict[date, float] = {}
    for session in sessions:
        day = local_day(session.started_at, tz)
        started[day] = started.get(day, 0.0) + sum(h.counted_s for h in session.holds)
    rows: list[list[CalendarDay]] = []
    for week in weeks_ending(today, weeks):
        row = []
        for day in week.days():
            if day in done:
                mark = DayMark.DONE
            elif day in started:
                mark = DayMark.PARTIAL
            elif first_use is None or day < first_use:
                mark = DayMark.BEFORE_START
            else:
                mark = DayMark.NONE
            row.append(CalendarDay(day, mark, started.get(day, 0.0)))
        rows.append(row)
    return rows


def weekly_seconds(
    sessions: Sequence[SessionRecord],
    protocol: Protocol,
    today: date,
    tz: tzinfo,
    weeks: int = 8,
    first_use: date | None = None,
) -> list[WeekSeconds]:
    """Counted seconds per side for the last ``weeks`` weeks (oldest first), with the dose."""
    daily = daily_seconds(sessions, protocol, tz)
    result = []
    for week in weeks_ending(today, weeks):
        dose = week_dose(daily, protocol, week, first_use)
        planned = max((d.dose_s for d in dose.sides.values()), default=0)
        result.append(
            WeekSeconds(
                week=week,
                counted_s={side: d.counted_s for side, d in dose.sides.items()},
                dose_s=planned,
            )
        )
    return result


def hip_extension_series(sessions: Sequence[SessionRecord], tz: tzinfo) -> list[SidePoint]:
    """Per session and side, the largest hip extension any hold reached (camera holds only)."""
    return [
        SidePoint(point.at, local_day(point.at, tz), point.side, point.hip_extension_deg)
        for point in extension_points(sessions)
    ]


def pain_series(
    sessions: Sequence[SessionRecord],
    tz: tzinfo,
    checkins: Sequence[PainCheckInRecord] = (),
) -> list[PainPoint]:
    """Sessions with a pain rating and the check-ins, by time, oldest first."""
    points = [
        PainPoint(s.started_at, local_day(s.started_at, tz), s.pain_before, s.pain_after)
        for s in sessions
        if s.pain_before is not None or s.pain_after is not None
    ]
    points += [PainPoint(c.recorded_at, c.day, None, None, c.value) for c in checkins]
    return sorted(points, key=lambda p: (p.day, p.at))


def history_view(
    sessions: Sequence[SessionRecord],
    protocol: Protocol,
    today: date,
    tz: tzinfo,
    *,
    checkins: Sequence[PainCheckInRecord] = (),
    first_use: datetime | None = None,
    include_demo: bool = False,
    calendar_weeks: int = 12,
    chart_weeks: int = 8,
) -> HistoryView:
    """Everything the History page shows, for ``sessions`` as of local day ``today``."""
    counted = counted_sessions(sessions, include_demo)
    first_day = first_use_day(first_use, counted, tz)
    rows = calendar(counted, today, tz, calendar_weeks, first_day)
    days_done = sum(1 for row in rows for day in row if day.mark is DayMark.DONE)
    return HistoryView(
        calendar=rows,
        days_done=days_done,
        weeks=weekly_seconds(counted, protocol, today, tz, chart_weeks, first_day),
        hip_extension=hip_extension_series(counted, tz),
        pain=pain_series(counted, tz, checkins),
        sides=protocol.sides,
    )
