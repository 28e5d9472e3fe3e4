"""The dashboard's figures on degenerate data: no prescription, day one, one side, no ratings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import cast

import pytest

from hipflex.clinic.patient_view import dose_protocol, patient_charts
from hipflex.domain.clinic import AlertSettings, Dose, PainCheckin, Prescription
from hipflex.domain.events import HoldOutcome, SessionStatus
from hipflex.domain.protocol import Side
from hipflex.domain.records import HoldRecord, PainMoment, PainRecord, SessionRecord, Source
from hipflex.services.clinic.dashboard import PatientDetail
from hipflex.services.clinic.metrics import (
    AlertKind,
    PainDirection,
    adherence,
    alerts,
    daily_pain,
    pain_trend,
    patient_metrics,
)
from hipflex.services.clinic.prescriptions import shipped_protocols

TODAY = date(2026, 3, 16)


def prescription(start: date, *, times_per_day: int = 1, days_per_week: int = 7,
                 end: date | None = None) -> Prescription:  # fmt: skip
    dose = Dose(hold_s=30, reps=3, sides=(Side.RIGHT, Side.LEFT), times_per_day=times_per_day,
                days_per_week=days_per_week)  # fmt: skip
    return Prescription("rx", "p", 1, shipped_protocols()[0], False, dose, start, end, "", "dr",
                        "Dr", datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip


def session(day: date, *, status: SessionStatus = SessionStatus.COMPLETED, after: int | None = None,
            hip: dict[Side, float] | None = None) -> SessionRecord:  # fmt: skip
    at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    sid = f"s-{day}-{at.hour}-{status}"
    holds = tuple(
        HoldRecord(
            f"{sid}-{side}",
            sid,
            side,
            1,
            30,
            30,
            at,
            at + timedelta(seconds=30),
            HoldOutcome.COMPLETED,
            Source.CAMERA,
            value,
        )
        for side, value in (hip or {}).items()
    )
    pain = (PainRecord(f"{sid}-a", sid, PainMoment.AFTER, after, at),) if after is not None else ()
    return SessionRecord(sid, "k", "K", 30, 2, at, at, status, Source.CAMERA, holds=holds,
                         pain_ratings=pain)  # fmt: skip


@pytest.mark.parametrize(
    ("start", "days", "times", "per_week", "window", "expected", "counted"),
    [
        (TODAY, [], 1, 7, 7, 1, 1),  # day one: one session expected, none yet
        (TODAY + timedelta(days=3), [], 1, 7, 7, 0, 0),  # not started: nothing expected
        (TODAY - timedelta(days=100), [TODAY], 1, 7, 7, 7, 7),
        (TODAY - timedelta(days=100), [TODAY], 1, 3, 7, 3, 7),  # 3 days a week
        (TODAY - timedelta(days=100), [TODAY, TODAY], 2, 7, 30, 60, 30),  # twice a day
        (TODAY - timedelta(days=2), [TODAY], 1, 7, 30, 3, 3),  # counted from the start
    ],
)
def test_adherence_windows(start: date, days: list[date], times: int, per_week: int, window: int,
                           expected: int, counted: int) -> None:  # fmt: skip
    sessions = [session(d) for d in days]
    if len(days) == 2:
        sessions[1] = SessionRecord(**{**sessions[1].__dict__, "id": "second"})
    result = adherence(sessions, prescription(start, times_per_day=times, days_per_week=per_week),
                       TODAY, UTC, window)  # fmt: skip
    assert (result.expected, result.days_counted) == (expected, counted)
    assert result.done == len(days)
    assert result.share is None if expected == 0 else 0 <= (result.share or 0) <= 1


def test_no_prescription_means_no_adherence_and_no_inactivity_alert() -> None:
    result = patient_metrics([], [], None, AlertSettings(), TODAY, UTC)
    assert result.adherence_7.share is None and result.adherence_30.share is None
    assert result.alerts == ()
    assert result.pain.direction is PainDirection.UNKNOWN
    assert not result.range_of_motion.asymmetric
    assert result.last_session_at is None


def test_partial_sessions_do_not_count_and_extra_sessions_are_capped() -> None:
    rx = prescription(TODAY - timedelta(days=10))
    sessions = [session(TODAY, status=SessionStatus.PARTIAL)]
    assert adherence(sessions, rx, TODAY, UTC, 7).done == 0
    many = [SessionRecord(**{**session(TODAY).__dict__, "id": f"x{i}"}) for i in range(3)]
    assert adherence(many, rx, TODAY, UTC, 7).done == 1


def test_pain_trend_needs_two_rated_days_a_week() -> None:
    one = {TODAY: 8.0, TODAY - timedelta(days=8): 2.0}
    assert pain_trend(one, TODAY).direction is PainDirection.UNKNOWN
    rising = {TODAY: 6.0, TODAY - timedelta(days=2): 5.0, TODAY - timedelta(days=8): 2.0,
              TODAY - timedelta(days=9): 3.0}  # fmt: skip
    trend = pain_trend(rising, TODAY)
    assert trend.direction is PainDirection.RISING and trend.this_week == 5.5
    falling = {d: 8.0 - v for d, v in rising.items()}
    assert pain_trend(falling, TODAY).direction is PainDirection.FALLING


def test_checkins_count_in_daily_pain() -> None:
    checkin = PainCheckin("c", "p", TODAY, 6, datetime(2026, 3, 16, tzinfo=UTC), "")
    daily = daily_pain([session(TODAY, after=2)], [checkin], UTC)
    assert daily == {TODAY: 4.0}


@pytest.mark.parametrize(
    ("last_session_days_ago", "start_days_ago", "inactive_days", "alert"),
    [
        (None, 0, 3, False),  # day one of the prescription
        (None, 2, 3, True),  # three days without one since the start
        (1, 30, 3, False),
        (3, 30, 3, True),
        (3, 30, 4, False),
    ],
)
def test_inactivity_alert(last_session_days_ago: int | None, start_days_ago: int,
                          inactive_days: int, alert: bool) -> None:  # fmt: skip
    sessions = (
        [] if last_session_days_ago is None
        else [session(TODAY - timedelta(days=last_session_days_ago))]
    )  # fmt: skip
    rx = prescription(TODAY - timedelta(days=start_days_ago))
    trend = pain_trend({}, TODAY)
    found = alerts(sessions, rx, AlertSettings(inactive_days=inactive_days), trend, TODAY, UTC)
    assert (AlertKind.INACTIVE in {a.kind for a in found}) is alert


def test_ended_prescription_raises_no_inactivity_alert() -> None:
    rx = prescription(TODAY - timedelta(days=60), end=TODAY - timedelta(days=10))
    assert alerts([], rx, AlertSettings(), pain_trend({}, TODAY), TODAY, UTC) == ()


def test_pain_after_threshold_is_inclusive_and_one_side_has_no_asymmetry() -> None:
    sessions = [session(TODAY, after=7, hip={Side.RIGHT: 20.0})]
    result = patient_metrics(sessions, [], prescription(TODAY), AlertSettings(7, 3), TODAY, UTC)
    assert [a.kind for a in result.alerts] == [AlertKind.PAIN_AFTER]
    assert result.range_of_motion.difference_deg is None and not result.range_of_motion.asymmetric


def detail(
    prescriptions: list[Prescription],
    sessions: list[SessionRecord],
    checkins: tuple[PainCheckin, ...] = (),
) -> PatientDetail:
    """The parts of a patient page's data the charts read."""
    parts = SimpleNamespace(prescriptions=prescriptions, sessions=sessions, checkins=list(checkins))
    return cast(PatientDetail, parts)


