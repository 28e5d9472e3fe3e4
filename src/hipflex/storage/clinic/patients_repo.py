"""Patients and their data: alert settings, protocols, prescriptions, sessions, check-ins.

Sessions come back as the home app's :class:`~hipflex.domain.records.SessionRecord`, so the
insights (adherence, trends, pain) and charts work on clinic data unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Row, Table, case, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.orm import Session

from hipflex.domain.clinic import AlertSettings, Dose, PainCheckin, Prescription
from hipflex.domain.events import HoldOutcome, SessionStatus
from hipflex.domain.protocol import Protocol, Side
from hipflex.domain.records import (
    HoldRecord,
    NoteRecord,
    PainMoment,
    PainRecord,
    SessionRecord,
    Source,
)
from hipflex.storage.clinic.tables import (
    AccountRow,
    ClinicProtocolRow,
    PainCheckinRow,
    PatientHoldRow,
    PatientRow,
    PatientSessionRow,
    PrescriptionRow,
)


class PatientsRepository:
    def __init__(self, session: Session) -> None:
        self.db = session

    # ---- patients ---------------------------------------------------------------------------

    def add_patient(self, account_id: str, clinician_id: str, alerts: AlertSettings) -> None:
        self.db.add(
            PatientRow(
                account_id=account_id,
                clinician_id=clinician_id,
                pain_after_threshold=alerts.pain_after_threshold,
                inactive_days=alerts.inactive_days,
            )
        )
        self.db.flush()

    def patient_ids(self, clinician_id: str) -> list[str]:
        """The clinician's patients, by name."""
        rows = self.db.execute(
            select(PatientRow.account_id)
            .join(AccountRow, AccountRow.id == PatientRow.account_id)
            .where(PatientRow.clinician_id == clinician_id)
            .order_by(AccountRow.display_name, AccountRow.id)
        )
        return [row[0] for row in rows]

    def alerts(self, patient_id: str) -> AlertSettings:
        row = self.db.get(PatientRow, patient_id)
        if row is None:
            return AlertSettings()
        return AlertSettings(row.pain_after_threshold, row.inactive_days)

    def alerts_by_patient(self, patient_ids: Sequence[str]) -> dict[str, AlertSettings]:
        rows = self.db.execute(
            select(PatientRow.account_id, PatientRow.pain_after_threshold, PatientRow.inactive_days)
            .where(PatientRow.account_id.in_(list(patient_ids)))
        )  # fmt: skip
        found = {row[0]: AlertSettings(row[1], row[2]) for row in rows}
        return {pid: found.get(pid, AlertSettings()) for pid in patient_ids}

    def data_versions(self, patient_ids: Sequence[str]) -> dict[str, int]:
        """Each patient's data version: it changes in the same transaction as any change to
        their sessions, check-ins or prescriptions (triggers of migration 0005)."""
        rows = self.db.execute(
            select(PatientRow.account_id, PatientRow.data_version)
            .where(PatientRow.account_id.in_(list(patient_ids)))
        )  # fmt: skip
        return {row[0]: row[1] for row in rows}

    def set_alerts(self, patient_id: str, alerts: AlertSettings) -> None:
        self.db.execute(
            update(PatientRow)
            .where(PatientRow.account_id == patient_id)
            .values(
                pain_after_threshold=alerts.pain_after_threshold,
                inactive_days=alerts.inactive_days,
            )
        )

    # ---- clinic protocols -------------------------------------------------------------------

    def add_protocol(
        self, protocol_id: str, clinic_id: str, protocol: Protocol, toml: str, by: str, at: datetime
    ) -> None:
        self.db.add(
            ClinicProtocolRow(
                id=protocol_id,
                clinic_id=clinic_id,
                name=protocol.name,
                title=protocol.title,
                toml=toml,
                created_by_id=by,
                created_at=at,
            )
        )
        self.db.flush()

    def protocol_toml(self, clinic_id: str, name: str) -> str | None:
        return self.db.scalar(
            select(ClinicProtocolRow.toml).where(
                ClinicProtocolRow.clinic_id == clinic_id, ClinicProtocolRow.name == name
            )
        )

    def protocol_tomls(self, clinic_id: str) -> list[str]:
        rows = self.db.scalars(
            select(ClinicProtocolRow.toml)
            .where(ClinicProtocolRow.clinic_id == clinic_id)
            .order_by(ClinicProtocolRow.title)
        )
        return list(rows)

    # ---- prescriptions ----------------------------------------------------------------------

    def add_prescription(self, prescription: Prescription) -> Prescription:
        """Store a new version (its number is one more than the latest; rows never change)."""
        # Lock the patient row: two clinicians saving at once get versions n+1 and n+2.
        self.db.execute(
            select(PatientRow.account_id)
            .where(PatientRow.account_id == prescription.patient_id)
            .with_for_update()
        )
        latest = self.db.scalar(
            select(func.max(PrescriptionRow.version)).where(
                PrescriptionRow.patient_id == prescription.patient_id
            )
        )
        version = (latest or 0) + 1
        dose = prescription.dose
        self.db.add(
            PrescriptionRow(
                id=prescription.id,
                patient_id=prescription.patient_id,
                version=version,
                protocol_name=prescription.protocol.name,
                custom=prescription.custom,
                protocol_json=prescription.protocol.model_dump_json(),
                hold_s=dose.hold_s,
                reps=dose.reps,
                sides=",".join(side.value for side in dose.sides),
                times_per_day=dose.times_per_day,
                days_per_week=dose.days_per_week,
                start_date=prescription.start_date,
                end_date=prescription.end_date,
                note=prescription.note,
                created_by_id=prescription.created_by_id,
                created_at=prescription.created_at,
            )
        )
        self.db.flush()  # the (patient, version) key refuses a concurrent duplicate
        stored = self.prescriptions(prescription.patient_id)
        return stored[0]

    def prescriptions(self, patient_id: str) -> list[Prescription]:
        """Every version, newest first."""
        rows = self.db.execute(
            select(PrescriptionRow, AccountRow.display_name)
            .join(AccountRow, AccountRow.id == PrescriptionRow.created_by_id)
            .where(PrescriptionRow.patient_id == patient_id)
            .order_by(PrescriptionRow.version.desc())
        )
        return [_prescription(row, name) for row, name in rows]

    def current_prescription_id(self, patient_id: str) -> str | None:
        """The id of the patient's newest prescription version (a session upload records it;
        no need to parse the whole protocol)."""
        return self.db.scalar(
            select(PrescriptionRow.id)
            .where(PrescriptionRow.patient_id == patient_id)
            .order_by(PrescriptionRow.version.desc())
            .limit(1)
        )

    def current_prescription(self, patient_id: str) -> Prescription | None:
        return self.current_prescriptions([patient_id]).get(patient_id)

    def current_prescriptions(self, patient_ids: Sequence[str]) -> dict[str, Prescription]:
        """The newest version of each patient's prescription (patients without one: absent)."""
        rows = self.db.execute(
            select(PrescriptionRow, AccountRow.display_name)
            .join(AccountRow, AccountRow.id == PrescriptionRow.created_by_id)
            .where(PrescriptionRow.patient_id.in_(list(patient_ids)))
            .order_by(PrescriptionRow.patient_id, PrescriptionRow.version.desc())
            .ext(distinct_on(PrescriptionRow.patient_id))
        )
        return {row.patient_id: _prescription(row, name) for row, name in rows}

    # ---- sessions ---------------------------------------------------------------------------

    def session_owner(self, session_id: str) -> str | None:
        return self.db.scalar(
            select(PatientSessionRow.patient_id).where(PatientSessionRow.id == session_id)
        )

    def add_session(
        self,
        patient_id: str,
        record: SessionRecord,
        prescription_id: str | None,
        received_at: datetime,
    ) -> bool:
        """Insert a session and its holds; False (nothing written) when its id exists."""
        note = "\n\n".join(n.text for n in record.notes)
        inserted = self.db.execute(
            insert(PatientSessionRow)
            .values(
                id=record.id,
                patient_id=patient_id,
                prescription_id=prescription_id,
                protocol_name=record.protocol_name,
                protocol_title=record.protocol_title,
                hold_target_s=record.hold_target_s,
                holds_planned=record.holds_planned,
                started_at=record.started_at,
                ended_at=record.ended_at,
                status=record.status.value,
                source=record.source.value,
                pain_before=record.pain_before,
                pain_after=record.pain_after,
                note=note,
                received_at=received_at,
            )
            .on_conflict_do_nothing(index_elements=[PatientSessionRow.id])
            .returning(PatientSessionRow.id)
        ).first()
        if inserted is None:
            return False
        if record.holds:
            # One multi-row statement through Core: the ORM's unit of work cost more than the
            # queries themselves on a session upload (bench/clinic_load.py).
            self.db.execute(
                insert(
                    cast(Table, PatientHoldRow.__table__)
                ),  # the table: not the ORM's bulk machinery
                [_hold_values(record.id, hold) for hold in record.holds],
            )
        return True

    def add_hold(self, session_id: str, hold: HoldRecord) -> bool:
        """One hold of a session being recorded live (the in-browser player); the session's
        end moves to the hold's. False (nothing written) when the hold's id exists."""
        inserted = self.db.execute(
            insert(PatientHoldRow)
            .values(_hold_values(session_id, hold))
            .on_conflict_do_nothing(index_elements=[PatientHoldRow.id])
            .returning(PatientHoldRow.id)
        ).first()
        if inserted is None:
            return False
        self.db.execute(
            update(PatientSessionRow)
            .where(PatientSessionRow.id == session_id)
            .values(ended_at=func.greatest(PatientSessionRow.ended_at, hold.ended_at))
        )
        return True

    def update_session(
        self,
        session_id: str,
        *,
        status: SessionStatus | None = None,
        ended_at: datetime | None = None,
        source: Source | None = None,
        pain: tuple[PainMoment, int] | None = None,
        note: str | None = None,
    ) -> None:
        """Change a live session's row: its status and end, its source, a pain rating, or a
        note (appended to the notes already there)."""
        values: dict[str, Any] = {}
        if status is not None:
            values["status"] = status.value
        if ended_at is not None:
            values["ended_at"] = func.greatest(PatientSessionRow.ended_at, ended_at)
        if source is not None:
            values["source"] = source.value
        if pain is not None:
            moment, value = pain
            column = "pain_before" if moment is PainMoment.BEFORE else "pain_after"
            values[column] = value
        if note:
            current = PatientSessionRow.note
            values["note"] = case((current == "", note), else_=current + "\n\n" + note)
        if values:
            self.db.execute(
                update(PatientSessionRow).where(PatientSessionRow.id == session_id).values(values)
            )

    def session(self, patient_id: str, session_id: str) -> SessionRecord | None:
        found = self._sessions(
            PatientSessionRow.id == session_id, PatientSessionRow.patient_id == patient_id
        )
        return found[0] if found else None

    def sessions(self, patient_id: str, since: datetime | None = None) -> list[SessionRecord]:
        """The patient's sessions started at or after ``since``, oldest first."""
        return self.sessions_by_patient([patient_id], since).get(patient_id, [])

    def sessions_by_patient(
        self, patient_ids: Sequence[str], since: datetime | None = None
    ) -> dict[str, list[SessionRecord]]:
        """Several patients' sessions (started at or after ``since``), oldest first, in two
        queries: a clinician's dashboard reads all their patients at once."""
        if not patient_ids:
            return {}
        where: list[ColumnElement[bool]] = [PatientSessionRow.patient_id.in_(list(patient_ids))]
        if since is not None:
            where.append(PatientSessionRow.started_at >= since)
        by_patient: dict[str, list[SessionRecord]] = {pid: [] for pid in patient_ids}
        for patient_id, record in zip(*self._sessions_with_owner(*where), strict=True):
            by_patient[patient_id].append(record)
        return by_patient

    def session_stamps(
        self, patient_ids: Sequence[str], since: datetime
    ) -> dict[str, list[tuple[str, str]]]:
        """(session id, row stamp) of each patient's sessions started at or after ``since``,
        oldest first, without their holds. The stamp is PostgreSQL's ``xmin`` (the id of the
        transaction that last wrote the row): it changes whenever the row changes, so a
        reader that kept a session can tell whether to read it again."""
        table = PatientSessionRow.__table__
        rows = self.db.execute(
            select(table.c.patient_id, table.c.id, literal_column("xmin::text"))
            .where(table.c.patient_id.in_(list(patient_ids)), table.c.started_at >= since)
            .order_by(table.c.started_at, table.c.id)
        )
        found: dict[str, list[tuple[str, str]]] = {pid: [] for pid in patient_ids}
        for patient_id, session_id, stamp in rows:
            found[patient_id].append((session_id, stamp))
        return found

    def sessions_by_id(self, session_ids: Sequence[str]) -> dict[str, SessionRecord]:
        """Sessions (with their holds) by id, in two queries."""
        if not session_ids:
            return {}
        _, records = self._sessions_with_owner(PatientSessionRow.id.in_(list(session_ids)))
        return {record.id: record for record in records}

    def _sessions(self, *where: ColumnElement[bool]) -> list[SessionRecord]:
        return self._sessions_with_owner(*where)[1]

    def _sessions_with_owner(
        self, *where: ColumnElement[bool]
    ) -> tuple[list[str], list[SessionRecord]]:
        # Plain rows rather than ORM objects: building thousands of hold objects per dashboard
        # cost more than the queries themselves (bench/clinic_load.py).
        sessions = PatientSessionRow.__table__
        holds = PatientHoldRow.__table__
        session_rows = self.db.execute(
            select(sessions).where(*where).order_by(sessions.c.started_at, sessions.c.id)
        ).all()
        hold_rows = self.db.execute(
            select(holds)
            .join(sessions, sessions.c.id == holds.c.session_id)
            .where(*where)
            .order_by(holds.c.session_id, holds.c.started_at)
        ).all()
        holds_of: dict[str, list[HoldRecord]] = {}
        for row in hold_rows:
            holds_of.setdefault(row.session_id, []).append(_hold(row))
        owners = [row.patient_id for row in session_rows]
        return owners, [_session(row, holds_of.get(row.id, ())) for row in session_rows]

    def last_session_at(self, patient_id: str) -> datetime | None:
        return self.db.scalar(
            select(func.max(PatientSessionRow.started_at)).where(
                PatientSessionRow.patient_id == patient_id
            )
        )

    # ---- pain check-ins ---------------------------------------------------------------------

    def add_checkin(self, checkin: PainCheckin) -> None:
        self.db.add(checkin_row(checkin))
        self.db.flush()

    def checkins(self, patient_id: str, since: date | None = None) -> list[PainCheckin]:
        return self.checkins_by_patient([patient_id], since)[patient_id]

    def checkins_by_patient(
        self, patient_ids: Sequence[str], since: date | None = None
    ) -> dict[str, list[PainCheckin]]:
        """Several patients' check-ins on or after ``since``, by day."""
        table = PainCheckinRow.__table__
        query = select(table).where(table.c.patient_id.in_(list(patient_ids)))
        if since is not None:
            query = query.where(table.c.day >= since)
        by_patient: dict[str, list[PainCheckin]] = {pid: [] for pid in patient_ids}
        for r in self.db.execute(query.order_by(table.c.day, table.c.recorded_at)):
            by_patient[r.patient_id].append(
                PainCheckin(r.id, r.patient_id, r.day, r.value, r.recorded_at, r.note)
            )
        return by_patient


