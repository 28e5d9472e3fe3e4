"""The recorder's :class:`~hipflex.services.recorder.HistoryWriter` over the clinic's storage:
a session run in the patient's browser (the clinic's session player) is written as it
happens, into the same rows the API and the home app's sync fill.

The session row is written at the start already as ``partial`` (the clinic's schema has no
"in progress"): a server killed mid-session leaves an honest partial session with the holds
done so far, nothing to repair. Each hold is committed the moment it ends; the end marks the
session ``completed`` (or ``partial``). Every write is scoped to the one patient the writer
was made for, and the start and the end are in the audit log like the other writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from hipflex.domain.clinic import Account, AuditAction, Role
from hipflex.domain.events import HoldCompleted, SessionStatus
from hipflex.domain.protocol import Protocol
from hipflex.domain.records import HoldRecord, PainMoment, SessionRecord, Source
from hipflex.errors import DatabaseError, HistoryWriteError
from hipflex.services.clinic.access import require_role
from hipflex.services.clinic.errors import NotFound
from hipflex.services.clinic.ports import ClinicStorage, ClinicTransaction
from hipflex.services.clinic.tokens import new_id

UNAVAILABLE_HINT = "the holds already done are kept; start again in a minute"


@dataclass
class ClinicHistoryWriter:
    """Writes one patient's live sessions. ``prescription_id`` is the prescription the
    session runs (stored with it); ``demo`` runs (a sped-up server) are named so in the audit
    log, since the clinic's schema has no demo flag (see docs/clinic.md)."""

    store: ClinicStorage
    patient: Account
    prescription_id: str | None = None

    def __post_init__(self) -> None:
        require_role(self.patient, Role.PATIENT)

    def start_session(
        self, protocol: Protocol, source: Source, started_at: datetime, demo: bool = False
    ) -> str:
        session_id = new_id()
        record = SessionRecord(
            id=session_id,
            protocol_name=protocol.name,
            protocol_title=protocol.title,
            hold_target_s=float(protocol.hold_s),
            holds_planned=protocol.reps * len(protocol.sides),
            started_at=started_at,
            ended_at=started_at,
            status=SessionStatus.PARTIAL,
            source=source,
        )
        what = "session (in-browser player, demo speed)" if demo else "session (in-browser player)"
        with self._transaction() as tx:
            tx.patients.add_session(self.patient.id, record, self.prescription_id, started_at)
            self._audit(tx, started_at, AuditAction.CREATE, what)
        return session_id

    def record_hold(
        self,
        session_id: str,
        hold: HoldCompleted,
        source: Source,
        hip_extension_max_deg: float | None = None,
        hip_extension_median_deg: float | None = None,
        faults: dict[str, float] | None = None,
    ) -> str:
        # faults: the clinic's schema keeps the hip extension figures, not the fault shares
        # (the API and the sync do not carry them either).
        hold_id = new_id()
        row = HoldRecord(
            id=hold_id,
            session_id=session_id,
            side=hold.side,
            rep=hold.rep,
            target_s=hold.target_s,
            counted_s=hold.counted_s,
            started_at=hold.started_at,
            ended_at=hold.ended_at,
            outcome=hold.outcome,
            source=source,
            hip_extension_max_deg=hip_extension_max_deg,
            hip_extension_median_deg=hip_extension_median_deg,
        )
        with self._transaction() as tx:
            self._own(tx, session_id)
            tx.patients.add_hold(session_id, row)
        return hold_id

    def finish_session(self, session_id: str, status: SessionStatus, ended_at: datetime) -> None:
        with self._transaction() as tx:
            self._own(tx, session_id)
            tx.patients.update_session(session_id, status=status, ended_at=ended_at)
            self._audit(tx, ended_at, AuditAction.UPDATE, f"session ended ({status.value})")

    def record_pain(self, session_id: str, moment: PainMoment, value: int, at: datetime) -> str:
        with self._transaction() as tx:
            self._own(tx, session_id)
            tx.patients.update_session(session_id, pain=(moment, value))
            self._audit(tx, at, AuditAction.UPDATE, f"session pain {moment.value}")
        return f"{session_id}:{moment.value}"

    def add_note(self, session_id: str, text: str, at: datetime) -> str:
        with self._transaction() as tx:
            self._own(tx, session_id)
            tx.patients.update_session(session_id, note=text)
            self._audit(tx, at, AuditAction.UPDATE, "session note")
        return f"{session_id}:note"

    def get_session(self, session_id: str) -> SessionRecord | None:
        """This patient's session (None for another patient's or an unknown id)."""
        with self.store.transaction() as tx:
            return tx.patients.session(self.patient.id, session_id)

    # -- helpers ------------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[ClinicTransaction]:
        # The recorder understands HistoryWriteError: it stops the session and says what
        # was kept. A database that went away is exactly that.
        try:
            with self.store.transaction() as tx:
                yield tx
        except DatabaseError as exc:
            if isinstance(exc, HistoryWriteError):
                raise
            raise HistoryWriteError(
                f"the clinic could not save the session ({exc.message})", hint=UNAVAILABLE_HINT
            ) from exc

    def _own(self, tx: ClinicTransaction, session_id: str) -> None:
        if tx.patients.session_owner(session_id) != self.patient.id:
            raise NotFound("no such session")

    def _audit(self, tx: ClinicTransaction, at: datetime, action: AuditAction, what: str) -> None:
        patient = self.patient
        tx.audit.record(patient.clinic_id, at, patient.id, action, what, [patient.id])
