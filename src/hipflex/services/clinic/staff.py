"""The admin's side: the clinic's clinicians and admins, and the audit log."""

from __future__ import annotations

from datetime import datetime

from hipflex.domain.clinic import Account, AuditAction, AuditEntry, Clinic, Role
from hipflex.services.clinic.access import require_role
from hipflex.services.clinic.accounts import Principal
from hipflex.services.clinic.errors import Conflict, NotFound
from hipflex.services.clinic.ports import ClinicStorage


class Staff:
    def __init__(self, store: ClinicStorage) -> None:
        self.store = store

    def clinic(self, principal: Principal) -> Clinic:
        with self.store.transaction() as tx:
            clinic = tx.accounts.clinic(principal.account.clinic_id)
        assert clinic is not None
        return clinic

    def members(self, principal: Principal) -> list[Account]:
        require_role(principal.account, Role.ADMIN)
        clinic_id = principal.account.clinic_id
        with self.store.transaction() as tx:
            return [
                *tx.accounts.accounts(clinic_id, Role.ADMIN),
                *tx.accounts.accounts(clinic_id, Role.CLINICIAN),
            ]

    def set_active(
        self, principal: Principal, account_id: str, active: bool, now: datetime
    ) -> Account:
        """Disable (or re-enable) a staff account; disabling also ends its sessions."""
        actor = principal.account
        require_role(actor, Role.ADMIN)
        with self.store.transaction() as tx:
            target = tx.accounts.account(account_id) if len(account_id) <= 36 else None
            if target is None or target.clinic_id != actor.clinic_id or target.role is Role.PATIENT:
                raise NotFound("no such staff account")
            if target.id == actor.id:
                raise Conflict("you cannot disable your own account")
            tx.accounts.set_disabled(target.id, None if active else now)
            if not active:
                tx.accounts.revoke_login_sessions(target.id, now)
            tx.audit.record(
                actor.clinic_id,
                now,
                actor.id,
                AuditAction.UPDATE,
                f"{'enabled' if active else 'disabled'} {target.role} {target.display_name}",
            )
            updated = tx.accounts.account(target.id)
        assert updated is not None
        return updated

    def audit_log(self, principal: Principal, limit: int = 200) -> list[AuditEntry]:
        require_role(principal.account, Role.ADMIN)
        with self.store.transaction() as tx:
            return tx.audit.entries(principal.account.clinic_id, limit=limit)
