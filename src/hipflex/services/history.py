"""Use cases that read the history for a figure: stats, insights, the History page.

Every edge (``hipflex stats``, ``insights``, ``report``, the web pages) loads through
:func:`load_history`, so they all see the same sessions, the same check-ins and the same
first use, and the pure functions of :mod:`hipflex.insights` turn them into the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Protocol

from hipflex.domain.protocol import Protocol as StretchProtocol
from hipflex.domain.records import PainCheckInRecord, SessionRecord
from hipflex.domain.summaries import SessionPain
from hipflex.insights.history_view import HistoryView, history_view, pain_points, side_points
from hipflex.insights.scope import local_day
from hipflex.insights.stats import HistoryStats, PainSummary, compute_stats
from hipflex.insights.summary import Insights, build_insights
from hipflex.insights.trends import ExtensionPoint

CALENDAR_WEEKS = 12  # the History page's calendar: its longest figure after the charts
CHART_WEEKS = 52  # the hip extension and pain charts (and their tables): the last year
STATS_DAYS = 31  # what `stats` needs besides the streak and the pain means: 30 days, a week
SESSIONS_PER_PAGE = 20  # the History page's list of sessions


class HistoryReader(Protocol):
    """The part of the storage repository these use cases read."""

    def sessions_between(
        self, start: datetime | None, end: datetime | None
    ) -> list[SessionRecord]: ...

    def pain_checkins_between(
        self, first_day: date | None = None, last_day: date | None = None
    ) -> list[PainCheckInRecord]: ...

    def first_session_started_at(self, include_demo: bool = False) -> datetime | None: ...


class AggregateReader(HistoryReader, Protocol):
    """What the pages read: aggregates over the whole history, records of a recent window."""

    def completed_session_starts(self, include_demo: bool = False) -> list[datetime]: ...

    def pain_means(self, include_demo: bool = False) -> PainSummary: ...

    def session_pain(
        self, since: datetime | None = None, include_demo: bool = False
    ) -> list[SessionPain]: ...

    def last_session_pain(self, include_demo: bool = True) -> SessionPain | None: ...

    def extension_maxima(
        self, since: datetime | None = None, include_demo: bool = False
    ) -> list[ExtensionPoint]: ...

    def count_sessions(self) -> int: ...

    def sessions_page(self, page: int, per_page: int) -> list[SessionRecord]: ...


@dataclass(frozen=True)
class LoadedHistory:
    """Sessions (demos included; the figures leave them out), check-ins and the first use."""

    sessions: Sequence[SessionRecord]
    checkins: Sequence[PainCheckInRecord]
    first_use: datetime | None


def load_history(
    reader: HistoryReader, since: date | None, include_demo: bool = False
) -> LoadedHistory:
    """What started on or after local day ``since`` (None: everything), with a day of slack
    on the UTC side: the figures cut by local day themselves."""
    return LoadedHistory(
        sessions=reader.sessions_between(_utc_start(since), None),
        checkins=reader.pain_checkins_between(since, None),
        first_use=reader.first_session_started_at(include_demo),
    )


def stats_for(
    reader: AggregateReader,
    protocol: StretchProtocol,
    today: date,
    tz: tzinfo,
    *,
    include_demo: bool = False,
) -> HistoryStats:
    """``hipflex stats``: the last month's records, the streak and pain means over the whole
    history from storage's aggregates."""
    sessions = reader.sessions_between(_utc_start(today - timedelta(days=STATS_DAYS)), None)
    first_use = reader.first_session_started_at(include_demo)
    return _stats(reader, sessions, protocol, today, tz, first_use, include_demo)


def insights_for(
    reader: HistoryReader,
    protocol: StretchProtocol,
    today: date,
    tz: tzinfo,
    *,
    weeks: int = 4,
    include_demo: bool = False,
) -> Insights:
    """``hipflex insights``, ``hipflex report`` and the History page's summary."""
    history = load_history(reader, today - timedelta(days=7 * weeks), include_demo)
    return build_insights(
        history.sessions,
        protocol,
        today,
        tz,
        weeks=weeks,
        checkins=history.checkins,
        first_use=history.first_use,
        include_demo=include_demo,
    )


@dataclass(frozen=True)
class HistoryPage:
    """Everything the History page shows."""

    view: HistoryView
    stats: HistoryStats
    insights: Insights
    recent: list[SessionRecord]  # newest first, demos included (marked) so they can be fixed
    page: int = 1  # of the session list, 1 = the newest
    pages: int = 1
    total_sessions: int = 0
    per_page: int = SESSIONS_PER_PAGE

    @property
    def first_shown(self) -> int:
        """The position (1 = newest) of the first session on this page."""
        return (self.page - 1) * self.per_page + 1 if self.recent else 0

    @property
    def last_shown(self) -> int:
        return self.first_shown + len(self.recent) - 1 if self.recent else 0