def _hold_values(session_id: str, hold: HoldRecord) -> dict[str, Any]:
    """A hold's column values, for both ways a hold is inserted (with its session, or live)."""
    return {
        "id": hold.id,
        "session_id": session_id,
        "side": hold.side.value,
        "rep": hold.rep,
        "target_s": hold.target_s,
        "counted_s": hold.counted_s,
        "started_at": hold.started_at,
        "ended_at": hold.ended_at,
        "outcome": hold.outcome.value,
        "source": hold.source.value,
        "hip_extension_max_deg": hold.hip_extension_max_deg,
        "hip_extension_median_deg": hold.hip_extension_median_deg,
    }


def _prescription(row: PrescriptionRow, created_by_name: str) -> Prescription:
    return Prescription(
        id=row.id,
        patient_id=row.patient_id,
        version=row.version,
        protocol=Protocol.model_validate(json.loads(row.protocol_json)),
        custom=row.custom,
        dose=Dose(
            hold_s=row.hold_s,
            reps=row.reps,
            sides=tuple(Side(s) for s in row.sides.split(",")),
            times_per_day=row.times_per_day,
            days_per_week=row.days_per_week,
        ),
        start_date=row.start_date,
        end_date=row.end_date,
        note=row.note,
        created_by_id=row.created_by_id,
        created_by_name=created_by_name,
        created_at=row.created_at,
    )


