"""The report's words that are not in the summary: who, when, which protocol."""

from __future__ import annotations

from datetime import datetime

from hipflex.insights.summary import Insights
from hipflex.insights.wording import plural

BLANK_NAME = "_" * 32  # a line to write the name on by hand


def patient_line(patient: str | None) -> str:
    name = " ".join((patient or "").split())
    return f"Patient: {name or BLANK_NAME}"


def protocol_line(insights: Insights) -> str:
    p = insights.protocol
    sides = " and ".join(s.value for s in p.sides)
    return (
        f"{p.title} ({p.name}): hold {p.hold_s} s × {p.reps} on the {sides} side, "
        f"rest {p.rest_s} s, {p.frequency} ({p.days_per_week} days a week). "
        f"Dose: {p.weekly_dose_s()} s per side per week; a day counts at most "
        f"{p.session_dose_s()} s per side."
    )


def window_line(insights: Insights) -> str:
    return (
        f"{insights.first_day:%d %b %Y} – {insights.today:%d %b %Y} "
        f"({plural(insights.weeks, 'week')} of seven days ending on the report's day, "
        f"{plural(insights.sessions, 'session')})"
    )


def metadata(insights: Insights, generated_at: datetime) -> dict[str, object]:
    return {
        "Title": f"hipflex report {insights.first_day} to {insights.today}",
        "Creator": "hipflex",
        "CreationDate": generated_at,
    }