@dataclass(frozen=True)
class LastPain:
    """The latest session's pain rating: after the session when given, else before."""

    value: int
    moment: str  # "after", "before" or "check-in"
    started_at: datetime  # the session's start, or when the check-in was made


@dataclass(frozen=True)
class TodaySummary:
    """What the Today page shows."""

    stats: HistoryStats
    last_pain: LastPain | None
    checkin_today: PainCheckInRecord | None = None  # today's pain check-in, if any


def page_count(total_sessions: int, per_page: int = SESSIONS_PER_PAGE) -> int:
    """Pages of the session list (at least 1, even when empty)."""
    return max(1, -(-total_sessions // per_page))


def history_page(
    reader: AggregateReader,
    protocol: StretchProtocol,
    today: date,
    tz: tzinfo,
    *,
    include_demo: bool = False,
    page: int = 1,
    per_page: int = SESSIONS_PER_PAGE,
) -> HistoryPage:
    """The History page: calendar, weekly dose, charts, stats, the 4-week summary and one
    page of the session list.

    Full records are loaded for the calendar's weeks and the page's sessions only; streaks,
    pain means and the charts' year come from storage's aggregates, so the cost does not grow
    with the years of history. ``page`` past the last raises ``ValueError``.
    """
    total = reader.count_sessions()
    pages = page_count(total, per_page)
    if not 1 <= page <= pages:
        raise ValueError(f"page {page} does not exist; there are {pages}")
    window = today - timedelta(days=7 * CALENDAR_WEEKS - 1)
    chart_start = today - timedelta(days=7 * CHART_WEEKS - 1)
    sessions = reader.sessions_between(_utc_start(window), None)
    checkins = reader.pain_checkins_between(chart_start, None)
    first_use = reader.first_session_started_at(include_demo)
    stats = _stats(reader, sessions, protocol, today, tz, first_use, include_demo)
    since = _utc_start(chart_start)
    extension = [
        p
        for p in reader.extension_maxima(since, include_demo)
        if local_day(p.at, tz) >= chart_start
    ]
    rated = [
        p
        for p in reader.session_pain(since, include_demo)
        if local_day(p.started_at, tz) >= chart_start
    ]
    return HistoryPage(
        view=history_view(
            sessions,
            protocol,
            today,
            tz,
            checkins=checkins,
            first_use=first_use,
            include_demo=include_demo,
            calendar_weeks=CALENDAR_WEEKS,
            hip_extension=side_points(extension, tz),
            pain=pain_points(rated, tz, checkins),
        ),
        stats=stats,
        insights=build_insights(
            sessions,
            protocol,
            today,
            tz,
            weeks=4,
            checkins=[c for c in checkins if c.day >= window],
            first_use=first_use,
            include_demo=include_demo,
        ),
        recent=reader.sessions_page(page, per_page),
        page=page,
        pages=pages,
        total_sessions=total,
        per_page=per_page,
    )


def today_summary(
    reader: AggregateReader,
    protocol: StretchProtocol,
    today: date,
    tz: tzinfo,
    *,
    include_demo: bool = False,
) -> TodaySummary:
    """The Today page: today's sessions, the streak (over the whole history), today's pain
    check-in and the last pain rating (a real session's or a check-in's, whichever is later;
    a demo's pain is not the person's), loading only the last month's records."""
    stats = stats_for(reader, protocol, today, tz, include_demo=include_demo)
    last = reader.last_session_pain(include_demo=include_demo)
    last_pain = None
    if last is not None:
        after = last.after is not None
        value = last.after if last.after is not None else last.before
        assert value is not None  # a rated session has one or the other
        last_pain = LastPain(value, "after" if after else "before", last.started_at)
    checkins = reader.pain_checkins_between(today - timedelta(days=STATS_DAYS), today)
    latest = checkins[-1] if checkins else None
    if latest is not None and (last_pain is None or latest.recorded_at > last_pain.started_at):
        last_pain = LastPain(latest.value, "check-in", latest.recorded_at)
    today_checkin = latest if latest is not None and latest.day == today else None
    return TodaySummary(stats=stats, last_pain=last_pain, checkin_today=today_checkin)


def _stats(
    reader: AggregateReader,
    sessions: Sequence[SessionRecord],
    protocol: StretchProtocol,
    today: date,
    tz: tzinfo,
    first_use: datetime | None,
    include_demo: bool,
) -> HistoryStats:
    """Stats from recent ``sessions`` plus the whole history's completed days and pain."""
    done = {local_day(moment, tz) for moment in reader.completed_session_starts(include_demo)}
    return compute_stats(
        sessions,
        protocol,
        today,
        tz,
        first_use=first_use,
        include_demo=include_demo,
        done_days=done,
        pain=reader.pain_means(include_demo),
    )


def _utc_start(since: date | None) -> datetime | None:
    """The UTC midnight a day before local day ``since``: every session that started on or
    after that local day, whatever the zone (the figures cut by local day themselves)."""
    if since is None:
        return None
    return datetime.combine(since - timedelta(days=1), time(), tzinfo=UTC)
