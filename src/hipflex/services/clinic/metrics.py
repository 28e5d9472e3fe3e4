"""What the clinician's dashboard says about a patient (pure: records in, figures out).

* **Adherence** over the last 7 and 30 days, counted from the prescription's start (a
  patient prescribed three days ago is judged on three days): completed sessions against the
  sessions the dose asks for (times per day × days per week), at most ``times_per_day`` a day.
* **Pain trend**: mean daily pain (session ratings and check-ins) this week against the week
  before; "rising" when it went up by at least a point with at least two rated days in each.
* **Alerts**: pain after a session at or above the patient's threshold (last 7 days), pain
  rising over two weeks, and no session for N days (since the prescription's start).

Range of motion and the left/right asymmetry come from :mod:`hipflex.insights.trends`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from statistics import fmean

from hipflex.domain.clinic import AlertSettings, PainCheckin, Prescription
from hipflex.domain.events import SessionStatus
from hipflex.domain.protocol import Side
from hipflex.domain.records import SessionRecord
from hipflex.insights.stats import local_day
from hipflex.insights.trends import RangeOfMotion, range_of_motion

RISING_BY = 1.0  # points on the 0-10 scale, week on week
MIN_RATED_DAYS = 2  # per week, before a trend is called


@dataclass(frozen=True)
class WindowAdherence:
    """Completed sessions against those prescribed within the last ``window_days``."""

    window_days: int
    days_counted: int  # days of the window the prescription covered (0: not started)
    done: int
    expected: int

    @property
    def share(self) -> float | None:
        """done / expected, at most 1; None when nothing was expected yet."""
        if self.expected <= 0:
            return None
        return min(1.0, self.done / self.expected)


class PainDirection(StrEnum):
    RISING = "rising"
    FALLING = "falling"
    STEADY = "steady"
    UNKNOWN = "unknown"  # too few ratings to say


@dataclass(frozen=True)
class PainTrend:
    this_week: float | None
    last_week: float | None
    direction: PainDirection


class AlertKind(StrEnum):
    PAIN_AFTER = "pain_after"
    PAIN_RISING = "pain_rising"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    message: str


@dataclass(frozen=True)
class PatientMetrics:
    adherence_7: WindowAdherence
    adherence_30: WindowAdherence
    last_session_at: datetime | None
    pain: PainTrend
    range_of_motion: RangeOfMotion
    alerts: tuple[Alert, ...]


def adherence(
    sessions: Sequence[SessionRecord],
    prescription: Prescription | None,
    today: date,
    tz: tzinfo,
    window_days: int,
) -> WindowAdherence:
    if prescription is None:
        return WindowAdherence(window_days, 0, 0, 0)
    first = max(today - timedelta(days=window_days - 1), prescription.start_date)
    last = today if prescription.end_date is None else min(today, prescription.end_date)
    days = (last - first).days + 1
    if days <= 0:
        return WindowAdherence(window_days, 0, 0, 0)
    dose = prescription.dose
    expected = max(1, round(days * dose.sessions_per_week() / 7))
    per_day: dict[date, int] = {}
    for session in sessions:
        day = local_day(session.started_at, tz)
        if session.status is SessionStatus.COMPLETED and first <= day <= last:
            per_day[day] = per_day.get(day, 0) + 1
    done = sum(min(count, dose.times_per_day) for count in per_day.values())
    return WindowAdherence(window_days, days, done, expected)


def daily_pain(
    sessions: Sequence[SessionRecord], checkins: Sequence[PainCheckin], tz: tzinfo
) -> dict[date, float]:
    """Mean pain per local day over session ratings (before and after) and check-ins."""
    values: dict[date, list[int]] = {}
    for session in sessions:
        for value in (session.pain_before, session.pain_after):
            if value is not None:
                values.setdefault(local_day(session.started_at, tz), []).append(value)
    for checkin in checkins:
        values.setdefault(checkin.day, []).append(checkin.value)
    return {day: fmean(v) for day, v in sorted(values.items())}


def pain_trend(daily: dict[date, float], today: date) -> PainTrend:
    this_week = [v for d, v in daily.items() if today - timedelta(days=6) <= d <= today]
    last_week = [
        v for d, v in daily.items() if today - timedelta(days=13) <= d <= today - timedelta(days=7)
    ]
    this_mean = fmean(this_week) if this_week else None
    last_mean = fmean(last_week) if last_week else None
    if len(this_week) < MIN_RATED_DAYS or len(last_week) < MIN_RATED_DAYS:
        return PainTrend(this_mean, last_mean, PainDirection.UNKNOWN)
    assert this_mean is not None and last_mean is not None
    change = this_mean - last_mean
    if change >= RISING_BY:
        direction = PainDirection.RISING
    elif change <= -RISING_BY:
        direction = PainDirection.FALLING
    else:
        direction = PainDirection.STEADY
    return PainTrend(this_mean, last_mean, direction)


def alerts(
    sessions: Sequence[SessionRecord],
    prescription: Prescription | None,
    settings: AlertSettings,
    trend: PainTrend,
    today: date,
    tz: tzinfo,
) -> tuple[Alert, ...]:
    found: list[Alert] = []
    recent = [s for s in sessions if local_day(s.started_at, tz) >= today - timedelta(days=6)]
    worst = max((s.pain_after for s in recent if s.pain_after is not None), default=None)
    if worst is not None and worst >= settings.pain_after_threshold:
        found.append(
            Alert(
                AlertKind.PAIN_AFTER,
                f"pain {worst}/10 after a session this week "
                f"(alert at {settings.pain_after_threshold} or more)",
            )
        )
    if trend.direction is PainDirection.RISING:
        assert trend.this_week is not None and trend.last_week is not None
        found.append(
            Alert(
                AlertKind.PAIN_RISING,
                f"pain rising: {trend.last_week:.1f} → {trend.this_week:.1f} over two weeks",
            )
        )
    if prescription is not None and prescription.active_on(today):
        # Days without a session count from the last session, or from the day before the
        # prescription started (on its first day, one day has gone by without one).
        reference = prescription.start_date - timedelta(days=1)
        last = max((local_day(s.started_at, tz) for s in sessions), default=None)
        if last is not None and last > reference:
            reference = last
        idle_days = (today - reference).days
        if idle_days >= settings.inactive_days:
            found.append(Alert(AlertKind.INACTIVE, f"no session for {idle_days} days"))
    return tuple(found)


def patient_metrics(
    sessions: Sequence[SessionRecord],
    checkins: Sequence[PainCheckin],
    prescription: Prescription | None,
    settings: AlertSettings,
    today: date,
    tz: tzinfo,
) -> PatientMetrics:
    trend = pain_trend(daily_pain(sessions, checkins, tz), today)
    sides: tuple[Side, ...] = prescription.dose.sides if prescription else (Side.RIGHT, Side.LEFT)
    return PatientMetrics(
        adherence_7=adherence(sessions, prescription, today, tz, 7),
        adherence_30=adherence(sessions, prescription, today, tz, 30),
        last_session_at=max((s.started_at for s in sessions), default=None),
        pain=trend,
        range_of_motion=range_of_motion(sessions, tz, sides),
        alerts=alerts(sessions, prescription, settings, trend, today, tz),
    )


def percent(share: float | None) -> str:
    return "–" if share is None or math.isnan(share) else f"{round(share * 100)} %"
