"""The History page's numbers (insights.history_view) and its SVG charts (web.charts)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hipflex.domain.events import HoldOutcome, SessionStatus
from hipflex.domain.protocol import Side
from hipflex.domain.records import HoldRecord, PainMoment, PainRecord, SessionRecord, Source
from hipflex.insights.history_view import DayMark, history_view
from hipflex.protocols.loader import load_protocol
from hipflex.web.charts import hip_extension_chart, pain_chart, weekly_dose_chart

PROTOCOL = load_protocol("kneeling-hip-flexor")
TODAY = date(2026, 3, 11)  # a Wednesday


def session(
    day: date,
    status: SessionStatus = SessionStatus.COMPLETED,
    counted_s: float = 30.0,
    hip: tuple[float | None, float | None] = (None, None),
    pain: tuple[int | None, int | None] = (None, None),
) -> SessionRecord:
    start = datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)
    holds = tuple(
        HoldRecord(
            id=f"{day}-{side.value}",
            session_id=str(day),
            side=side,
            rep=1,
            target_s=30.0,
            counted_s=counted_s,
            started_at=start,
            ended_at=start + timedelta(seconds=30),
            outcome=HoldOutcome.COMPLETED,
            source=Source.CAMERA,
            hip_extension_max_deg=hip[index],
        )
        for index, side in enumerate((Side.RIGHT, Side.LEFT))
    )
    ratings = tuple(
        PainRecord(f"{day}-{moment.value}", str(day), moment, value, start)
        for moment, value in zip((PainMoment.BEFORE, PainMoment.AFTER), pain, strict=True)
        if value is not None
    )
    return SessionRecord(
        id=str(day),
        protocol_name=PROTOCOL.name,
        protocol_title=PROTOCOL.title,
        hold_target_s=30.0,
        holds_planned=8,
        started_at=start,
        ended_at=start + timedelta(minutes=5),
        status=status,
        source=Source.CAMERA,
        holds=holds,
        pain_ratings=ratings,
    )


def test_calendar_marks_done_partial_and_future_days() -> None:
    sessions = [
        session(TODAY),
        session(TODAY - timedelta(days=1), SessionStatus.PARTIAL),
        session(TODAY - timedelta(days=20)),
    ]
    view = history_view(sessions, PROTOCOL, TODAY, UTC, calendar_weeks=4)
    days = {d.day: d for week in view.calendar for d in week}
    assert len(view.calendar) == 4 and all(len(week) == 7 for week in view.calendar)
    assert view.calendar[0][0].day.weekday() == 0  # Monday first
    assert days[TODAY].mark is DayMark.DONE
    assert days[TODAY - timedelta(days=1)].mark is DayMark.PARTIAL
    assert days[TODAY + timedelta(days=1)].mark is DayMark.FUTURE
    assert days[TODAY - timedelta(days=2)].mark is DayMark.NONE
    assert days[TODAY - timedelta(days=20)].mark is DayMark.DONE
    assert view.days_done == 2


def test_weekly_seconds_per_side_against_the_dose() -> None:
    monday = TODAY - timedelta(days=TODAY.weekday())
    sessions = [session(monday), session(TODAY), session(monday - timedelta(days=3))]
    view = history_view(sessions, PROTOCOL, TODAY, UTC, chart_weeks=3)
    assert [w.week_start for w in view.weeks] == [
        monday - timedelta(weeks=2),
        monday - timedelta(weeks=1),
        monday,
    ]
    assert view.weeks[-1].counted_s == {Side.RIGHT: 60.0, Side.LEFT: 60.0}
    assert view.weeks[-2].counted_s == {Side.RIGHT: 30.0, Side.LEFT: 30.0}
    assert view.weeks[0].counted_s == {Side.RIGHT: 0.0, Side.LEFT: 0.0}
    assert view.weeks[-1].dose_s == 30 * 4 * 7


def test_hip_extension_and_pain_series() -> None:
    sessions = [
        session(TODAY - timedelta(days=2), hip=(12.0, None), pain=(6, 4)),
        session(TODAY, hip=(15.5, 11.0), pain=(None, 2)),
        session(TODAY - timedelta(days=1)),
    ]
    view = history_view(sessions, PROTOCOL, TODAY, UTC)
    # Oldest session first; within a session, sides in a fixed (alphabetical) order.
    assert [(p.side, p.hip_extension_max_deg) for p in view.hip_extension] == [
        (Side.RIGHT, 12.0),
        (Side.LEFT, 11.0),
        (Side.RIGHT, 15.5),
    ]
    assert [(p.before, p.after) for p in view.pain] == [(6, 4), (None, 2)]


def test_charts_are_svg_with_text_alternatives() -> None:
    sessions = [
        session(TODAY - timedelta(days=2), hip=(12.0, 9.0), pain=(6, 4)),
        session(TODAY, hip=(15.0, 11.0), pain=(5, 2)),
    ]
    view = history_view(sessions, PROTOCOL, TODAY, UTC)
    for chart in (
        weekly_dose_chart(view.weeks, view.sides),
        hip_extension_chart(view.hip_extension, view.sides),
        pain_chart(view.pain),
    ):
        assert chart.startswith('<svg class="chart"')
        assert 'role="img"' in chart and "<title>" in chart and "<desc>" in chart
    assert "right 60 s" in weekly_dose_chart(view.weeks, view.sides)
    assert "right 15°, left 11°" in hip_extension_chart(view.hip_extension, view.sides)
    assert "Latest: before 5, after 2" in pain_chart(view.pain)


@pytest.mark.parametrize("chart", ["hip", "pain"])
def test_empty_charts_say_so(chart: str) -> None:
    markup = hip_extension_chart([], (Side.RIGHT,)) if chart == "hip" else pain_chart([])
    assert "Nothing recorded yet" in markup
