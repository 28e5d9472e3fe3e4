"""The History page's numbers (insights.history_view) and its SVG charts (web.charts)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from hipflex.domain.events import HoldOutcome, SessionStatus
from hipflex.domain.protocol import Side
from hipflex.domain.records import (
    HoldRecord,
    PainCheckInRecord,
    PainMoment,
    PainRecord,
    SessionRecord,
    Source,
)
from hipflex.insights.history_view import DayMark, history_view
from hipflex.protocols.loader import load_protocol
from hipflex.web.charts import WIDTH, hip_extension_chart, pain_chart, weekly_dose_chart

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


def test_calendar_marks_done_partial_and_days_before_the_first_session() -> None:
    sessions = [
        session(TODAY),
        session(TODAY - timedelta(days=1), SessionStatus.PARTIAL),
        session(TODAY - timedelta(days=20)),
    ]
    view = history_view(sessions, PROTOCOL, TODAY, UTC, calendar_weeks=4)
    days = {d.day: d for week in view.calendar for d in week}
    assert len(view.calendar) == 4 and all(len(week) == 7 for week in view.calendar)
    assert view.calendar[-1][-1].day == TODAY  # weeks end today: no future days
    assert view.weekdays == ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    assert days[TODAY].mark is DayMark.DONE
    assert days[TODAY - timedelta(days=1)].mark is DayMark.PARTIAL
    assert days[TODAY - timedelta(days=2)].mark is DayMark.NONE
    assert days[TODAY - timedelta(days=20)].mark is DayMark.DONE
    assert days[TODAY - timedelta(days=21)].mark is DayMark.BEFORE_START
    assert view.days_done == 2


def test_weekly_seconds_per_side_against_the_dose() -> None:
    week_start = TODAY - timedelta(days=6)
    sessions = [session(week_start), session(TODAY), session(week_start - timedelta(days=3))]
    view = history_view(
        sessions, PROTOCOL, TODAY, UTC, chart_weeks=3, first_use=datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert [w.week_start for w in view.weeks] == [
        week_start - timedelta(weeks=2),
        week_start - timedelta(weeks=1),
        week_start,
    ]
    assert view.weeks[-1].week.last_day == TODAY
    assert view.weeks[-1].counted_s == {Side.RIGHT: 60.0, Side.LEFT: 60.0}
    assert view.weeks[-2].counted_s == {Side.RIGHT: 30.0, Side.LEFT: 30.0}
    assert view.weeks[0].counted_s == {Side.RIGHT: 0.0, Side.LEFT: 0.0}
    assert view.weeks[-1].dose_s == 30 * 4 * 7
    # Without an earlier first use, weeks before the first session plan nothing.
    fresh = history_view(sessions, PROTOCOL, TODAY, UTC, chart_weeks=3)
    assert [w.dose_s for w in fresh.weeks] == [0, 3 * 120, 7 * 120]  # first use 9 days ago


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
    checkin = PainCheckInRecord(
        "c1", TODAY - timedelta(days=1), 3, datetime(2026, 3, 10, 20, tzinfo=UTC)
    )
    with_checkin = history_view(sessions, PROTOCOL, TODAY, UTC, checkins=[checkin])
    assert [(p.day, p.before, p.after, p.checkin) for p in with_checkin.pain] == [
        (TODAY - timedelta(days=2), 6, 4, None),
        (TODAY - timedelta(days=1), None, None, 3),
        (TODAY, None, 2, None),
    ]


def test_charts_are_svg_with_text_alternatives() -> None:
    sessions = [
        session(TODAY - timedelta(days=2), hip=(12.0, 9.0), pain=(6, 4)),
        session(TODAY, hip=(15.0, 11.0), pain=(5, 2)),
    ]
    view = history_view(sessions, PROTOCOL, TODAY, UTC)
    for chart in (
        weekly_dose_chart(view.weeks, view.sides),
        hip_extension_chart(view.hip_extension, TODAY),
        pain_chart(view.pain, TODAY),
    ):
        assert chart.startswith('<svg class="chart"')
        assert 'role="img"' in chart and "<title>" in chart and "<desc>" in chart
    assert "right 60 s" in weekly_dose_chart(view.weeks, view.sides)
    assert "Latest: right 15°, left 11°" in hip_extension_chart(view.hip_extension, TODAY)
    assert "Latest: 2 on 11 Mar" in pain_chart(view.pain, TODAY)


@pytest.mark.parametrize("chart", ["hip", "pain"])
def test_empty_charts_say_so(chart: str) -> None:
    markup = hip_extension_chart([], TODAY) if chart == "hip" else pain_chart([], TODAY)
    assert "Nothing recorded yet" in markup


def _xs(markup: str, css: str) -> list[float]:
    return [float(x) for x in re.findall(rf'class="dot {css}" cx="([\d.]+)"', markup)]


def test_the_pain_axis_is_per_date_not_per_session() -> None:
    # Two sessions on the 1st, one on the 9th: the gap is eight days wide, not one step.
    sessions = [
        replace(session(date(2026, 3, 1), pain=(6, 4)), id="a"),
        replace(session(date(2026, 3, 1), pain=(5, 3)), id="b"),
        session(date(2026, 3, 9), pain=(4, 2)),
        session(TODAY, pain=(3, 1)),
    ]
    markup = pain_chart(history_view(sessions, PROTOCOL, TODAY, UTC).pain, TODAY)
    xs = _xs(markup, "pain-before")[:4]  # the legend's dot comes after the data
    assert xs[0] == xs[1]  # the same date, the same x
    assert xs[2] - xs[1] == pytest.approx(8 * (xs[3] - xs[2]) / 2, abs=0.2)  # 8 vs 2 days


def test_chart_labels_stay_inside_the_chart() -> None:
    # The issue: the last date label was cut to "24 No".
    sessions = [session(TODAY - timedelta(days=n), hip=(12.0, None)) for n in (0, 9, 20)]
    view = history_view(sessions, PROTOCOL, TODAY, UTC)
    for markup in (
        hip_extension_chart(view.hip_extension, TODAY),
        weekly_dose_chart(view.weeks, view.sides),
    ):
        for x, anchor, label in re.findall(
            r'class="tick" x="([\d.]+)" y="2\d\d" text-anchor="(\w+)">([^<]+)<', markup
        ):
            width = 8 * len(label)
            left = {"start": 0, "middle": width / 2, "end": width}[anchor]
            assert float(x) - left >= 0 and float(x) - left + width <= WIDTH, (label, x, anchor)


def test_the_legend_lists_only_sides_with_data() -> None:
    sessions = [session(TODAY - timedelta(days=n), hip=(12.0, None)) for n in (0, 5)]
    markup = hip_extension_chart(history_view(sessions, PROTOCOL, TODAY, UTC).hip_extension, TODAY)
    assert 'class="legend"' in markup and "right side" in markup
    assert "left side" not in markup
