"""The History charts' phone variant (narrow) and the weeks they count."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from hipflex.domain.protocol import Side
from hipflex.insights.history_view import history_view
from hipflex.insights.synthetic import synthetic_session
from hipflex.protocols.loader import load_protocol
from hipflex.web.charts import (
    NARROW,
    WIDE,
    pain_chart,
    responsive,
    weekly_dose_chart,
    weeks_since_first_use,
)

PROTOCOL = load_protocol("kneeling-hip-flexor")
TODAY = date(2026, 3, 11)


def view_of(days_back: range) -> object:
    sessions = [
        synthetic_session(
            datetime(2026, 3, 11, 8, tzinfo=UTC) - timedelta(days=back),
            sides=(Side.RIGHT,),
            pain_before=5,
            pain_after=3,
        )
        for back in days_back
    ]
    return history_view(sessions, PROTOCOL, TODAY, UTC, calendar_weeks=12, chart_weeks=8)


def tick_xs(svg: str) -> list[float]:
    return [float(x) for x in re.findall(r'<text class="tick" x="([0-9.]+)" y="236"', svg)]


def test_weeks_before_the_first_session_are_not_shown() -> None:
    view = view_of(range(10))
    weeks = weeks_since_first_use(view.weeks)  # type: ignore[attr-defined]
    assert len(weeks) == 2 and all(w.dose_s > 0 for w in weeks)
    assert weeks_since_first_use([]) == []
    assert "dose 0 s" not in weekly_dose_chart(weeks, [Side.RIGHT, Side.LEFT])


def test_narrow_charts_fit_a_phone() -> None:
    view = view_of(range(0, 50, 3))
    weeks = weeks_since_first_use(view.weeks)  # type: ignore[attr-defined]
    wide = weekly_dose_chart(weeks, [Side.RIGHT], WIDE)
    narrow = weekly_dose_chart(weeks, [Side.RIGHT], NARROW)
    assert 'viewBox="0 0 360 260"' in narrow
    assert len(tick_xs(narrow)) == -(-len(weeks) // 2)  # every other week, the latest included
    assert f"{weeks[-1].week.last_day:%d %b}" in narrow
    assert all(0 <= x <= NARROW.width for x in tick_xs(narrow))
    assert ">right side<" in wide and ">right<" in narrow and "left" not in narrow
    pain = pain_chart(view.pain, TODAY, NARROW)  # type: ignore[attr-defined]
    assert ">before<" in pain and ">after<" in pain and "check-in" not in pain.split("</desc>")[1]
    assert len(tick_xs(pain)) <= NARROW.date_ticks


def test_responsive_draws_both_for_the_stylesheet_to_choose() -> None:
    markup = responsive(pain_chart, [], TODAY)
    assert markup.count('<svg class="chart') == 2
    assert 'class="chart-variant chart-wide"' in markup
    assert 'class="chart-variant chart-narrow"' in markup
