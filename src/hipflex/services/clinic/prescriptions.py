"""Prescribing: a protocol (shipped or the clinic's own) with a dose, dates and a note.

Every change is a new version; versions are never edited or deleted, so the history shows
what the patient was asked to do at any time. The patient's app runs the newest version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from hipflex.domain.clinic import (
    AuditAction,
    Dose,
    Prescription,
    PrescriptionError,
    Role,
    apply_dose,
    check_dates,
)
from hipflex.domain.protocol import Protocol
from hipflex.errors import ConflictError, ProtocolError
from hipflex.protocols.loader import BUILTIN_DIR, load_protocol_file, parse_protocol
from hipflex.services.clinic.access import audit_read, patient_for, require_role
from hipflex.services.clinic.accounts import Principal
from hipflex.services.clinic.errors import Conflict, InvalidInput, NotFound
from hipflex.services.clinic.ports import ClinicStorage, ClinicTransaction
from hipflex.services.clinic.tokens import new_id

MAX_NOTE_CHARS = 4000
MAX_PROTOCOL_TOML_CHARS = 20_000


@dataclass(frozen=True)
class ProtocolChoice:
    protocol: Protocol
    custom: bool


@cache
def shipped_protocols() -> tuple[Protocol, ...]:
    return tuple(load_protocol_file(path) for path in sorted(BUILTIN_DIR.glob("*.toml")))


@dataclass(frozen=True)
class PrescriptionRequest:
    """What a clinician fills in; validated by :meth:`Prescriptions.prescribe`."""

    protocol_name: str
    hold_s: int
    reps: int
    sides: tuple[str, ...]
    times_per_day: int
    days_per_week: int
    start_date: date
    end_date: date | None = None
    note: str = ""


class Prescriptions:
    def __init__(self, store: ClinicStorage) -> None:
        self.store = store

    def protocols(self, principal: Principal) -> list[ProtocolChoice]:
        """The shipped protocols, then the clinic's own."""
        with self.store.transaction() as tx:
            return self._protocols(tx, principal.account.clinic_id)

    def _protocols(self, tx: ClinicTransaction, clinic_id: str) -> list[ProtocolChoice]:
        choices = [ProtocolChoice(p, False) for p in shipped_protocols()]
        for text in tx.patients.protocol_tomls(clinic_id):
            choices.append(ProtocolChoice(parse_protocol(text, "clinic protocol"), True))
        return choices

    def add_protocol(self, principal: Principal, toml: str, now: datetime) -> Protocol:
        """A clinic protocol from TOML (the same format as protocol files; see docs)."""
        actor = principal.account
        require_role(actor, Role.CLINICIAN)
        if len(toml) > MAX_PROTOCOL_TOML_CHARS:
            raise InvalidInput([f"protocol: at most {MAX_PROTOCOL_TOML_CHARS} characters"])
        try:
            protocol = parse_protocol(toml, "protocol")
        except ProtocolError as exc:
            raise InvalidInput(exc.message.splitlines()) from None
        if any(p.name == protocol.name for p in shipped_protocols()):
            raise Conflict(f"{protocol.name!r} is a shipped protocol's name; choose another")
        try:
            with self.store.transaction() as tx:
                tx.patients.add_protocol(new_id(), actor.clinic_id, protocol, toml, actor.id, now)
                tx.audit.record(
                    actor.clinic_id, now, actor.id, AuditAction.CREATE, f"protocol {protocol.name}"
                )
        except ConflictError:
            raise Conflict(f"the clinic already has a protocol named {protocol.name!r}") from None
        return protocol

    def prescribe(
        self, principal: Principal, patient_id: str, request: PrescriptionRequest, now: datetime
    ) -> Prescription:
        """Store a new version of the patient's prescription."""
        actor = principal.account
        require_role(actor, Role.CLINICIAN)
        try:
            dose = Dose.checked(
                hold_s=request.hold_s,
                reps=request.reps,
                sides=request.sides,
                times_per_day=request.times_per_day,
                days_per_week=request.days_per_week,
            )
            check_dates(request.start_date, request.end_date)
        except PrescriptionError as exc:
            raise InvalidInput(exc.problems) from None
        note = request.note.strip()
        if len(note) > MAX_NOTE_CHARS:
            raise InvalidInput([f"note: at most {MAX_NOTE_CHARS} characters"])
        with self.store.transaction() as tx:
            patient = patient_for(tx, actor, patient_id)
            choice = next(
                (
                    c
                    for c in self._protocols(tx, actor.clinic_id)
                    if c.protocol.name == request.protocol_name
                ),
                None,
            )
            if choice is None:
                raise InvalidInput([f"protocol: no protocol named {request.protocol_name!r}"])
            prescription = tx.patients.add_prescription(
                Prescription(
                    id=new_id(),
                    patient_id=patient.id,
                    version=0,  # the store numbers versions
                    protocol=apply_dose(choice.protocol, dose),
                    custom=choice.custom,
                    dose=dose,
                    start_date=request.start_date,
                    end_date=request.end_date,
                    note=note,
                    created_by_id=actor.id,
                    created_by_name=actor.display_name,
                    created_at=now,
                )
            )
            tx.audit.record(
                actor.clinic_id,
                now,
                actor.id,
                AuditAction.CREATE if prescription.version == 1 else AuditAction.UPDATE,
                f"prescription v{prescription.version}",
                [patient.id],
            )
            return prescription

    def history(self, principal: Principal, patient_id: str, now: datetime) -> list[Prescription]:
        """Every version, newest first (the patient sees their own)."""
        actor = principal.account
        with self.store.transaction() as tx:
            patient = patient_for(tx, actor, patient_id)
            audit_read(tx, actor, "prescriptions", [patient.id], now)
            return tx.patients.prescriptions(patient.id)

    def current(self, principal: Principal, patient_id: str, now: datetime) -> Prescription:
        versions = self.history(principal, patient_id, now)
        if not versions:
            raise NotFound("no prescription yet")
        return versions[0]
