"""Who may see what. Every use case that touches a patient goes through ``patient_for``.

* admin: the clinic's staff accounts, never patients' health data;
* clinician: their own patients only (not a colleague's, not another clinic's);
* patient: themself.

Anything outside a person's reach is "not found", whether it exists or not, so ids cannot
be probed; a role asking for something its role never has is "forbidden".
"""

from __future__ import annotations

from datetime import datetime

from hipflex.domain.clinic import Account, AuditAction, Role
from hipflex.services.clinic.errors import Forbidden, NotFound
from hipflex.services.clinic.ports import ClinicTransaction

NO_SUCH_PATIENT = "no such patient"


def require_role(account: Account, *roles: Role) -> None:
    if account.role not in roles:
        allowed = " or ".join(role.value for role in roles)
        article = "an" if allowed[0] in "aeiou" else "a"
        raise Forbidden(f"this needs {article} {allowed} account")


def patient_for(tx: ClinicTransaction, actor: Account, patient_id: str) -> Account:
    """The patient ``actor`` may see, or ``NotFound`` / ``Forbidden``."""
    require_role(actor, Role.CLINICIAN, Role.PATIENT)
    patient = tx.accounts.account(patient_id) if len(patient_id) <= 36 else None
    return _visible(actor, patient)


def patients_for(tx: ClinicTransaction, actor: Account, patient_ids: list[str]) -> list[Account]:
    """Several patients ``actor`` may see, in one query, in the order given; the same rules
    as :func:`patient_for` (``NotFound`` if any is not theirs to see)."""
    require_role(actor, Role.CLINICIAN, Role.PATIENT)
    found = tx.accounts.accounts_by_id(patient_ids)
    return [_visible(actor, found.get(pid)) for pid in patient_ids]


def _visible(actor: Account, patient: Account | None) -> Account:
    if (
        patient is None
        or patient.role is not Role.PATIENT
        or patient.clinic_id != actor.clinic_id
        or (actor.role is Role.PATIENT and patient.id != actor.id)
        or (actor.role is Role.CLINICIAN and patient.clinician_id != actor.id)
    ):
        raise NotFound(NO_SUCH_PATIENT)
    return patient


def audit_read(
    tx: ClinicTransaction, actor: Account, what: str, patient_ids: list[str], now: datetime
) -> None:
    """Log a read of patients' data; a patient reading their own is not logged (every page
    of their app would be)."""
    others = [pid for pid in patient_ids if pid != actor.id]
    if others:
        tx.audit.record(actor.clinic_id, now, actor.id, AuditAction.READ, what, others)
