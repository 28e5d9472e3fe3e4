"""Patient data coming in: sessions (from the home app or the browser) and pain check-ins.

A session's id is chosen by the client (a UUID), so sending it twice stores it once: the home
app's offline queue can retry after any failure without duplicating anything.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from hipflex.domain.clinic import AuditAction, PainCheckin, Role
from hipflex.domain.events import HoldOutcome, SessionStatus
from hipflex.domain.protocol import NAME_PATTERN, Side
from hipflex.domain.records import (
    HoldRecord,
    NoteRecord,
    PainMoment,
    PainRecord,
    SessionRecord,
    Source,
)
from hipflex.errors import ConflictError
from hipflex.services.clinic.access import audit_read, patient_for, require_role
from hipflex.services.clinic.accounts import Principal
from hipflex.services.clinic.errors import Conflict, InvalidInput
from hipflex.services.clinic.ports import ClinicStorage
from hipflex.services.clinic.tokens import new_id

CLOCK_SKEW = timedelta(minutes=10)  # a phone's clock may run a little ahead
MAX_HOLDS = 200
MAX_NOTE_CHARS = 4000
HISTORY_DAYS = 400


class HoldIn(BaseModel):
    """One hold of a session, as the home app records it."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    id: uuid.UUID
    side: Side
    rep: int = Field(ge=1, le=100)
    target_s: float = Field(gt=0, le=600)
    counted_s: float = Field(ge=0, le=6000)
    started_at: AwareDatetime
    ended_at: AwareDatetime
    outcome: Literal["completed", "timed_out", "skipped", "interrupted"]
    source: Literal["timer", "camera", "video"]
    hip_extension_max_deg: float | None = Field(default=None, ge=-90, le=180)
    hip_extension_median_deg: float | None = Field(default=None, ge=-90, le=180)

    @model_validator(mode="after")
    def _order(self) -> HoldIn:
        if self.ended_at < self.started_at:
            raise ValueError("a hold cannot end before it starts")
        return self