def _session(row: Row[Any], holds: Iterable[HoldRecord]) -> SessionRecord:
    pain = tuple(
        PainRecord(f"{row.id}:{moment.value}", row.id, moment, value, row.ended_at)
        for moment, value in (
            (PainMoment.BEFORE, row.pain_before),
            (PainMoment.AFTER, row.pain_after),
        )
        if value is not None
    )
    notes = (NoteRecord(f"{row.id}:note", row.id, row.note, row.ended_at),) if row.note else ()
    return SessionRecord(
        id=row.id,
        protocol_name=row.protocol_name,
        protocol_title=row.protocol_title,
        hold_target_s=row.hold_target_s,
        holds_planned=row.holds_planned,
        started_at=row.started_at,
        ended_at=row.ended_at,
        status=SessionStatus(row.status),
        source=Source(row.source),
        holds=tuple(holds),
        pain_ratings=pain,
        notes=notes,
    )


def _hold(row: Row[Any]) -> HoldRecord:
    return HoldRecord(
        id=row.id,
        session_id=row.session_id,
        side=Side(row.side),
        rep=row.rep,
        target_s=row.target_s,
        counted_s=row.counted_s,
        started_at=row.started_at,
        ended_at=row.ended_at,
        outcome=HoldOutcome(row.outcome),
        source=Source(row.source),
        hip_extension_max_deg=row.hip_extension_max_deg,
        hip_extension_median_deg=row.hip_extension_median_deg,
    )


def checkin_row(checkin: PainCheckin) -> PainCheckinRow:
    """The table row of a pain check-in."""
    return PainCheckinRow(
        id=checkin.id,
        patient_id=checkin.patient_id,
        day=checkin.day,
        value=checkin.value,
        note=checkin.note,
        recorded_at=checkin.recorded_at,
    )
