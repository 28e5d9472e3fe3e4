"""The plain inputs: a dose is checked when made; the local dose comes from the protocol."""

from __future__ import annotations

from datetime import date, datetime
from importlib.metadata import version

import pytest

from hipflex.domain.protocol import Protocol, Side
from hipflex.fhir.inputs import MEDIAPIPE_POSE_FULL, ExerciseDose, PatientInput, dose_from_protocol

GOOD = {"hold_s": 30, "reps": 4, "sides": (Side.RIGHT, Side.LEFT)}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"hold_s": 0}, "hold_s must be at least 1"),
        ({"reps": 0}, "reps must be at least 1"),
        ({"sides": ()}, "sides must name each side"),
        ({"sides": (Side.LEFT, Side.LEFT)}, "sides must name each side"),
        ({"times_per_day": 0}, "times_per_day must be 1–12"),
        ({"times_per_day": 13}, "times_per_day must be 1–12"),
        ({"days_per_week": 0}, "days_per_week must be 1–7"),
        ({"days_per_week": 8}, "days_per_week must be 1–7"),
        ({"start": date(2026, 5, 2), "end": date(2026, 5, 1)}, "end must not be before start"),
        ({"prescribed_at": datetime(2026, 5, 1, 9, 0)}, "prescribed_at must be timezone-aware"),
    ],
)
def test_impossible_doses_are_refused(change: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ExerciseDose(**{**GOOD, **change})  # type: ignore[arg-type]


def test_a_dose_of_one_day_and_bounds_is_fine() -> None:
    dose = ExerciseDose(**GOOD, start=date(2026, 5, 1), end=date(2026, 5, 1))  # type: ignore[arg-type]
    assert dose.prescribed is False
    assert ExerciseDose(**GOOD, prescriber="Dr. P").prescribed is True  # type: ignore[arg-type]


def test_an_empty_patient_key_is_refused() -> None:
    with pytest.raises(ValueError, match="patient key"):
        PatientInput("  ")


def test_local_dose_is_the_protocol_once_a_day(protocol: Protocol) -> None:
    custom = protocol.model_copy(update={"hold_s": 45, "reps": 2, "days_per_week": 5})
    dose = dose_from_protocol(custom)
    assert (dose.hold_s, dose.reps, dose.sides) == (45, 2, (Side.RIGHT, Side.LEFT))
    assert (dose.times_per_day, dose.days_per_week) == (1, 5)
    assert (dose.start, dose.end, dose.prescriber, dose.key) == (None, None, None, None)


def test_device_version_is_the_installed_mediapipe() -> None:
    # The Device names the model of the pinned wheel; a mediapipe upgrade must update it.
    assert MEDIAPIPE_POSE_FULL.version == version("mediapipe")