class SessionIn(BaseModel):
    """A finished (or partly finished) session with its holds, pain ratings and note."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    id: uuid.UUID = Field(description="Chosen by the client; sending the same id twice is a no-op.")
    protocol_name: str = Field(pattern=NAME_PATTERN)
    protocol_title: str = Field(min_length=1, max_length=120)
    hold_target_s: float = Field(gt=0, le=600)
    holds_planned: int = Field(ge=0, le=MAX_HOLDS)
    started_at: AwareDatetime
    ended_at: AwareDatetime
    status: Literal["completed", "partial"]
    source: Literal["timer", "camera", "video"]
    pain_before: int | None = Field(default=None, ge=0, le=10)
    pain_after: int | None = Field(default=None, ge=0, le=10)
    note: str = Field(default="", max_length=MAX_NOTE_CHARS)
    holds: list[HoldIn] = Field(default_factory=list, max_length=MAX_HOLDS)

    @model_validator(mode="after")
    def _consistent(self) -> SessionIn:
        if self.ended_at < self.started_at:
            raise ValueError("a session cannot end before it starts")
        ids = [hold.id for hold in self.holds]
        if len(set(ids)) != len(ids) or self.id in ids:
            raise ValueError("hold ids must be unique")
        return self

    def record(self) -> SessionRecord:
        session_id = str(self.id)
        pain = tuple(
            PainRecord(f"{session_id}:{moment.value}", session_id, moment, value, self.ended_at)
            for moment, value in (
                (PainMoment.BEFORE, self.pain_before),
                (PainMoment.AFTER, self.pain_after),
            )
            if value is not None
        )
        note = self.note.strip()
        return SessionRecord(
            id=session_id,
            protocol_name=self.protocol_name,
            protocol_title=self.protocol_title.strip(),
            hold_target_s=self.hold_target_s,
            holds_planned=self.holds_planned,
            started_at=self.started_at,
            ended_at=self.ended_at,
            status=SessionStatus(self.status),
            source=Source(self.source),
            holds=tuple(_hold(session_id, hold) for hold in self.holds),
            pain_ratings=pain,
            notes=(NoteRecord(f"{session_id}:note", session_id, note, self.ended_at),)
            if note
            else (),
        )

    @classmethod
    def from_record(cls, record: SessionRecord) -> SessionIn:
        return cls(
            id=uuid.UUID(record.id),
            protocol_name=record.protocol_name,
            protocol_title=record.protocol_title,
            hold_target_s=record.hold_target_s,
            holds_planned=record.holds_planned,
            started_at=record.started_at,
            ended_at=record.ended_at or record.started_at,
            status="completed" if record.status is SessionStatus.COMPLETED else "partial",
            source=record.source.value,
            pain_before=record.pain_before,
            pain_after=record.pain_after,
            note="\n\n".join(n.text for n in record.notes),
            holds=[
                HoldIn(
                    id=uuid.UUID(h.id),
                    side=h.side,
                    rep=h.rep,
                    target_s=h.target_s,
                    counted_s=h.counted_s,
                    started_at=h.started_at,
                    ended_at=h.ended_at,
                    outcome=h.outcome.value,
                    source=h.source.value,
                    hip_extension_max_deg=h.hip_extension_max_deg,
                    hip_extension_median_deg=h.hip_extension_median_deg,
                )
                for h in record.holds
            ],
        )


def _hold(session_id: str, hold: HoldIn) -> HoldRecord:
    return HoldRecord(
        id=str(hold.id),
        session_id=session_id,
        side=hold.side,
        rep=hold.rep,
        target_s=hold.target_s,
        counted_s=hold.counted_s,
        started_at=hold.started_at,
        ended_at=hold.ended_at,
        outcome=HoldOutcome(hold.outcome),
        source=Source(hold.source),
        hip_extension_max_deg=hold.hip_extension_max_deg,
        hip_extension_median_deg=hold.hip_extension_median_deg,
    )


class CheckinIn(BaseModel):
    """How much it hurts today (0 = no pain, 10 = worst), on a day without a session."""

    model_config = ConfigDict(extra="forbid")

    day: date
    value: int = Field(ge=0, le=10)
    note: str = Field(default="", max_length=1000)


class PatientData:
    def __init__(self, store: ClinicStorage) -> None:
        self.store = store

    def submit_session(
        self, principal: Principal, session: SessionIn, now: datetime
    ) -> tuple[SessionRecord, bool]:
        """Store the patient's session; (stored record, True) when new, (…, False) when the
        same id was sent before (nothing changes)."""
        actor = principal.account
        require_role(actor, Role.PATIENT)
        if session.started_at > now + CLOCK_SKEW:
            raise InvalidInput(["started_at: a session cannot start in the future"])
        record = session.record()
        try:
            with self.store.transaction() as tx:
                prescription_id = tx.patients.current_prescription_id(actor.id)
                # The insert itself tells whether the id is new (ON CONFLICT DO NOTHING).
                if tx.patients.add_session(actor.id, record, prescription_id, now):
                    tx.audit.record(
                        actor.clinic_id, now, actor.id, AuditAction.CREATE, "session", [actor.id]
                    )
                    # Stored as sent: no need to read it back (two queries an upload).
                    return record, True
                if tx.patients.session_owner(record.id) != actor.id:
                    raise Conflict("this session id is already used; send a new id")
                stored = tx.patients.session(actor.id, record.id)
        except ConflictError:
            # Two copies racing, or a hold id taken by another session.
            with self.store.transaction() as tx:
                stored = tx.patients.session(actor.id, record.id)
            if stored is None:
                raise Conflict("a hold id in this session is already used; send new ids") from None
            return stored, False
        assert stored is not None
        return stored, False

    def add_checkin(
        self, principal: Principal, checkin: CheckinIn, today: date, now: datetime
    ) -> PainCheckin:
        actor = principal.account
        require_role(actor, Role.PATIENT)
        if checkin.day > today + timedelta(days=1):
            raise InvalidInput(["day: a check-in cannot be for a future day"])
        if checkin.day < today - timedelta(days=HISTORY_DAYS):
            raise InvalidInput([f"day: at most {HISTORY_DAYS} days back"])
        stored = PainCheckin(
            id=new_id(),
            patient_id=actor.id,
            day=checkin.day,
            value=checkin.value,
            recorded_at=now,
            note=checkin.note.strip(),
        )
        with self.store.transaction() as tx:
            tx.patients.add_checkin(stored)
            tx.audit.record(
                actor.clinic_id, now, actor.id, AuditAction.CREATE, "pain check-in", [actor.id]
            )
        return stored

    def sessions(
        self, principal: Principal, patient_id: str, since: datetime, now: datetime
    ) -> list[SessionRecord]:
        with self.store.transaction() as tx:
            patient = patient_for(tx, principal.account, patient_id)
            audit_read(tx, principal.account, "sessions", [patient.id], now)
            return tx.patients.sessions(patient.id, since)

    def checkins(
        self, principal: Principal, patient_id: str, since: date, now: datetime
    ) -> list[PainCheckin]:
        with self.store.transaction() as tx:
            patient = patient_for(tx, principal.account, patient_id)
            audit_read(tx, principal.account, "pain check-ins", [patient.id], now)
            return tx.patients.checkins(patient.id, since)
