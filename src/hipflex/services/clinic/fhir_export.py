"""A patient's clinic record as a FHIR R4B Bundle (``GET /api/v1/patients/{id}/fhir``).

The bundle itself is built by :mod:`hipflex.fhir.bundle`, the same builder as the home app's
``hipflex report --fhir``; this use case only reads the clinic's rows (scoped and audited like
every other read of a patient's data) and turns the current prescription into its inputs.
"""

from __future__ import annotations

from datetime import datetime

from hipflex.domain.clinic import Prescription
from hipflex.fhir.inputs import ExerciseDose, PatientInput
from hipflex.services.clinic.access import audit_read, patient_for
from hipflex.services.clinic.accounts import Principal
from hipflex.services.clinic.errors import NotFound
from hipflex.services.clinic.ports import ClinicStorage

NO_PRESCRIPTION = "no prescription yet: a FHIR export needs the care plan it belongs to"


def exercise_dose(prescription: Prescription) -> ExerciseDose:
    """The builder's dose for a clinic prescription version (an order by its clinician)."""
    dose = prescription.dose
    return ExerciseDose(
        hold_s=dose.hold_s,
        reps=dose.reps,
        sides=tuple(dose.sides),
        times_per_day=dose.times_per_day,
        days_per_week=dose.days_per_week,
        start=prescription.start_date,
        end=prescription.end_date,
        note=prescription.note,
        prescriber=prescription.created_by_name,
        prescribed_at=prescription.created_at,
        key=prescription.id,
    )


class FhirExport:
    def __init__(self, store: ClinicStorage) -> None:
        self.store = store

    def bundle_json(self, principal: Principal, patient_id: str, now: datetime) -> str:
        """The patient's whole clinic record (every session and check-in) under the current
        prescription, as FHIR JSON text. ``NotFound`` when the patient is not the caller's to
        see or has no prescription yet."""
        # fhir.resources takes most of a second to import: only when an export is asked for.
        from hipflex.fhir.bundle import build_bundle, bundle_json

        actor = principal.account
        with self.store.transaction() as tx:
            patient = patient_for(tx, actor, patient_id)
            current = tx.patients.current_prescription(patient.id)
            if current is None:
                raise NotFound(NO_PRESCRIPTION)
            sessions = tx.patients.sessions(patient.id)
            checkins = tx.patients.checkins(patient.id)
            audit_read(tx, actor, "FHIR export", [patient.id], now)
        bundle = build_bundle(
            patient=PatientInput(key=patient.id, name=patient.display_name),
            protocol=current.protocol,
            sessions=sessions,
            generated_at=now,
            dose=exercise_dose(current),
            check_ins=checkins,
        )
        return bundle_json(bundle)
