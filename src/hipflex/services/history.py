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
from hipflex.insights.history_view import HistoryView, history_view
from hipflex.insights.stats import HistoryStats, compute_stats
from hipflex.insights.summary import Insights, build_insights


class HistoryReader(Protocol):
    """The part of the storage repository these use cases read."""

    def sessions_between(
        self, start: datetime | None, end: datetime | None
    ) -> list[SessionRecord]: ...

    def pain_checkins_between(
        self, first_day: date | None = None, last_day: date | None = None
    ) -> list[PainCheckInRecord]: ...

    def first_session_started_at(self, include_demo: bool = False) -> datetime | None: ...


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
    start = None
    if since is not None:
        start = datetime.combine(since - timedelta(days=1), time(), tzinfo=UTC)
    return LoadedHistory(
        sessions=reader.sessions_between(start, None),
        checkins=reader.pain_checkins_between(since, None),
        first_use=reader.first_session_started_at(include_demo),
    )


def stats_for(
    reader: HistoryReader,
    protocol: StretchProtocol,
    today: date,
    tz: tzinfo,
    *,
    include_demo: bool = False,
) -> HistoryStats:
    """``hipflex stats``: streaks need the whole history."""
    history = load_history(reader, None, include_demo)
    return compute_stats(
        history.sessions,
        protocol,
        today,
        tz,
        first_use=history.first_use,
        include_demo=include_demo,
    )


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


def history_page(
    reader: HistoryReader,
    protocol: StretchProtocol,
    today: date,
    tz: tzinfo,
    *,
    include_demo: bool = False,
    recent: int = 20,
) -> HistoryPage:
    """The History page: calendar, weekly dose, charts, stats and the 4-week summary."""
    history = load_history(reader, None, include_demo)
    sessions, checkins, first_use = history.sessions, history.checkins, history.first_use
    return HistoryPage(
        view=history_view(
            sessions,
            protocol,
            today,
            tz,
            checkins=checkins,
            first_use=first_use,
            include_demo=include_demo,
        ),
        stats=compute_stats(
            sessions, protocol, today, tz, first_use=first_use, include_demo=include_demo
        ),
        insights=build_insights(
            sessions,
            protocol,
            today,
            tz,
            weeks=4,
            checkins=checkins,
            first_use=first_use,
            include_demo=include_demo,
        ),
        recent=sorted(history.sessions, key=lambda s: s.started_at, reverse=True)[:recent],
    )
