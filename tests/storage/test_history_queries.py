"""The aggregate queries equal what the pure computations derive from full records, on
generated histories (demos, deleted sessions, partial ones, odd measurements, late-evening
sessions in a zone far from UTC), and the pages built from them equal the old pages."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from hipflex.domain.events import SessionStatus
from hipflex.domain.protocol import Side
from hipflex.domain.records import HoldRecord, PainCheckInRecord, SessionRecord
from hipflex.insights.history_view import history_view
from hipflex.insights.scope import counted_sessions, local_day
from hipflex.insights.stats import completed_days, compute_stats, pain_summary
from hipflex.insights.summary import build_insights
from hipflex.insights.synthetic import synthetic_session
from hipflex.insights.trends import extension_points
from hipflex.protocols.loader import load_protocol
from hipflex.services.history import (
    CALENDAR_WEEKS,
    CHART_WEEKS,
    history_page,
    page_count,
    stats_for,
    today_summary,
)
from hipflex.storage.db import Database, open_database
from hipflex.storage.repository import Repository
from hipflex.storage.tables import HoldRow

PROTOCOL = load_protocol("kneeling-hip-flexor")
TODAY = date(2026, 3, 29)
ZONES = [UTC, ZoneInfo("Pacific/Auckland"), ZoneInfo("America/Los_Angeles")]
SEEDS = [1, 2, 3, 4]


def generated_history(
    seed: int, days: int = 500
) -> tuple[list[SessionRecord], list[PainCheckInRecord]]:
    """About a session a day ending on TODAY, with the cases the aggregates must get right."""
    rng = random.Random(seed)
    sessions: list[SessionRecord] = []
    checkins: list[PainCheckInRecord] = []
    for back in range(days, -1, -1):
        day = TODAY - timedelta(days=back)
        if rng.random() < 0.8:
            # Any hour, so some sessions fall on another local day in Auckland or LA.
            start = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
                minutes=rng.randrange(0, 24 * 60)
            )
            before = rng.choice([None, rng.randint(0, 10)])
            session = synthetic_session(
                start,
                counted_s=rng.choice([None, rng.uniform(0, 30)]),
                status=rng.choice([SessionStatus.COMPLETED] * 4 + [SessionStatus.PARTIAL]),
                extension_deg=(
                    {
                        side: rng.uniform(-5, 25)
                        for side in rng.sample(list(Side), rng.randint(1, 2))
                    }
                    if rng.random() < 0.4
                    else None
                ),
                pain_before=before,
                pain_after=rng.choice([None, rng.randint(0, 10)]),
                note="a note" if rng.random() < 0.1 else None,
            )
            if rng.random() < 0.05:  # a measurement no figure may use
                first, *rest = session.holds
                odd: HoldRecord = replace(first, hip_extension_max_deg=float("inf"))
                session = replace(session, holds=(odd, *rest))
            if rng.random() < 0.1:
                session = replace(session, demo=True)
            sessions.append(session)
            if rng.random() < 0.1:  # a second session the same day
                sessions.append(synthetic_session(start + timedelta(hours=1), pain_after=2))
        elif rng.random() < 0.5:
            checkins.append(
                PainCheckInRecord(
                    f"checkin-{day}",
                    day,
                    rng.randint(0, 10),
                    datetime(day.year, day.month, day.day, 20, tzinfo=UTC),
                )
            )
    return sessions, checkins


@pytest.fixture(params=SEEDS)
def stored(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Repository, int]]:
    """A file database holding a generated history; some sessions deleted afterwards."""
    sessions, checkins = generated_history(request.param)
    database: Database = open_database(tmp_path)
    database.repository.import_sessions(sessions, checkins)
    rng = random.Random(request.param)
    for session in rng.sample(sessions, 5):
        database.repository.delete_session(session.id, datetime(2026, 3, 29, tzinfo=UTC))
    yield database.repository, request.param
    database.close()


def everything(repository: Repository) -> tuple[list[SessionRecord], list[PainCheckInRecord]]:
    return repository.sessions_between(None, None), repository.pain_checkins_between()


@pytest.mark.parametrize("include_demo", [False, True])
def test_aggregates_equal_the_computations_on_full_records(
    stored: tuple[Repository, int], include_demo: bool
) -> None:
    repository, _ = stored
    sessions, _checkins = everything(repository)
    counted = counted_sessions(sessions, include_demo)
    assert repository.pain_means(include_demo) == pain_summary(counted)
    assert repository.extension_maxima(None, include_demo) == extension_points(counted)
    for tz in ZONES:
        days = {local_day(t, tz) for t in repository.completed_session_starts(include_demo)}
        assert days == completed_days(counted, tz)
    rated = [(s.id, s.started_at, s.pain_before, s.pain_after) for s in counted]
    rated = [r for r in rated if r[2] is not None or r[3] is not None]
    assert [
        (p.session_id, p.started_at, p.before, p.after)
        for p in repository.session_pain(None, include_demo)
    ] == rated
    since = datetime(2026, 1, 1, tzinfo=UTC)
    assert repository.extension_maxima(since, include_demo) == [
        p for p in extension_points(counted) if p.at >= since
    ]


def test_the_pages_equal_the_old_whole_history_computation(stored: tuple[Repository, int]) -> None:
    repository, seed = stored
    sessions, checkins = everything(repository)
    first_use = repository.first_session_started_at()
    tz = ZONES[seed % len(ZONES)]
    page = history_page(repository, PROTOCOL, TODAY, tz)
    old_view = history_view(sessions, PROTOCOL, TODAY, tz, checkins=checkins, first_use=first_use)
    old_stats = compute_stats(sessions, PROTOCOL, TODAY, tz, first_use=first_use)
    chart_start = TODAY - timedelta(days=7 * CHART_WEEKS - 1)
    assert page.stats == old_stats
    assert stats_for(repository, PROTOCOL, TODAY, tz) == old_stats  # `hipflex stats`
    assert page.view.calendar == old_view.calendar
    assert len(page.view.calendar) == CALENDAR_WEEKS
    assert (page.view.days_done, page.view.weeks) == (old_view.days_done, old_view.weeks)
    # The charts show the last year of what the old page showed for all time.
    assert page.view.hip_extension == [p for p in old_view.hip_extension if p.day >= chart_start]
    assert page.view.pain == [p for p in old_view.pain if p.day >= chart_start]
    assert page.view.pain and page.view.pain != old_view.pain  # the cut did cut something
    assert page.insights == build_insights(
        sessions, PROTOCOL, TODAY, tz, weeks=4, checkins=checkins, first_use=first_use
    )
    today = today_summary(repository, PROTOCOL, TODAY, tz)
    assert today.stats == old_stats
    # Today's "last pain": the latest real (not demo) rated session's, or a later check-in of
    # the last month's (a demo's pain is not the person's).
    rated = [
        s
        for s in counted_sessions(sessions, include_demo=False)
        if s.pain_before is not None or s.pain_after is not None
    ]
    latest = max(rated, key=lambda s: s.started_at)
    expected = (
        latest.started_at,
        latest.pain_after if latest.pain_after is not None else latest.pain_before,
    )
    recent = [c for c in checkins if TODAY - timedelta(days=31) <= c.day <= TODAY]
    if recent and recent[-1].recorded_at > latest.started_at:
        expected = (recent[-1].recorded_at, recent[-1].value)
    assert today.last_pain is not None
    assert (today.last_pain.started_at, today.last_pain.value) == expected


def test_the_streak_reaches_back_further_than_a_year(tmp_path: Path) -> None:
    """Today once loaded 400 days, so a longer streak was cut; now it counts them all."""
    days = 600
    sessions = [
        synthetic_session(datetime(2026, 3, 29, 8, tzinfo=UTC) - timedelta(days=back))
        for back in range(days)
    ]
    with open_database(tmp_path) as database:
        database.repository.import_sessions(sessions)
        summary = today_summary(database.repository, PROTOCOL, TODAY, UTC)
    assert summary.stats.streak.current_days == days
    assert summary.stats.streak.longest_days == days


def test_a_history_page_loads_only_the_recent_weeks_holds(tmp_path: Path) -> None:
    """Rows loaded, counted by an ORM event: the calendar's weeks and one page of the list,
    never the whole history's holds."""
    sessions, checkins = generated_history(7, days=1000)
    loaded: list[str] = []

    def count(target: HoldRow, _context: object) -> None:
        loaded.append(target.id)

    with open_database(tmp_path) as database:
        database.repository.import_sessions(sessions, checkins)
        event.listen(HoldRow, "load", count)
        try:
            page = history_page(database.repository, PROTOCOL, TODAY, UTC, page=3)
        finally:
            event.remove(HoldRow, "load", count)
    window = TODAY - timedelta(days=7 * CALENDAR_WEEKS)  # a day of slack
    recent_holds = sum(len(s.holds) for s in sessions if s.started_at.date() >= window)
    page_holds = sum(len(s.holds) for s in page.recent)
    total_holds = sum(len(s.holds) for s in sessions)
    assert len(loaded) <= recent_holds + page_holds
    assert len(loaded) < total_holds / 5


