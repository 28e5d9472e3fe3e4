"""The REST API's response shapes (its OpenAPI schema is generated from these)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from hipflex.domain.clinic import Account, PainCheckin, Prescription
from hipflex.domain.protocol import Protocol, Side
from hipflex.services.clinic.dashboard import PatientSummary
from hipflex.services.clinic.metrics import WindowAdherence


class ErrorOut(BaseModel):
    detail: str


class MeOut(BaseModel):
    id: str
    role: str
    display_name: str
    email: str
    clinic_id: str

    @classmethod
    def of(cls, account: Account) -> MeOut:
        return cls(
            id=account.id,
            role=account.role.value,
            display_name=account.display_name,
            email=account.email,
            clinic_id=account.clinic_id,
        )


class DoseOut(BaseModel):
    hold_s: int
    reps: int
    sides: list[Side]
    times_per_day: int
    days_per_week: int


class PrescriptionIn(BaseModel):
    """A new version of a patient's prescription. Limits (reps 1-20, hold 5-600 s, 1-6 times
    a day, 1-7 days a week) are checked by the server, which answers 422 with each problem."""

    protocol_name: str = Field(max_length=63)
    hold_s: int
    reps: int
    sides: list[Side] = Field(min_length=1, max_length=2)
    times_per_day: int = 1
    days_per_week: int = 7
    start_date: date
    end_date: date | None = None
    note: str = Field(default="", max_length=4000)


class PrescriptionOut(BaseModel):
    id: str
    patient_id: str
    version: int
    custom: bool
    dose: DoseOut
    start_date: date
    end_date: date | None
    note: str
    created_by: str
    created_at: datetime
    protocol: Protocol = Field(description="The protocol to run, with the dose applied.")

    @classmethod
    def of(cls, p: Prescription) -> PrescriptionOut:
        return cls(
            id=p.id,
            patient_id=p.patient_id,
            version=p.version,
            custom=p.custom,
            dose=DoseOut(
                hold_s=p.dose.hold_s,
                reps=p.dose.reps,
                sides=list(p.dose.sides),
                times_per_day=p.dose.times_per_day,
                days_per_week=p.dose.days_per_week,
            ),
            start_date=p.start_date,
            end_date=p.end_date,
            note=p.note,
            created_by=p.created_by_name,
            created_at=p.created_at,
            protocol=p.protocol,
        )


class SessionStored(BaseModel):
    id: str
    created: bool = Field(description="False when this id had been sent before (no change).")


class CheckinOut(BaseModel):
    id: str
    day: date
    value: int
    note: str
    recorded_at: datetime

    @classmethod
    def of(cls, c: PainCheckin) -> CheckinOut:
        return cls(id=c.id, day=c.day, value=c.value, note=c.note, recorded_at=c.recorded_at)


class AdherenceOut(BaseModel):
    window_days: int
    days_counted: int
    done: int
    expected: int
    share: float | None

    @classmethod
    def of(cls, a: WindowAdherence) -> AdherenceOut:
        return cls(
            window_days=a.window_days,
            days_counted=a.days_counted,
            done=a.done,
            expected=a.expected,
            share=a.share,
        )


class SideExtensionOut(BaseModel):
    sessions: int
    last_deg: float | None
    slope_deg_per_week: float | None


class PatientSummaryOut(BaseModel):
    id: str
    display_name: str
    prescription_version: int | None
    adherence_7: AdherenceOut
    adherence_30: AdherenceOut
    last_session_at: datetime | None
    pain_this_week: float | None
    pain_last_week: float | None
    pain_direction: str
    hip_extension: dict[str, SideExtensionOut]
    asymmetry_deg: float | None = Field(description="Right minus left, recent sessions.")
    asymmetric: bool
    alerts: list[dict[str, str]]

    @classmethod
    def of(cls, s: PatientSummary) -> PatientSummaryOut:
        m = s.metrics
        rom = m.range_of_motion
        return cls(
            id=s.patient.id,
            display_name=s.patient.display_name,
            prescription_version=s.prescription.version if s.prescription else None,
            adherence_7=AdherenceOut.of(m.adherence_7),
            adherence_30=AdherenceOut.of(m.adherence_30),
            last_session_at=m.last_session_at,
            pain_this_week=m.pain.this_week,
            pain_last_week=m.pain.last_week,
            pain_direction=m.pain.direction.value,
            hip_extension={
                side.value: SideExtensionOut(
                    sessions=trend.sessions,
                    last_deg=trend.last_deg,
                    slope_deg_per_week=trend.slope.estimate if trend.slope else None,
                )
                for side, trend in rom.trends.items()
            },
            asymmetry_deg=rom.difference_deg,
            asymmetric=rom.asymmetric,
            alerts=[{"kind": a.kind.value, "message": a.message} for a in m.alerts],
        )
