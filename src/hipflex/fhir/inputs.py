"""What the FHIR builder needs besides the history, as plain dataclasses.

The local app derives the dose from its active protocol (``dose_from_protocol``); the clinic
server converts its own prescription into an :class:`ExerciseDose`. Neither needs to know
anything about FHIR or ``fhir.resources``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol as Interface

from hipflex.domain.protocol import Protocol, Side

MAX_TIMES_PER_DAY = 12


@dataclass(frozen=True)
class ExerciseDose:
    """The prescribed dose: each session is ``reps`` holds of ``hold_s`` seconds on each of
    ``sides``, ``times_per_day`` sessions a day on ``days_per_week`` days a week, from ``start``
    to ``end`` (inclusive local dates, either open). ``prescriber`` is a display name; None
    means the person chose the protocol themself. ``key`` is the prescription's own stable id
    (the clinic: its prescription version's uuid); None derives one from the patient and the
    protocol's name."""

    hold_s: int
    reps: int
    sides: tuple[Side, ...]
    times_per_day: int = 1
    days_per_week: int = 7
    start: date | None = None
    end: date | None = None
    note: str = ""
    prescriber: str | None = None
    prescribed_at: datetime | None = None  # timezone-aware
    key: str | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.hold_s < 1:
            problems.append(f"hold_s must be at least 1 (got {self.hold_s})")
        if self.reps < 1:
            problems.append(f"reps must be at least 1 (got {self.reps})")
        if not self.sides or len(set(self.sides)) != len(self.sides):
            problems.append("sides must name each side at most once, and at least one")
        if not 1 <= self.times_per_day <= MAX_TIMES_PER_DAY:
            problems.append(f"times_per_day must be 1–{MAX_TIMES_PER_DAY}")
        if not 1 <= self.days_per_week <= 7:
            problems.append("days_per_week must be 1–7")
        if self.start and self.end and self.end < self.start:
            problems.append("end must not be before start")
        if self.prescribed_at is not None and self.prescribed_at.tzinfo is None:
            problems.append("prescribed_at must be timezone-aware")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def prescribed(self) -> bool:
        """True when a clinician prescribed it (an order), False for a self-chosen plan."""
        return self.prescriber is not None


@dataclass(frozen=True)
class PatientInput:
    """Who the bundle is about. ``key`` is stable for this person (the clinic's patient uuid;
    for the local app a uuid kept in the data dir) and seeds every resource id."""

    key: str
    name: str | None = None

    def __post_init__(self) -> None:
        if not self.key.strip():
            raise ValueError("patient key must not be empty")


class PainCheckIn(Interface):
    """A 0–10 pain rating given outside any session (a day's check-in). Any object with these
    attributes will do, such as storage's check-in record or the clinic's own row."""

    @property
    def id(self) -> str: ...

    @property
    def value(self) -> int: ...

    @property
    def recorded_at(self) -> datetime: ...  # timezone-aware

    @property
    def note(self) -> str | None: ...


@dataclass(frozen=True)
class PoseModel:
    """The pose model that measured hip extension, exported as a FHIR Device."""

    name: str
    version: str
    manufacturer: str
    model_number: str
    runtime: str  # where and how it runs, in words (the Device's note)


# The model in the mediapipe==0.10.21 wheel that vision/mediapipe_source.py runs
# (model_complexity=1, pose_landmark_full.tflite). tests/fhir checks the pinned version.
MEDIAPIPE_POSE_FULL = PoseModel(
    name="MediaPipe BlazePose full",
    version="0.10.21",
    manufacturer="Google",
    model_number="pose_landmark_full",
    runtime="Runs on the person's own computer (mediapipe Python package, model_complexity=1); "
    "frames never leave it. hipflex derives hip extension from its landmarks.",
)


def dose_from_protocol(protocol: Protocol) -> ExerciseDose:
    """The local app's dose: the protocol's own numbers, once a day, chosen by the person.

    A protocol file has no times-per-day field (its ``frequency`` is free text), so the
    local dose is one session a day on the protocol's ``days_per_week``.
    """
    return ExerciseDose(
        hold_s=protocol.hold_s,
        reps=protocol.reps,
        sides=tuple(protocol.sides),
        times_per_day=1,
        days_per_week=protocol.days_per_week,
    )
