"""The clinician's dashboard (all their patients) and one patient's page.

Reading either is logged in the audit log, one row per patient shown. The dashboard's
per-patient figures come from a cache keyed on the patient's data version
(:mod:`hipflex.services.clinic.figures_cache`): only patients whose data changed are read
and recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hipflex.domain.clinic import (
    Account,
    AlertSettings,
    AuditAction,
    Clinic,
    PainCheckin,
    Prescription,
    Role,
)
from hipflex.domain.records import SessionRecord
from hipflex.services.clinic.access import audit_read, patient_for, patients_for, require_role
from hipflex.services.clinic.accounts import Principal
from hipflex.services.clinic.errors import InvalidInput
from hipflex.services.clinic.figures_cache import Figures, FiguresCache, FiguresKey, SessionCache
from hipflex.services.clinic.metrics import PatientMetrics, patient_metrics
from hipflex.services.clinic.ports import ClinicStorage, ClinicTransaction

DASHBOARD_DAYS = 45  # enough for 30-day adherence, two weeks of pain, recent range of motion
PATIENT_PAGE_DAYS = 400


@dataclass(frozen=True)
class PatientSummary:
    patient: Account
    prescription: Prescription | None
    alert_settings: AlertSettings
    metrics: PatientMetrics


@dataclass(frozen=True)
class PatientDetail:
    summary: PatientSummary
    sessions: list[SessionRecord]  # oldest first
    checkins: list[PainCheckin]
    prescriptions: list[Prescription]  # newest first
    clinic: Clinic


class Dashboard:
    def __init__(self, store: ClinicStorage, cache: FiguresCache | None = None) -> None:
        self.store = store
        self.cache = cache if cache is not None else FiguresCache()
        self.sessions = SessionCache()

    def clinic_zone(self, tx: ClinicTransaction, clinic_id: str) -> tuple[Clinic, ZoneInfo]:
        clinic = tx.accounts.clinic(clinic_id)
        assert clinic is not None
        return clinic, ZoneInfo(clinic.timezone)

    def today(self, principal: Principal, now: datetime) -> date:
        with self.store.transaction() as tx:
            _, zone = self.clinic_zone(tx, principal.account.clinic_id)
        return now.astimezone(zone).date()

    def patients(self, principal: Principal, now: datetime) -> list[PatientSummary]:
        """Every patient of the clinician, alerts first, then by name."""
        actor = principal.account
        require_role(actor, Role.CLINICIAN)
        with self.store.transaction() as tx:
            _, zone = self.clinic_zone(tx, actor.clinic_id)
            ids = tx.patients.patient_ids(actor.id)
            patients = patients_for(tx, actor, ids)
            summaries = self._cached_summaries(tx, patients, now, zone)
            audit_read(tx, actor, "dashboard", ids, now)
        return sorted(summaries, key=lambda s: (not s.metrics.alerts, s.patient.display_name))

    def patient(
        self, principal: Principal, patient_id: str, now: datetime, *, read: str = "patient page"
    ) -> PatientDetail:
        """Everything the patient page (or its PDF report, ``read="PDF report"``) shows; the
        audit log records the read as ``read``."""
        actor = principal.account
        with self.store.transaction() as tx:
            patient = patient_for(tx, actor, patient_id)
            clinic, zone = self.clinic_zone(tx, actor.clinic_id)
            ((summary, sessions, checkins),) = self._summaries(
                tx, [patient], now, zone, now - timedelta(days=PATIENT_PAGE_DAYS)
            )
            audit_read(tx, actor, read, [patient.id], now)
            return PatientDetail(
                summary=summary,
                sessions=sessions,
                checkins=checkins,
                prescriptions=tx.patients.prescriptions(patient.id),
                clinic=clinic,
            )

    def set_alerts(
        self, principal: Principal, patient_id: str, settings: AlertSettings, now: datetime
    ) -> None:
        actor = principal.account
        require_role(actor, Role.CLINICIAN)
        problems = []
        if not 0 <= settings.pain_after_threshold <= 10:
            problems.append("pain threshold: between 0 and 10")
        if not 1 <= settings.inactive_days <= 90:
            problems.append("days without a session: between 1 and 90")
        if problems:
            raise InvalidInput(problems)
        with self.store.transaction() as tx:
            patient = patient_for(tx, actor, patient_id)
            tx.patients.set_alerts(patient.id, settings)
            tx.audit.record(
                actor.clinic_id, now, actor.id, AuditAction.UPDATE, "alert settings", [patient.id]
            )

    def _cached_summaries(
        self, tx: ClinicTransaction, patients: list[Account], now: datetime, zone: ZoneInfo
    ) -> list[PatientSummary]:
        """The dashboard's figures: cached ones whose key still holds, the rest computed (and
        cached) from the last ``DASHBOARD_DAYS`` local days."""
        today = now.astimezone(zone).date()
        ids = [patient.id for patient in patients]
        # The versions first: under READ COMMITTED the data read after them is at least as
        # new, so an entry is never labelled newer than the data it was computed from.
        versions = tx.patients.data_versions(ids)
        settings = tx.patients.alerts_by_patient(ids)
        keys = {
            pid: FiguresKey(pid, versions.get(pid, 0), settings[pid], today, zone.key,
                            DASHBOARD_DAYS)
            for pid in ids
        }  # fmt: skip
        figures = {pid: self.cache.get(key) for pid, key in keys.items()}
        stale = [p for p in patients if figures[p.id] is None]
        if stale:
            # Whole local days, so that figures computed at 9:00 still hold at 17:00.
            since = datetime.combine(today - timedelta(days=DASHBOARD_DAYS), time(), zone)
            sessions = self._sessions(tx, [p.id for p in stale], since)
            for summary, _, _ in self._summaries(tx, stale, now, zone, since, settings, sessions):
                fresh = Figures(summary.prescription, summary.metrics)
                self.cache.put(keys[summary.patient.id], fresh)
                figures[summary.patient.id] = fresh
        found = []
        for patient in patients:
            entry = figures[patient.id]
            assert entry is not None
            found.append(
                PatientSummary(patient, entry.prescription, settings[patient.id], entry.metrics)
            )
        return found

    def _sessions(
        self, tx: ClinicTransaction, ids: list[str], since: datetime
    ) -> dict[str, list[SessionRecord]]:
        """The patients' sessions since ``since``, oldest first: the ones read before and
        unchanged since from the session cache, the others read now."""
        stamps = tx.patients.session_stamps(ids, since)
        records: dict[str, SessionRecord] = {}
        wanted: list[tuple[str, str]] = []
        for listed in stamps.values():
            for sid, stamp in listed:
                kept = self.sessions.get(sid, stamp)
                if kept is None:
                    wanted.append((sid, stamp))
                else:
                    records[sid] = kept
        fresh = tx.patients.sessions_by_id([sid for sid, _ in wanted])
        for sid, stamp in wanted:
            if sid in fresh:  # else deleted meanwhile: left out, as it should be
                records[sid] = fresh[sid]
                self.sessions.put(sid, stamp, fresh[sid])
        return {
            pid: [records[sid] for sid, _ in listed if sid in records]
            for pid, listed in stamps.items()
        }

    def _summaries(
        self,
        tx: ClinicTransaction,
        patients: list[Account],
        now: datetime,
        zone: ZoneInfo,
        since: datetime,
        settings: dict[str, AlertSettings] | None = None,
        sessions: dict[str, list[SessionRecord]] | None = None,
    ) -> list[tuple[PatientSummary, list[SessionRecord], list[PainCheckin]]]:
        """Each patient's figures from their data since ``since``, with the sessions and
        check-ins they came from; every table is read once for all of them (a dashboard of 10
        patients is a handful of queries)."""
        today = now.astimezone(zone).date()
        ids = [patient.id for patient in patients]
        if sessions is None:
            sessions = tx.patients.sessions_by_patient(ids, since)
        checkins = tx.patients.checkins_by_patient(ids, since.astimezone(zone).date())
        prescriptions = tx.patients.current_prescriptions(ids)
        if settings is None:
            settings = tx.patients.alerts_by_patient(ids)
        found = []
        for patient in patients:
            pid = patient.id
            metrics = patient_metrics(
                sessions[pid], checkins[pid], prescriptions.get(pid), settings[pid], today, zone
            )
            summary = PatientSummary(patient, prescriptions.get(pid), settings[pid], metrics)
            found.append((summary, sessions[pid], checkins[pid]))
        return found
