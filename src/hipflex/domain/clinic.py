"""What the clinic server knows, as plain records, and the rules of a prescription's dose.

Pure: storage returns these records, the clinic's use cases and edges read them; nothing here
knows about the database or the web.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hipflex.domain.protocol import Protocol, Side


class Role(StrEnum):
    """admin: manages the clinic's clinicians; clinician: their own patients; patient: self."""

    ADMIN = "admin"
    CLINICIAN = "clinician"
    PATIENT = "patient"


class AuditAction(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    REVOKE = "revoke"


class PrescriptionError(ValueError):
    """A dose or date range that cannot be prescribed; ``problems`` says why, per field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Dose(BaseModel):
    """How much of a protocol: per-hold seconds, reps per side, sides, sessions per day/week.

    The limits are the protocol format's (hold 5-600 s, 1-20 reps), plus at most 6 sessions a
    day: beyond them a prescription is a typo, not a plan.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    hold_s: int = Field(ge=5, le=600)
    reps: int = Field(ge=1, le=20)
    sides: tuple[Side, ...] = Field(min_length=1, max_length=2)
    times_per_day: int = Field(ge=1, le=6)
    days_per_week: int = Field(ge=1, le=7)

    @model_validator(mode="after")
    def _distinct_sides(self) -> Dose:
        if len(set(self.sides)) != len(self.sides):
            raise ValueError("each side may appear once")
        return self

    @classmethod
    def checked(cls, **values: object) -> Dose:
        """Validate, turning pydantic's errors into plain ``field: problem`` sentences."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise PrescriptionError([_plain(error) for error in exc.errors()]) from None

    def sessions_per_week(self) -> int:
        return self.times_per_day * self.days_per_week

    def weekly_dose_s(self) -> int:
        """Planned hold seconds per side per week."""
        return self.hold_s * self.reps * self.sessions_per_week()


def _plain(error: object) -> str:
    assert isinstance(error, dict)
    field = ".".join(str(part) for part in error.get("loc", ())) or "dose"
    context = error.get("ctx") or {}
    got = error.get("input")
    kind = error.get("type", "")
    if kind in ("greater_than_equal", "less_than_equal") and field in _LIMITS:
        low, high = _LIMITS[field]
        return f"{field}: must be between {low} and {high} (got {got})"
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    if context and "error" in context:
        message = str(context["error"])
    return f"{field}: {message}"


_LIMITS = {
    "hold_s": (5, 600),
    "reps": (1, 20),
    "times_per_day": (1, 6),
    "days_per_week": (1, 7),
}


def check_dates(start: date, end: date | None) -> None:
    if end is not None and end < start:
        raise PrescriptionError([f"end date {end} is before the start date {start}"])


@dataclass(frozen=True)
class Clinic:
    id: str
    name: str
    timezone: str
    created_at: datetime


@dataclass(frozen=True)
class Account:
    """A person who can log in. ``clinician_id`` is the responsible clinician of a patient."""

    id: str
    clinic_id: str
    role: Role
    email: str
    display_name: str
    created_at: datetime
    disabled_at: datetime | None = None
    clinician_id: str | None = None

    @property
    def active(self) -> bool:
        return self.disabled_at is None


@dataclass(frozen=True)
class Invite:
    """A single-use invite; the token itself is never stored, only its hash."""

    id: str
    clinic_id: str
    role: Role
    display_name: str
    created_by_id: str | None
    clinician_id: str | None  # for a patient invite: who will look after them
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True)
class LoginSession:
    """A server-side login; the cookie holds a random id whose hash is the key."""

    id: str  # the hash's public handle (for listing and revoking), not the cookie value
    account_id: str
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    user_agent: str

    def valid(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True)
class DeviceToken:
    """A bearer token for a patient's device (the home app); stored hashed."""

    id: str
    account_id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class AlertSettings:
    """Per patient, set by their clinician: when the dashboard raises an alert."""

    pain_after_threshold: int = 7  # pain after a session at or above this, 0-10
    inactive_days: int = 3  # no session for this many days


@dataclass(frozen=True)
class Patient:
    account: Account
    alerts: AlertSettings


@dataclass(frozen=True)
class Prescription:
    """One version of a patient's prescription; the newest version is the current one."""

    id: str
    patient_id: str
    version: int
    protocol: Protocol  # the protocol as prescribed: its own steps and cues, the dose applied
    custom: bool
    dose: Dose
    start_date: date
    end_date: date | None
    note: str
    created_by_id: str
    created_by_name: str
    created_at: datetime

    def active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


def apply_dose(protocol: Protocol, dose: Dose) -> Protocol:
    """``protocol`` with the prescribed hold, reps, sides and days per week."""
    data = protocol.model_dump()
    data.update(
        hold_s=dose.hold_s, reps=dose.reps, sides=dose.sides, days_per_week=dose.days_per_week
    )
    return Protocol.model_validate(data)


@dataclass(frozen=True)
class PainCheckin:
    """A pain rating on a day, usually one without a session."""

    id: str
    patient_id: str
    day: date
    value: int
    recorded_at: datetime
    note: str


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor_id: str | None
    actor_name: str
    action: AuditAction
    patient_id: str | None
    patient_name: str | None
    what: str
