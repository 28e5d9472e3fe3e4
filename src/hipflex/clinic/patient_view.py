"""The patient page's charts: the home History page's views and charts over clinic data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from markupsafe import Markup

from hipflex.domain.protocol import Protocol
from hipflex.domain.records import PainCheckInRecord
from hipflex.insights.history_view import HistoryView, history_view
from hipflex.insights.stats import local_day
from hipflex.insights.summary import Insights, build_insights
from hipflex.protocols.loader import DEFAULT_PROTOCOL
from hipflex.services.clinic.dashboard import PatientDetail
from hipflex.services.clinic.prescriptions import shipped_protocols
from hipflex.web import charts


@dataclass(frozen=True)
class PatientCharts:
    view: HistoryView
    weekly: Markup
    hip: Markup
    pain: Markup


def dose_protocol(detail: PatientDetail) -> Protocol:
    """The protocol whose weekly dose the charts draw: the prescription's, with every session
    of the day counted (the home app has one session a day, a prescription may ask for more).

    ``model_copy`` skips validation on purpose: reps × times per day may pass the per-session
    limit of 20, and this copy only feeds the weekly-dose line.
    """
    current = detail.prescriptions[0] if detail.prescriptions else None
    if current is None:
        return next(p for p in shipped_protocols() if p.name == DEFAULT_PROTOCOL)
    return current.protocol.model_copy(
        update={"reps": current.dose.reps * current.dose.times_per_day}
    )


def care_began(detail: PatientDetail, tz: tzinfo) -> date | None:
    """The local day care began: the first prescription's start or the first session."""
    starts = [p.start_date for p in detail.prescriptions]
    starts += [local_day(s.started_at, tz) for s in detail.sessions]
    return min(starts, default=None)


def chart_weeks(first: date | None, today: date, most: int = 8) -> int:
    """Weeks to chart (7 days each, the last ending today, as on the home History page): from
    the week care began, so a new patient's chart is not a row of empty weeks under a dose
    nobody had prescribed yet."""
    if first is None or first > today:
        return 1
    return max(1, min(most, (today - first).days // 7 + 1))


def _checkins(detail: PatientDetail) -> list[PainCheckInRecord]:
    return [
        PainCheckInRecord(c.id, c.day, c.value, c.recorded_at, c.note or None)
        for c in detail.checkins
    ]


def _first_use(first: date | None, tz: tzinfo) -> datetime | None:
    # The weekly dose counts from the day care began (prorated in that first week).
    return None if first is None else datetime.combine(first, time(), tz)


def patient_insights(detail: PatientDetail, today: date, tz: tzinfo, weeks: int) -> Insights:
    """The home app's report figures (``hipflex report``) over the clinic's data: the last
    ``weeks`` weeks ending ``today``, against the current prescription's dose."""
    return build_insights(
        detail.sessions,
        dose_protocol(detail),
        today,
        tz,
        weeks=weeks,
        checkins=_checkins(detail),
        first_use=_first_use(care_began(detail, tz), tz),
    )


def patient_charts(detail: PatientDetail, today: date, tz: tzinfo) -> PatientCharts:
    first = care_began(detail, tz)
    view = history_view(
        detail.sessions,
        dose_protocol(detail),
        today,
        tz,
        checkins=_checkins(detail),
        first_use=_first_use(first, tz),
        chart_weeks=chart_weeks(first, today),
    )
    return PatientCharts(
        view=view,
        weekly=charts.weekly_dose_chart(view.weeks, view.sides),
        hip=charts.hip_extension_chart(view.hip_extension, today),
        pain=charts.pain_chart(view.pain, today),
    )
