"""The use cases the edges call: loading the history for a figure, and a pain check-in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from hipflex.insights.synthetic import synthetic_session
from hipflex.protocols.loader import load_protocol
from hipflex.services.checkins import CheckInError, check_in_pain
from hipflex.services.history import history_page, insights_for, load_history, stats_for
from hipflex.storage.db import open_database

TODAY = date(2026, 3, 29)
PROTOCOL = load_protocol("kneeling-hip-flexor")


@pytest.fixture
def repository():  # type: ignore[no-untyped-def]
    database = open_database(url="sqlite://")
    old = synthetic_session(datetime(2025, 6, 1, 7, tzinfo=UTC))  # long before the window
    recent = [synthetic_session(datetime(2026, 3, d, 7, tzinfo=UTC)) for d in (27, 28, 29)]
    demo = replace(synthetic_session(datetime(2026, 3, 29, 9, tzinfo=UTC)), demo=True)
    database.repository.import_sessions([old, *recent, demo])
    yield database.repository
    database.close()


def test_load_history_keeps_the_first_use_of_the_whole_history(repository) -> None:  # type: ignore[no-untyped-def]
    loaded = load_history(repository, TODAY - timedelta(days=28))
    assert len(loaded.sessions) == 4  # the old one is before the window; the demo is loaded
    assert loaded.first_use == datetime(2025, 6, 1, 7, tzinfo=UTC)
    # So the window is not cut to the first *loaded* session: 3 of 28 days, not 3 of 3.
    insights = insights_for(repository, PROTOCOL, TODAY, UTC)
    assert (insights.days_done, insights.active_days) == (3, 28)
    assert insights.demo_sessions == 1


def test_every_use_case_leaves_demos_out_unless_asked(repository) -> None:  # type: ignore[no-untyped-def]
    assert stats_for(repository, PROTOCOL, TODAY, UTC).today.sessions == 1
    assert stats_for(repository, PROTOCOL, TODAY, UTC, include_demo=True).today.sessions == 2
    page = history_page(repository, PROTOCOL, TODAY, UTC)
    assert page.stats.today.sessions == 1 and page.insights.demo_sessions == 1
    assert len(page.recent) == 5 and sum(s.demo for s in page.recent) == 1  # listed, marked


def test_a_checkin_is_for_the_persons_local_day(repository) -> None:  # type: ignore[no-untyped-def]
    late = datetime(2026, 3, 29, 23, 30, tzinfo=UTC)  # already the 30th in Berlin
    record = check_in_pain(repository, 4, late, ZoneInfo("Europe/Berlin"), "stiff")
    assert (record.day, record.value, record.note) == (date(2026, 3, 30), 4, "stiff")
    again = check_in_pain(repository, 2, late, timezone(timedelta(hours=1)))
    assert again.id == record.id and again.value == 2  # the same day: replaced


@pytest.mark.parametrize(
    ("value", "note", "words"),
    [
        (11, None, "0 to 10"),
        (-1, None, "0 to 10"),
        (True, None, "0 to 10"),
        (3, "x" * 2001, "2000"),
    ],
)
def test_bad_checkins_are_refused(repository, value: object, note: str | None, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CheckInError, match=words):
        check_in_pain(repository, value, datetime(2026, 3, 29, 9, tzinfo=UTC), UTC, note)  # type: ignore[arg-type]
    assert repository.pain_checkins_between() == []