def test_patient_charts_on_day_one_show_the_first_days_dose_not_zero() -> None:
    patient = detail([prescription(TODAY)], [])
    view = patient_charts(patient, TODAY, UTC).view
    weekly = dose_protocol(patient).weekly_dose_s()
    assert [w.dose_s for w in view.weeks] == [round(weekly / 7)]  # one day of seven
    assert "dose 0 s" not in patient_charts(patient, TODAY, UTC).weekly


def test_patient_charts_start_the_week_care_began_and_prorate_it() -> None:
    patient = detail([prescription(TODAY - timedelta(days=9))], [session(TODAY, after=2)])
    view = patient_charts(patient, TODAY, UTC).view
    weekly = dose_protocol(patient).weekly_dose_s()
    assert [w.dose_s for w in view.weeks] == [round(weekly * 3 / 7), weekly]


def test_patient_charts_without_prescription_or_data() -> None:
    charts = patient_charts(detail([], []), TODAY, UTC)
    assert [w.dose_s for w in charts.view.weeks] == [0]
    assert "Nothing recorded yet" in charts.hip and "Nothing recorded yet" in charts.pain


def test_patient_charts_draw_pain_checkins() -> None:
    checkin = PainCheckin("c", "p", TODAY, 6, datetime(2026, 3, 16, 12, tzinfo=UTC), "")
    charts = patient_charts(detail([prescription(TODAY)], [], (checkin,)), TODAY, UTC)
    assert [p.checkin for p in charts.view.pain] == [6]
    assert "<title>check-in, 16 Mar: 6</title>" in charts.pain
