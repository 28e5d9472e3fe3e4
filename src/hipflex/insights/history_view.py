"""What the History page shows, computed from the records (pure: no storage, no web).

Streaks, doses and pain means come from :mod:`hipflex.insights.stats`; this module arranges
them over time: a calendar of days, counted seconds per side per week against the dose, hip
extension per side per session (camera holds), and pain before/after per session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum

from hipflex.domain.protocol import Protocol, Side
from hipflex.domain.records import SessionRecord
from hipflex.insights.stats import completed_days, local_day, week_doses
from hipflex.insights.trends import extension_points


class DayMark(StrEnum):
    """How a calendar day went: a completed session, only partial ones, or nothing."""

    DONE = "done"
    PARTIAL = "partial"
    NONE = "none"
    FUTURE = "future"


@dataclass(frozen=True)
class CalendarDay:
    day: date
    mark: DayMark
    counted_s: float


@dataclass(frozen=True)
class WeekSeconds:
    """Counted hold seconds per side in the week starting ``week_start`` (a Monday)."""

    week_start: date
    counted_s: dict[Side, float]
    dose_s: int  # the protocol's weekly dose per side


@dataclass(frozen=True)
class SidePoint:
    """Hip extension reached on one side in one session (the best hold), degrees."""

    at: datetime
    day: date
    side: Side
    hip_extension_max_deg: float


@dataclass(frozen=True)
class PainPoint:
    at: datetime
    day: date
    before: int | None
    after: int | None


@dataclass(frozen=True)
class HistoryView:
    calendar: list[list[CalendarDay]]  # weeks (Monday first), oldest first
    days_done: int  # days with a completed session in the calendar's span
    weeks: list[WeekSeconds]
    hip_extension: list[SidePoint]
    pain: list[PainPoint]
    sides: tuple[Side, ...]


def calendar(
    sessions: Sequence[SessionRecord], today: date, tz: tzinfo, weeks: int = 12
) -> list[list[CalendarDay]]:
    """``weeks`` rows of 7 days (Monday first) ending with the week of ``today``."""
    done = completed_days(sessions, tz)
    started: dict[date, float] = {}
    for session in sessions:
        day = local_day(session.started_at, tz)
        started[day] = started.get(day, 0.0) + sum(h.counted_s for h in session.holds)
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    rows: list[list[CalendarDay]] = []
    for week in range(weeks):
        row = []
        for weekday in range(7):
            day = first + timedelta(weeks=week, days=weekday)
            if day > today:
                mark = DayMark.FUTURE
            elif day in done:
                mark = DayMark.DONE
            elif day in started:
                mark = DayMark.PARTIAL
            else:
                mark = DayMark.NONE
            row.append(CalendarDay(day, mark, started.get(day, 0.0)))
        rows.append(row)
    return rows


def weekly_seconds(
    sessions: Sequence[SessionRecord], protocol: Protocol, today: date, tz: tzinfo, weeks: int = 8
) -> list[WeekSeconds]:
    """Counted seconds per side for the last ``weeks`` weeks (oldest first), with the dose."""
    this_monday = today - timedelta(days=today.weekday())
    result = []
    for back in range(weeks - 1, -1, -1):
        start = this_monday - timedelta(weeks=back)
        end = min(start + timedelta(days=6), today)
        doses = week_doses(sessions, protocol, start, end, tz)
        result.append(
            WeekSeconds(
                week_start=start,
                counted_s={side: dose.counted_s for side, dose in doses.items()},
                dose_s=protocol.weekly_dose_s(),
            )
        )
    return result


def hip_extension_series(sessions: Sequence[SessionRecord], tz: tzinfo) -> list[SidePoint]:
    """Per session and side, the largest hip extension any hold reached (camera holds only)."""
    return [
        SidePoint(point.at, local_day(point.at, tz), point.side, point.hip_extension_deg)
        for point in extension_points(sessions)
    ]


def pain_series(sessions: Sequence[SessionRecord], tz: tzinfo) -> list[PainPoint]:
    """Sessions with a pain rating, oldest first."""
    return [
        PainPoint(s.started_at, local_day(s.started_at, tz), s.pain_before, s.pain_after)
        for s in sorted(sessions, key=lambda s: s.started_at)
        if s.pain_before is not None or s.pain_after is not None
    ]


def history_view(
    sessions: Sequence[SessionRecord],
    protocol: Protocol,
    today: date,
    tz: tzinfo,
    *,
    calendar_weeks: int = 12,
    chart_weeks: int = 8,
) -> HistoryView:
    """Everything the History page shows, for ``sessions`` as of local day ``today``."""
    rows = calendar(sessions, today, tz, calendar_weeks)
    days_done = sum(1 for row in rows for day in row if day.mark is DayMark.DONE)
    return HistoryView(
        calendar=rows,
        days_done=days_done,
        weeks=weekly_seconds(sessions, protocol, today, tz, chart_weeks),
        hip_extension=hip_extension_series(sessions, tz),
        pain=pain_series(sessions, tz),
        sides=protocol.sides,
    )