def test_paging_counts_and_bounds(tmp_path: Path) -> None:
    sessions = [
        synthetic_session(datetime(2026, 3, 29, 8, tzinfo=UTC) - timedelta(days=back))
        for back in range(45)
    ]
    with open_database(tmp_path) as database:
        database.repository.import_sessions(sessions)
        database.repository.delete_session(sessions[0].id, datetime(2026, 3, 29, tzinfo=UTC))
        repository = database.repository
        assert repository.count_sessions() == 44
        pages = [history_page(repository, PROTOCOL, TODAY, UTC, page=n) for n in (1, 2, 3)]
        with pytest.raises(ValueError, match="page 4 does not exist; there are 3"):
            history_page(repository, PROTOCOL, TODAY, UTC, page=4)
    newest_first = sorted(sessions[1:], key=lambda s: s.started_at, reverse=True)
    assert [s.id for p in pages for s in p.recent] == [s.id for s in newest_first]
    assert [len(p.recent) for p in pages] == [20, 20, 4]
    assert [(p.first_shown, p.last_shown, p.pages) for p in pages] == [
        (1, 20, 3),
        (21, 40, 3),
        (41, 44, 3),
    ]


@pytest.mark.parametrize(("total", "pages"), [(0, 1), (1, 1), (20, 1), (21, 2), (40, 2), (41, 3)])
def test_page_count(total: int, pages: int) -> None:
    assert page_count(total, 20) == pages


def test_the_revision_changes_with_any_commit_from_anywhere(tmp_path: Path) -> None:
    with open_database(tmp_path) as database, open_database(tmp_path) as other:
        repository = database.repository
        first = repository.history_revision()
        assert first is not None
        assert repository.history_revision() == first  # nothing happened
        repository.import_sessions([synthetic_session(datetime(2026, 3, 1, 8, tzinfo=UTC))])
        second = repository.history_revision()
        assert second != first  # this process's own pool
        other.repository.record_pain_checkin(TODAY, 3, datetime(2026, 3, 29, 9, tzinfo=UTC))
        assert repository.history_revision() != second  # another connection (terminal)


def test_no_revision_for_an_in_memory_database() -> None:
    with open_database(url="sqlite://") as database:
        assert database.repository.history_revision() is None
